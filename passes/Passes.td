// nabla's passes; one file per pass, named after its flag.
#ifndef NABLA_PASSES_TD
#define NABLA_PASSES_TD

include "mlir/Pass/PassBase.td"

def Autodiff : Pass<"nabla-autodiff", "mlir::ModuleOp"> {
  let summary = "Reverse-mode differentiation of scalar-loss functions";
  let description = [{
    For the function named by `function` (default `loss`), whose first result
    is a scalar f32 loss, adds `<function>_grad`: it takes the same arguments
    and returns the original results followed by the gradient of the loss with
    respect to each differentiated argument. Differentiated are the arguments
    whose `nabla.role` is `param` (or, when no argument has a role, every f32
    argument); integer arguments such as labels never are. Gradients follow
    the chain rule backwards over the ops, one rule per op (passes/gradients/),
    and are summed where a value fans out. Calls are inlined first. If some
    ops on the path from the arguments to the loss have no gradient rule, one
    error lists all of them.

    ```mlir
    // nabla-opt --nabla-autodiff="function=loss" model.mlir
    func @loss_grad(%x: ..., %w: ... {nabla.role = "param"}) -> (tensor<f32>, tensor<...>)
    ```
  }];
  let constructor = "nabla::createAutodiffPass()";
  let options = [
    Option<"functionName", "function", "std::string", /*default=*/"\"loss\"",
           "the function to differentiate">,
  ];
  let dependentDialects = ["nabla::NablaDialect"];
}

def TrainStep : Pass<"nabla-train-step", "mlir::ModuleOp"> {
  let summary = "Appends an optimizer update to a gradient function";
  let description = [{
    From `<function>_grad` (made by --nabla-autodiff) builds
    `<function>_train_step`, one compiled training step: forward, backward
    and the optimizer update of every parameter. It takes the gradient
    function's arguments, then one state tensor per parameter and slot
    (role `opt_state`, named `<param>/<slot>`), then the optimizer's scalar
    hyperparameters (role `hyper`: `lr`, `weight_decay`, ...); it returns the
    gradient function's original results (loss, updated running statistics),
    the updated parameters and the updated optimizer state. The formulas are
    in runtime/Optimizer.h.

    ```mlir
    // nabla-opt --nabla-autodiff --nabla-train-step="optimizer=adam" model.mlir
    ```
  }];
  let constructor = "nabla::createTrainStepPass()";
  let options = [
    Option<"functionName", "function", "std::string", /*default=*/"\"loss\"",
           "the differentiated function (its _grad must exist)">,
    Option<"optimizer", "optimizer", "std::string", /*default=*/"\"sgd\"",
           "sgd, momentum, nesterov, adagrad, rmsprop or adam">,
  ];
  let dependentDialects = ["nabla::NablaDialect"];
}

def ApplyGradients : Pass<"nabla-apply-gradients", "mlir::ModuleOp"> {
  let summary = "Builds the optimizer update alone, as a function of parameters and gradients";
  let description = [{
    From `<function>_grad` (made by --nabla-autodiff) builds
    `<function>_apply_gradients`: it takes every parameter the gradient
    function differentiates (role `param`), then their gradients (role
    `grad`, named `grad:<param>`), then the optimizer state and
    hyperparameters as `<function>_train_step` does, and returns the updated
    parameters and optimizer state. Data-parallel training runs
    `<function>_grad` on shards of a batch, averages the gradients and applies
    them with this function once, so the update is the train step's.

    With `shards=N` (N > 1) it averages them itself: it takes N sets of
    gradients (`grad:<param>@<s>`, shard s = 0..N-1) and then N scalar
    weights (role `shard_weight`, named `shard_weight@<s>`), and updates
    with the sum over s of weight s times shard s's gradient, in one pass
    over each parameter: the replicas' gradients are never summed into a
    tensor of their own.

    ```mlir
    // nabla-opt --nabla-autodiff --nabla-apply-gradients="optimizer=adam" model.mlir
    // nabla-opt --nabla-autodiff --nabla-apply-gradients="optimizer=adam shards=2" model.mlir
    ```
  }];
  let constructor = "nabla::createApplyGradientsPass()";
  let options = [
    Option<"functionName", "function", "std::string", /*default=*/"\"loss\"",
           "the differentiated function (its _grad must exist)">,
    Option<"optimizer", "optimizer", "std::string", /*default=*/"\"sgd\"",
           "sgd, momentum, nesterov, adagrad, rmsprop or adam">,
    Option<"shards", "shards", "int", /*default=*/"1",
           "the gradient sets it averages (1: takes the average)">,
  ];
  let dependentDialects = ["nabla::NablaDialect"];
}

