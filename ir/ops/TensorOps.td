// Ops that move data: matmul, transpose, reshape, flatten, broadcasting.
#ifndef NABLA_TENSOR_OPS_TD
#define NABLA_TENSOR_OPS_TD

include "ir/NablaBase.td"

def Nabla_MatmulOp : Nabla_Op<"matmul"> {
  let summary = "2-D matrix product with optional transposed operands";
  let description = [{
    `op(lhs) x op(rhs)` where `op` transposes its operand when the matching
    flag is set. The contracted dimensions must agree.

    ```mlir
    %y = nabla.matmul %x, %w : (tensor<?x784xf32>, tensor<784x50xf32>) -> tensor<?x50xf32>
    %dw = nabla.matmul %x, %g {transpose_lhs = true} : (tensor<?x784xf32>, tensor<?x50xf32>) -> tensor<784x50xf32>
    ```
  }];
  let arguments = (ins Nabla_FloatTensor:$lhs, Nabla_FloatTensor:$rhs,
                       DefaultValuedAttr<BoolAttr, "false">:$transpose_lhs,
                       DefaultValuedAttr<BoolAttr, "false">:$transpose_rhs);
  let results = (outs Nabla_FloatTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

def Nabla_TransposeOp : Nabla_Op<"transpose"> {
  let summary = "permutes dimensions";
  let description = [{
    Result dimension i is input dimension `perm[i]`; `perm` is a permutation
    of 0..rank-1.

    ```mlir
    %t = nabla.transpose %x {perm = [1, 0]} : (tensor<?x10xf32>) -> tensor<10x?xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, I64ArrayAttr:$perm);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Nabla_ReshapeOp : Nabla_Op<"reshape"> {
  let summary = "reinterprets the elements with a new shape";
  let description = [{
    `shape` lists the new dimensions; at most one entry may be -1 and is then
    inferred from the element count (this is how a dynamic batch survives a
    reshape). The element count must not change.

    ```mlir
    %f = nabla.reshape %x {shape = [-1, 4320]} : (tensor<?x30x12x12xf32>) -> tensor<?x4320xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, I64ArrayAttr:$shape);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Nabla_FlattenOp : Nabla_Op<"flatten"> {
  let summary = "collapses to 2-D around an axis";
  let description = [{
    The result is `[prod(dims before axis), prod(dims from axis)]`, as in
    ONNX Flatten. The default axis 1 keeps the batch dimension.

    ```mlir
    %f = nabla.flatten %x : (tensor<?x30x12x12xf32>) -> tensor<?x4320xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input,
                       DefaultValuedAttr<I64Attr, "1">:$axis);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Nabla_BroadcastLikeOp : Nabla_Op<"broadcast_like"> {
  let summary = "broadcasts a tensor to the shape of another";
  let description = [{
    Stretches `input` to the shape of `like` by numpy broadcasting; only the
    shape of `like` is used. Autodiff emits it for the gradients of
    reductions, where the shape to restore may have a dynamic batch.

    ```mlir
    %b = nabla.broadcast_like %g, %x : (tensor<?x1xf32>, tensor<?x10xf32>) -> tensor<?x10xf32>
    ```
  }];
  let arguments = (ins Nabla_FloatTensor:$input, AnyRankedTensor:$like);
  let results = (outs Nabla_FloatTensor:$result);
  let assemblyFormat = "$input `,` $like attr-dict `:` functional-type(operands, results)";
}

def Nabla_SumToLikeOp : Nabla_Op<"sum_to_like"> {
  let summary = "sums a broadcast result back to an operand's shape";
  let description = [{
    The adjoint of broadcasting: sums `input` over the leading dimensions that
    `like` lacks and over the dimensions where `like` has size 1, giving
    `like`'s shape. Autodiff emits it for the gradients of broadcasting ops.

    ```mlir
    %db = nabla.sum_to_like %g, %b : (tensor<?x10xf32>, tensor<10xf32>) -> tensor<10xf32>
    ```
  }];
  let arguments = (ins Nabla_FloatTensor:$input, AnyRankedTensor:$like);
  let results = (outs Nabla_FloatTensor:$result);
  let assemblyFormat = "$input `,` $like attr-dict `:` functional-type(operands, results)";
}

def Nabla_NumElementsOp : Nabla_Op<"num_elements"> {
  let summary = "the number of elements along some axes, as an f32 scalar";
  let description = [{
    The product of the sizes of `axes` (all dimensions when empty), as a 0-d
    f32 tensor. With a dynamic batch this is only known at run time, which is
    why mean-like gradients divide by it instead of by a constant.

    ```mlir
    %n = nabla.num_elements %x {axes = [0]} : (tensor<?x10xf32>) -> tensor<f32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input,
                       DefaultValuedAttr<I64ArrayAttr, "{}">:$axes);
  let results = (outs Nabla_Scalar:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Nabla_OneHotOp : Nabla_Op<"one_hot"> {
  let summary = "integer indices to one-hot f32 rows";
  let description = [{
    Appends a dimension of size `depth`: the result is 1 at the position each
    index names and 0 elsewhere. Indices outside 0..depth-1 are a run-time
    error. The pooling lowering uses it to route gradients to the argmax.

    ```mlir
    %h = nabla.one_hot %idx {depth = 4} : (tensor<?xi64>) -> tensor<?x4xf32>
    ```
  }];
  let arguments = (ins Nabla_IndexTensor:$indices, I64Attr:$depth);
  let results = (outs Nabla_FloatTensor:$result);
  let assemblyFormat = "$indices attr-dict `:` functional-type(operands, results)";
}

#endif // NABLA_TENSOR_OPS_TD
