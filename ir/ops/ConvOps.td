// NCHW convolution, pooling and the im2col/col2im pair.
#ifndef NABLA_CONV_OPS_TD
#define NABLA_CONV_OPS_TD

include "ir/NablaBase.td"

def Nabla_Conv2DOp : Nabla_Op<"conv2d"> {
  let summary = "2-D convolution, NCHW input, OIHW filter, optional bias";
  let description = [{
    Cross-correlation as in the textbook and ONNX Conv: input [N, C, H, W],
    filter [O, C/groups, KH, KW], optional bias [O]. The output is
    [N, O, OH, OW] with `OH = (H + pad_top + pad_bottom - dilation*(KH-1) - 1)
    / stride + 1` (and likewise OW). `pads` are [top, left, bottom, right].

    ```mlir
    %y = nabla.conv2d %x, %w, %b {strides = [1, 1], pads = [0, 0, 0, 0]}
        : (tensor<?x1x28x28xf32>, tensor<30x1x5x5xf32>, tensor<30xf32>) -> tensor<?x30x24x24xf32>
    ```
  }];
  let arguments = (ins Nabla_FloatTensor:$input, Nabla_FloatTensor:$filter,
                       Optional<Nabla_FloatTensor>:$bias,
                       Nabla_Strides:$strides, Nabla_Pads:$pads,
                       Nabla_Dilations:$dilations,
                       DefaultValuedAttr<I64Attr, "1">:$groups);
  let results = (outs Nabla_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $filter (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
}

class Nabla_PoolOp<string mnemonic, string what> : Nabla_Op<mnemonic> {
  let summary = "2-D " # what # " pooling over NCHW windows";
  let description = [{
    Takes the }] # what # [{ of each `kernel_shape` window, moved by
    `strides`, over each channel of an [N, C, H, W] input; `pads` are [top,
    left, bottom, right]. Output size as for conv2d.

    ```mlir
    %p = nabla.}] # mnemonic # [{ %x {kernel_shape = [2, 2], strides = [2, 2]}
        : (tensor<?x30x24x24xf32>) -> tensor<?x30x12x12xf32>
    ```
  }];
  let results = (outs Nabla_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Nabla_MaxPool2DOp : Nabla_PoolOp<"max_pool2d", "maximum"> {
  let arguments = (ins Nabla_FloatTensor:$input, I64ArrayAttr:$kernel_shape,
                       Nabla_Strides:$strides, Nabla_Pads:$pads);
}

def Nabla_MaxPool2DWithIndicesOp : Nabla_Op<"max_pool2d_with_indices"> {
  let summary = "2-D max pooling that also returns where each maximum is";
  let description = [{
    max_pool2d's result, and for each window the tap of its first maximum
    in row-major order (`kh * KW + kw`, as i32), which is where
    max_pool2d_indices_backward routes the window's gradient. A training
    step reads the indices instead of the pooled input
    (--nabla-pool-indices), so the input need not be kept.

    ```mlir
    %p, %i = nabla.max_pool2d_with_indices %x {kernel_shape = [2, 2], strides = [2, 2]}
        : (tensor<?x30x24x24xf32>) -> (tensor<?x30x12x12xf32>, tensor<?x30x12x12xi32>)
    ```
  }];
  let arguments = (ins Nabla_FloatTensor:$input, I64ArrayAttr:$kernel_shape,
                       Nabla_Strides:$strides, Nabla_Pads:$pads);
  let results = (outs Nabla_FloatTensor:$result, RankedTensorOf<[I32]>:$indices);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

// count_include_pad follows ONNX AveragePool: by default padded cells are
// left out of the divisor.
def Nabla_AvgPool2DOp : Nabla_PoolOp<"avg_pool2d", "average"> {
  let arguments = (ins Nabla_FloatTensor:$input, I64ArrayAttr:$kernel_shape,
                       Nabla_Strides:$strides, Nabla_Pads:$pads,
                       DefaultValuedAttr<BoolAttr, "false">:$count_include_pad);
}

def Nabla_Im2ColOp : Nabla_Op<"im2col"> {
  let summary = "unfolds convolution windows into the rows of a matrix";
  let description = [{
    Turns an [N, C, H, W] input into a [N*OH*OW, C*KH*KW] matrix whose row
    `(n, oh, ow)` holds the window that produces output pixel (oh, ow) of
    image n, in (c, kh, kw) order; padded cells are 0. A convolution is then
    `im2col(x) x reshape(filter, [O, C*KH*KW])^T`.

    ```mlir
    %cols = nabla.im2col %x {kernel_shape = [5, 5]} : (tensor<10x3x7x7xf32>) -> tensor<90x75xf32>
    ```
  }];
  let arguments = (ins Nabla_FloatTensor:$input, I64ArrayAttr:$kernel_shape,
                       Nabla_Strides:$strides, Nabla_Pads:$pads,
                       Nabla_Dilations:$dilations);
  let results = (outs Nabla_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Nabla_Col2ImOp : Nabla_Op<"col2im"> {
  let summary = "folds an im2col matrix back into an image, summing overlaps";
  let description = [{
    The adjoint of im2col: every entry of the [N*OH*OW, C*KH*KW] matrix is
    added into the input pixel it was read from, so overlapping windows sum.
    `image_size` is the [H, W] of the image; C and N follow from the matrix.

    ```mlir
    %dx = nabla.col2im %dcols {kernel_shape = [5, 5], image_size = [7, 7]}
        : (tensor<90x75xf32>) -> tensor<10x3x7x7xf32>
    ```
  }];
  let arguments = (ins Nabla_FloatTensor:$input, I64ArrayAttr:$kernel_shape,
                       I64ArrayAttr:$image_size,
                       Nabla_Strides:$strides, Nabla_Pads:$pads,
                       Nabla_Dilations:$dilations);
  let results = (outs Nabla_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

#endif // NABLA_CONV_OPS_TD