def FuseConvBiasRelu : Pass<"nabla-fuse-conv-bias-relu", "mlir::FuncOp"> {
  let summary = "Fuses conv2d+bias+relu and matmul+bias(+relu) into single ops";
  let description = [{
    Rewrites `relu(conv2d(x, w, b))` into `fused_conv2d` and
    `relu?(add(matmul(x, w), b))` into `fused_matmul`, so the backends never
    write the producer's result to memory. A producer is fused only when the
    consumer is its single user and the bias is one entry per output channel
    or column; otherwise the IR is left as it is.
  }];
  let constructor = "nabla::createFuseConvBiasReluPass()";
  let dependentDialects = ["nabla::NablaDialect"];
}

def LowerConvToIm2col : Pass<"nabla-lower-conv-to-im2col", "mlir::FuncOp"> {
  let summary = "Lowers convolutions and their gradients to im2col + matmul";
  let description = [{
    conv2d and fused_conv2d become im2col, a matmul with the filter viewed
    as [O, C*KH*KW] (bias and activation fused into the matmul), and a
    reshape/transpose back to NCHW. conv2d_backward_data becomes a matmul and
    col2im; conv2d_backward_filter a matmul of the output gradient with the
    im2col matrix. Grouped convolutions are left as they are.
  }];
  let constructor = "nabla::createLowerConvToIm2colPass()";
  let dependentDialects = ["nabla::NablaDialect"];
}

def LowerPoolToIm2col : Pass<"nabla-lower-pool-to-im2col", "mlir::FuncOp"> {
  let summary = "Lowers pooling and its gradients to im2col + reductions";
  let description = [{
    Each channel becomes an image of its own ([N*C, 1, H, W]); im2col turns
    the windows into rows, which reduce_max / reduce_mean reduce. The max-pool
    gradient keeps the argmax of each row and routes the output gradient
    there (one_hot), then col2im folds it back. Pooling with padding is left
    as it is (im2col pads with 0, which is not neutral for max).
  }];
  let constructor = "nabla::createLowerPoolToIm2colPass()";
  let dependentDialects = ["nabla::NablaDialect"];
}

