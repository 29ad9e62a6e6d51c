// Backward ops emitted by the autodiff pass where the gradient is not a
// short composition of forward ops (ReLU, sigmoid, tanh, softmax and the
// broadcasting ops are differentiated with forward ops; see passes/Autodiff).
#ifndef NABLA_GRADIENT_OPS_TD
#define NABLA_GRADIENT_OPS_TD

include "ir/NablaBase.td"

def Nabla_Conv2DBackwardDataOp : Nabla_Op<"conv2d_backward_data"> {
  let summary = "gradient of conv2d with respect to its input";
  let description = [{
    Given the output gradient [N, O, OH, OW] and the filter [O, C/g, KH, KW],
    computes the input gradient [N, C, H, W] (a transposed convolution).
    `image_size` gives [H, W], which strides > 1 leave ambiguous.

    ```mlir
    %dx = nabla.conv2d_backward_data %dy, %w {image_size = [28, 28]}
        : (tensor<?x30x24x24xf32>, tensor<30x1x5x5xf32>) -> tensor<?x1x28x28xf32>
    ```
  }];
  let arguments = (ins Nabla_FloatTensor:$grad_output, Nabla_FloatTensor:$filter,
                       I64ArrayAttr:$image_size,
                       Nabla_Strides:$strides, Nabla_Pads:$pads,
                       Nabla_Dilations:$dilations,
                       DefaultValuedAttr<I64Attr, "1">:$groups);
  let results = (outs Nabla_FloatTensor:$result);
  let assemblyFormat = "$grad_output `,` $filter attr-dict `:` functional-type(operands, results)";
}

def Nabla_Conv2DBackwardFilterOp : Nabla_Op<"conv2d_backward_filter"> {
  let summary = "gradient of conv2d with respect to its filter";
  let description = [{
    Given the input [N, C, H, W] and the output gradient [N, O, OH, OW],
    computes the filter gradient [O, C/g, KH, KW], summed over the batch.

    ```mlir
    %dw = nabla.conv2d_backward_filter %x, %dy {kernel_shape = [5, 5]}
        : (tensor<?x1x28x28xf32>, tensor<?x30x24x24xf32>) -> tensor<30x1x5x5xf32>
    ```
  }];
  let arguments = (ins Nabla_FloatTensor:$input, Nabla_FloatTensor:$grad_output,
                       I64ArrayAttr:$kernel_shape,
                       Nabla_Strides:$strides, Nabla_Pads:$pads,
                       Nabla_Dilations:$dilations,
                       DefaultValuedAttr<I64Attr, "1">:$groups);
  let results = (outs Nabla_FloatTensor:$result);
  let assemblyFormat = "$input `,` $grad_output attr-dict `:` functional-type(operands, results)";
}

def Nabla_MaxPool2DBackwardOp : Nabla_Op<"max_pool2d_backward"> {
  let summary = "gradient of max_pool2d";
  let description = [{
    Routes each output gradient to the first maximum of its window in the
    input (row-major order), summing where windows overlap.

    ```mlir
    %dx = nabla.max_pool2d_backward %x, %dy {kernel_shape = [2, 2], strides = [2, 2]}
        : (tensor<?x30x24x24xf32>, tensor<?x30x12x12xf32>) -> tensor<?x30x24x24xf32>
    ```
  }];
  let arguments = (ins Nabla_FloatTensor:$input, Nabla_FloatTensor:$grad_output,
                       I64ArrayAttr:$kernel_shape,
                       Nabla_Strides:$strides, Nabla_Pads:$pads);
  let results = (outs Nabla_FloatTensor:$result);
  let assemblyFormat = "$input `,` $grad_output attr-dict `:` functional-type(operands, results)";
}

