// Batch normalization and dropout: ops whose behaviour differs between
// training and inference.
#ifndef NABLA_NORMALIZATION_OPS_TD
#define NABLA_NORMALIZATION_OPS_TD

include "ir/NablaBase.td"

def Nabla_BatchNormOp : Nabla_Op<"batch_norm"> {
  let summary = "batch normalization over the channel (NCHW) or feature (NC) axis";
  let description = [{
    Normalizes per channel c (dimension 1) and applies `scale * x_hat + bias`.
    With `training`, `x_hat` uses the batch mean and biased variance and the
    running statistics are updated as
    `running = momentum * running + (1 - momentum) * batch` (the textbook's and
    ONNX's convention, momentum 0.9 by default); the results are the output
    and the updated running mean and variance. Without `training` the running
    statistics normalize and are returned unchanged.

    ```mlir
    %y, %mean, %var = nabla.batch_norm %x, %gamma, %beta, %rmean, %rvar {training}
        : (tensor<?x100xf32>, tensor<100xf32>, tensor<100xf32>, tensor<100xf32>, tensor<100xf32>)
        -> (tensor<?x100xf32>, tensor<100xf32>, tensor<100xf32>)
    ```
  }];
  let arguments = (ins Nabla_FloatTensor:$input, Nabla_FloatTensor:$scale,
                       Nabla_FloatTensor:$bias, Nabla_FloatTensor:$running_mean,
                       Nabla_FloatTensor:$running_var,
                       DefaultValuedAttr<F32Attr, "1e-5">:$epsilon,
                       DefaultValuedAttr<F32Attr, "0.9">:$momentum,
                       UnitAttr:$training);
  let results = (outs Nabla_FloatTensor:$result, Nabla_FloatTensor:$new_running_mean,
                      Nabla_FloatTensor:$new_running_var);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def Nabla_DropoutOp : Nabla_Op<"dropout"> {
  let summary = "inverted dropout with a counter-based random mask";
  let description = [{
    With `training`, each element is kept with probability `1 - ratio` and
    scaled by `1 / (1 - ratio)` (ONNX's and PyTorch's convention; the
    textbook instead scales by `1 - ratio` at inference, which gives the same
    expected values). The mask is a pure function of (`seed`, the optional
    `step` operand, element index), so every backend draws the same mask and a
    training loop varies it by feeding the step counter. The second result is
    the scaled mask (0 or 1/(1-ratio)), which the gradient multiplies by.
    Without `training` the op is the identity and the mask is all ones.

    ```mlir
    %y, %mask = nabla.dropout %x, %step {ratio = 0.5 : f32, seed = 7, training}
        : (tensor<?x100xf32>, tensor<i64>) -> (tensor<?x100xf32>, tensor<?x100xf32>)
    ```
  }];
  let arguments = (ins Nabla_FloatTensor:$input, Optional<0DTensorOf<[I64]>>:$step,
                       DefaultValuedAttr<F32Attr, "0.5">:$ratio,
                       DefaultValuedAttr<I64Attr, "0">:$seed,
                       UnitAttr:$training);
  let results = (outs Nabla_FloatTensor:$result, Nabla_FloatTensor:$mask);
  let assemblyFormat = "$input (`,` $step^)? attr-dict `:` functional-type(operands, results)";
}

#endif // NABLA_NORMALIZATION_OPS_TD