def PoolIndices : Pass<"nabla-pool-indices", "mlir::FuncOp"> {
  let summary = "Max-pool gradients read the forward pool's indices, not its input";
  let description = [{
    Rewrites `max_pool2d_backward(X, dy)` whose function also pools X with
    the same window before it: that `max_pool2d` becomes
    `max_pool2d_with_indices` and the gradient
    `max_pool2d_indices_backward(indices, dy)`. When the routed gradient's
    only reader masks it with relu's `step(X)`, the mask moves before the
    routing onto the pooled maximum (`dy * step(P)`): a gradient only
    reaches the pixel that is its window's maximum, where X = P. The pool
    is then X's only reader, so --nabla-fuse-conv-pool can compute the
    convolution inside it in a training step too. A `reduce_sum` of the
    routed gradient over both spatial axes (a conv's bias gradient) sums
    the gradient before routing instead: routing moves every element to one
    pixel, so the sums are equal, over a quarter of the elements for 2x2
    windows. Inputs with dynamic height or width are left as they are.

    ```mlir
    %p, %i = nabla.max_pool2d_with_indices %x {kernel_shape = [2, 2], strides = [2, 2]} : ...
    %m = nabla.step %p : tensor<?x30x12x12xf32>
    %g = nabla.mul %dy, %m : ...
    %dx = nabla.max_pool2d_indices_backward %i, %g {image_size = [24, 24], kernel_shape = [2, 2], strides = [2, 2]} : ...
    %db = nabla.reduce_sum %g {axes = [0, 2, 3]} : (tensor<?x30x12x12xf32>) -> tensor<30xf32>
    ```
  }];
  let constructor = "nabla::createPoolIndicesPass()";
  let dependentDialects = ["nabla::NablaDialect"];
}

def FuseElementwise : Pass<"nabla-fuse-elementwise", "mlir::FuncOp"> {
  let summary = "Computes single-use elementwise values inside their consumer";
  let description = [{
    Marks with `nabla.inline` every value made by an elementwise op (unary
    math, broadcasting binary math) whose single user is elementwise and has
    the same result type. The consumer reads each such element once, so the
    backend computes it inside the consumer's loop instead of storing a
    tensor; chains such as an optimizer update become one loop. Other
    pointwise values lose a stale mark. --nabla-plan-memory gives marked
    values no buffer.

    ```mlir
    %e = nabla.exp %x {nabla.inline} : tensor<?x10xf32>
    %y = nabla.mul %e, %z : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<?x10xf32>
    ```
  }];
  let constructor = "nabla::createFuseElementwisePass()";
  let dependentDialects = ["nabla::NablaDialect"];
}

def FuseLoopGroups : Pass<"nabla-fuse-loop-groups", "mlir::FuncOp"> {
  let summary = "Computes the returned elementwise values of one component in one loop";
  let description = [{
    Multi-output loop fusion, run after --nabla-fuse-elementwise. Elementwise
    ops of one static result type that read each other form a component (an
    optimizer's update of one parameter). When each of its values that is
    still stored is either returned or read only by the component's
    elementwise ops, the values read by several members are marked
    `nabla.inline` (recomputed by each reader instead of stored and read
    back) and the returned values, two or more, get one `nabla.loop_group`
    id: the backend computes them in one loop over the shape. A component
    with a value read elsewhere (a matmul, a reduction) is left as it is;
    stale group ids are removed.

    ```mlir
    %g = nabla.add %dw, %decay {nabla.inline} : ...
    %m = nabla.add %m0, %gm {nabla.loop_group = 0 : i64} : ...
    %v = nabla.add %v0, %gv {nabla.loop_group = 0 : i64} : ...
    %w = nabla.sub %w0, %step {nabla.loop_group = 0 : i64} : ...
    ```
  }];
  let constructor = "nabla::createFuseLoopGroupsPass()";
  let dependentDialects = ["nabla::NablaDialect"];
}

def FuseConvPool : Pass<"nabla-fuse-conv-pool", "mlir::FuncOp"> {
  let summary = "Computes a convolution inside the max pool that reads it";
  let description = [{
    Marks with `nabla.inline` every conv2d or fused_conv2d whose single user
    is a max_pool2d whose windows tile the image (stride = kernel, no
    padding). The pool then reads each convolution output once, so the
    backend computes the convolution tile by tile inside the pool's loops
    and the full-resolution activation is never stored: inference's
    conv -> relu -> pool is one pass. A convolution that the backward pass
    also reads (a training step) has more users and is left as it is; other
    convolutions lose a stale mark.

    ```mlir
    %y = nabla.fused_conv2d %x, %w, %b {activation = "relu", nabla.inline} : ...
    %p = nabla.max_pool2d %y {kernel_shape = [2, 2], strides = [2, 2]} : ...
    ```
  }];
  let constructor = "nabla::createFuseConvPoolPass()";
  let dependentDialects = ["nabla::NablaDialect"];
}

def SelectWinograd : Pass<"nabla-select-winograd", "mlir::FuncOp"> {
  let summary = "Marks the 3x3 convolutions that Winograd F(4x4, 3x3) speeds up";
  let description = [{
    Marks with `nabla.winograd` every conv2d, fused_conv2d and
    conv2d_backward_data that is (or, for the data gradient, amounts to) a
    3x3, stride-1, undilated, single-group convolution of at least 16 input
    and 16 output channels. Winograd F(4x4, 3x3) computes each 4x4 block
    of outputs with 36 multiplies per channel pair instead of 144; its input
    and output transforms are amortized over the channels, and with fewer
    channels they cost more than the multiplies save. The backend computes
    a marked conv by Winograd where its own constraints hold (static
    shapes; on the CPU input channels in multiples of 8, output channels in
    multiples of 16 and rows of at least 8), directly otherwise. Other
    convolutions lose a stale mark.

    ```mlir
    %y = nabla.fused_conv2d %x, %w, %b {activation = "relu", nabla.winograd, pads = [1, 1, 1, 1]}
        : (tensor<?x32x14x14xf32>, tensor<32x32x3x3xf32>, tensor<32xf32>) -> tensor<?x32x14x14xf32>
    ```
  }];
  let constructor = "nabla::createSelectWinogradPass()";
  let dependentDialects = ["nabla::NablaDialect"];
}

def PlanMemory : Pass<"nabla-plan-memory", "mlir::FuncOp"> {
  let summary = "Assigns intermediates with disjoint lifetimes to shared memory";
  let description = [{
    Plans one arena per function: a value lives from its defining op to its
    last user in op order, and values that are never live at the same time
    may share bytes (greedy by size, 64-byte aligned; runtime/MemoryPlan.h).
    Each op gets `nabla.offsets`, one arena offset per result (-1 for a
    value computed inside its consumer (`nabla.inline`) or for a
    result the function returns). The function gets `nabla.memory_plan`:
    `arena_bytes` (with planning), `unplanned_bytes` (every intermediate in a
    buffer of its own), `live_peak_bytes` (the most bytes live at one op, the
    bound no plan beats), `buffers` and `batch`. Dynamic dimensions are the
    batch dimension and are planned at `batch`.

    ```mlir
    // nabla-opt --nabla-plan-memory="batch=100" model.mlir
    func @loss(...) attributes {nabla.memory_plan = {arena_bytes = 3200 : i64, ...}}
    ```
  }];
  let constructor = "nabla::createPlanMemoryPass()";
  let options = [
    Option<"batch", "batch", "int64_t", /*default=*/"1",
           "the size of dynamic (batch) dimensions">,
  ];
  let dependentDialects = ["nabla::NablaDialect"];
}

def SplitFunction : Pass<"nabla-split-function", "mlir::ModuleOp"> {
  let summary = "Outlines a long function into parts that it calls in turn";
  let description = [{
    Halide lowers a pipeline on one thread, in time that grows faster than
    the pipeline: DeepConvNet compiles cold in ~27 s with its training step
    as one pipeline, in 8-9 s with the step in four parts. This pass cuts
    the function's ops into `parts` consecutive runs of about equal compile
    weight (a convolution, matmul or
    pool counts 10, any other op 1) and moves each run into a function of
    its own, `@<function>_part<k>`, whose arguments are the values it reads
    from before it and whose results are the values read after it; the
    function becomes a chain of calls to its parts. A backend that inlines
    calls computes the same function; nabla's runtime compiles each part as
    a pipeline of its own, in parallel (runtime/ChainedFunction.h).

    Each cut is placed within half a part of its even position, at the gap
    where the fewest values of light ops (elementwise and the like, which
    the backend would otherwise compute inside their readers) cross, within
    a tenth of a part if it can, then where the fewest values cross; never
    where a value computed inside its reader (`nabla.inline`) or a loop
    group (`nabla.loop_group`) would be split. The function's arguments and
    results keep their `nabla.name` / `nabla.role` attributes in the parts;
    a value of an earlier part comes in with `nabla.role = "intermediate"`
    and `nabla.computed_by`, the op that computed it (the backend trusts a
    max pool's taps from `max_pool2d_with_indices` as it does within one
    pipeline). Values agree with the whole function's to rounding: a
    schedule next to a cut may differ.

    ```mlir
    // nabla-opt --nabla-split-function="function=loss_train_step parts=2" step.mlir
    func @loss_train_step(%x: ..., %w: ...) -> (...) {
      %0:2 = call @loss_train_step_part0(%x, %w) : ...
      %1:3 = call @loss_train_step_part1(%0#0, %0#1, %w) : ...
      return %1#0, %1#1, %1#2 : ...
    }
    ```
  }];
  let constructor = "nabla::createSplitFunctionPass()";
  let options = [
    Option<"functionName", "function", "std::string", /*default=*/"\"loss_train_step\"",
           "the function to split">,
    Option<"parts", "parts", "int", /*default=*/"2", "how many parts (1: leave it whole)">,
  ];
  let dependentDialects = ["nabla::NablaDialect"];
}

#endif // NABLA_PASSES_TD