def Nabla_MaxPool2DIndicesBackwardOp : Nabla_Op<"max_pool2d_indices_backward"> {
  let summary = "gradient of max_pool2d from the indices of its maxima";
  let description = [{
    max_pool2d_backward without the input: each output gradient goes to the
    tap of its window that `indices` (from max_pool2d_with_indices) names,
    summing where windows overlap. `image_size` is the input's [H, W].

    ```mlir
    %dx = nabla.max_pool2d_indices_backward %i, %dy {kernel_shape = [2, 2], strides = [2, 2], image_size = [24, 24]}
        : (tensor<?x30x12x12xi32>, tensor<?x30x12x12xf32>) -> tensor<?x30x24x24xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[I32]>:$indices, Nabla_FloatTensor:$grad_output,
                       I64ArrayAttr:$kernel_shape, I64ArrayAttr:$image_size,
                       Nabla_Strides:$strides, Nabla_Pads:$pads);
  let results = (outs Nabla_FloatTensor:$result);
  let assemblyFormat = "$indices `,` $grad_output attr-dict `:` functional-type(operands, results)";
}

def Nabla_AvgPool2DBackwardOp : Nabla_Op<"avg_pool2d_backward"> {
  let summary = "gradient of avg_pool2d";
  let description = [{
    Spreads each output gradient evenly over its window (with the same
    divisor as the forward op), summing where windows overlap. `image_size`
    is the input's [H, W].

    ```mlir
    %dx = nabla.avg_pool2d_backward %dy {kernel_shape = [2, 2], strides = [2, 2], image_size = [24, 24]}
        : (tensor<?x30x12x12xf32>) -> tensor<?x30x24x24xf32>
    ```
  }];
  let arguments = (ins Nabla_FloatTensor:$grad_output, I64ArrayAttr:$kernel_shape,
                       I64ArrayAttr:$image_size,
                       Nabla_Strides:$strides, Nabla_Pads:$pads,
                       DefaultValuedAttr<BoolAttr, "false">:$count_include_pad);
  let results = (outs Nabla_FloatTensor:$result);
  let assemblyFormat = "$grad_output attr-dict `:` functional-type(operands, results)";
}

def Nabla_BatchNormBackwardOp : Nabla_Op<"batch_norm_backward"> {
  let summary = "gradient of training-mode batch_norm";
  let description = [{
    Given the input, the scale and the output gradient, recomputes the batch
    statistics and returns the gradients of the input, the scale and the bias.

    ```mlir
    %dx, %dgamma, %dbeta = nabla.batch_norm_backward %x, %gamma, %dy
        : (tensor<?x100xf32>, tensor<100xf32>, tensor<?x100xf32>)
        -> (tensor<?x100xf32>, tensor<100xf32>, tensor<100xf32>)
    ```
  }];
  let arguments = (ins Nabla_FloatTensor:$input, Nabla_FloatTensor:$scale,
                       Nabla_FloatTensor:$grad_output,
                       DefaultValuedAttr<F32Attr, "1e-5">:$epsilon);
  let results = (outs Nabla_FloatTensor:$grad_input, Nabla_FloatTensor:$grad_scale,
                      Nabla_FloatTensor:$grad_bias);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def Nabla_SoftmaxCrossEntropyBackwardOp : Nabla_Op<"softmax_cross_entropy_backward"> {
  let summary = "gradient of softmax_cross_entropy with respect to the logits";
  let description = [{
    `grad_loss * (softmax(logits) - t) / N`, with t the one-hot form of the
    labels (or the labels themselves when they are f32 rows).

    ```mlir
    %dl = nabla.softmax_cross_entropy_backward %logits, %t, %g
        : (tensor<?x10xf32>, tensor<?xi64>, tensor<f32>) -> tensor<?x10xf32>
    ```
  }];
  let arguments = (ins Nabla_FloatTensor:$logits, Nabla_LabelTensor:$labels,
                       Nabla_Scalar:$grad_loss);
  let results = (outs Nabla_FloatTensor:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

#endif // NABLA_GRADIENT_OPS_TD
