// Ops that the fusion passes create: a producer and its activation computed
// together, so the intermediate tensor is never written to memory.
#ifndef NABLA_FUSED_OPS_TD
#define NABLA_FUSED_OPS_TD

include "ir/NablaBase.td"

// "none" or "relu".
defvar Nabla_Activation = DefaultValuedAttr<StrAttr, "\"relu\"">;

def Nabla_FusedConv2DOp : Nabla_Op<"fused_conv2d"> {
  let summary = "conv2d, bias and activation in one op";
  let description = [{
    `activation(conv2d(input, filter) + bias)` with conv2d's operands and
    attributes; `activation` is "relu" (default) or "none". Made by
    --nabla-fuse-conv-bias-relu; the backends compute it without
    materializing the convolution's output.

    ```mlir
    %y = nabla.fused_conv2d %x, %w, %b {activation = "relu", strides = [1, 1], pads = [0, 0, 0, 0]}
        : (tensor<?x1x28x28xf32>, tensor<30x1x5x5xf32>, tensor<30xf32>) -> tensor<?x30x24x24xf32>
    ```
  }];
  let arguments = (ins Nabla_FloatTensor:$input, Nabla_FloatTensor:$filter,
                       Optional<Nabla_FloatTensor>:$bias,
                       Nabla_Strides:$strides, Nabla_Pads:$pads,
                       Nabla_Dilations:$dilations,
                       DefaultValuedAttr<I64Attr, "1">:$groups,
                       Nabla_Activation:$activation);
  let results = (outs Nabla_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $filter (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
}

def Nabla_FusedMatmulOp : Nabla_Op<"fused_matmul"> {
  let summary = "matmul, bias and activation in one op";
  let description = [{
    `activation(op(lhs) x op(rhs) + bias)` with matmul's transpose flags, a
    bias of one entry per column, and `activation` "relu" (default) or
    "none". Made by --nabla-fuse-conv-bias-relu from affine layers.

    ```mlir
    %h = nabla.fused_matmul %x, %w, %b : (tensor<?x4320xf32>, tensor<4320x100xf32>, tensor<100xf32>) -> tensor<?x100xf32>
    ```
  }];
  let arguments = (ins Nabla_FloatTensor:$lhs, Nabla_FloatTensor:$rhs,
                       Optional<Nabla_FloatTensor>:$bias,
                       DefaultValuedAttr<BoolAttr, "false">:$transpose_lhs,
                       DefaultValuedAttr<BoolAttr, "false">:$transpose_rhs,
                       Nabla_Activation:$activation);
  let results = (outs Nabla_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
}

#endif // NABLA_FUSED_OPS_TD
