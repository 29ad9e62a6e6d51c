// Reductions, argmax and softmax.
#ifndef NABLA_REDUCTION_OPS_TD
#define NABLA_REDUCTION_OPS_TD

include "ir/NablaBase.td"

class Nabla_ReduceOp<string mnemonic, string what> : Nabla_Op<mnemonic> {
  let summary = what # " over axes";
  let description = [{
    Reduces `input` with the }] # what # [{ over `axes` (all axes when
    empty; negative axes count from the end). With `keepdims` the reduced
    dimensions stay as size 1.

    ```mlir
    %s = nabla.}] # mnemonic # [{ %x {axes = [1], keepdims = true} : (tensor<?x10xf32>) -> tensor<?x1xf32>
    ```
  }];
  let arguments = (ins Nabla_FloatTensor:$input,
                       DefaultValuedAttr<I64ArrayAttr, "{}">:$axes,
                       DefaultValuedAttr<BoolAttr, "false">:$keepdims);
  let results = (outs Nabla_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Nabla_ReduceSumOp : Nabla_ReduceOp<"reduce_sum", "sum">;
def Nabla_ReduceMeanOp : Nabla_ReduceOp<"reduce_mean", "mean">;
def Nabla_ReduceMaxOp : Nabla_ReduceOp<"reduce_max", "maximum">;

def Nabla_ArgmaxOp : Nabla_Op<"argmax"> {
  let summary = "index of the largest element along an axis";
  let description = [{
    i64 indices of the first maximum along `axis`; with `keepdims` the axis
    stays as size 1.

    ```mlir
    %p = nabla.argmax %logits {axis = 1} : (tensor<?x10xf32>) -> tensor<?xi64>
    ```
  }];
  let arguments = (ins Nabla_FloatTensor:$input,
                       DefaultValuedAttr<I64Attr, "-1">:$axis,
                       DefaultValuedAttr<BoolAttr, "false">:$keepdims);
  let results = (outs RankedTensorOf<[I64]>:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

class Nabla_SoftmaxLikeOp<string mnemonic, string formula>
    : Nabla_Op<mnemonic, [SameOperandsAndResultType]> {
  let summary = formula # " along an axis";
  let description = [{
    Computes `}] # formula # [{` along `axis` (default: the last). It is
    evaluated after subtracting the maximum along the axis, so large inputs
    do not overflow.

    ```mlir
    %y = nabla.}] # mnemonic # [{ %x {axis = 1} : tensor<?x10xf32>
    ```
  }];
  let arguments = (ins Nabla_FloatTensor:$input,
                       DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs Nabla_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Nabla_SoftmaxOp : Nabla_SoftmaxLikeOp<"softmax", "exp(x) / sum(exp(x))">;
def Nabla_LogSoftmaxOp : Nabla_SoftmaxLikeOp<"log_softmax", "x - log(sum(exp(x)))">;

#endif // NABLA_REDUCTION_OPS_TD
