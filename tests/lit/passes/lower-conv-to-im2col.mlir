// RUN: nabla-opt --split-input-file --nabla-lower-conv-to-im2col %s | FileCheck %s

// The forward convolution: im2col, a GEMM with the [O, C*KH*KW] filter that
// takes the bias and ReLU, then NHWC -> NCHW.
// CHECK-LABEL: func @fused_conv
// CHECK: %[[COLS:.*]] = nabla.im2col %arg0 {dilations = [1, 1], kernel_shape = [3, 3], pads = [1, 1, 1, 1], strides = [2, 2]} : (tensor<?x3x8x8xf32>) -> tensor<?x27xf32>
// CHECK: %[[WM:.*]] = nabla.reshape %arg1 {shape = [4, 27]} : (tensor<4x3x3x3xf32>) -> tensor<4x27xf32>
// CHECK: %[[Y:.*]] = nabla.fused_matmul %[[COLS]], %[[WM]], %arg2 {activation = "relu", transpose_rhs = true} : (tensor<?x27xf32>, tensor<4x27xf32>, tensor<4xf32>) -> tensor<?x4xf32>
// CHECK: %[[NHWC:.*]] = nabla.reshape %[[Y]] {shape = [-1, 4, 4, 4]}
// CHECK: nabla.transpose %[[NHWC]] {perm = [0, 3, 1, 2]} : (tensor<?x4x4x4xf32>) -> tensor<?x4x4x4xf32>
func @fused_conv(%x: tensor<?x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<?x4x4x4xf32> {
  %y = nabla.fused_conv2d %x, %w, %b {strides = [2, 2], pads = [1, 1, 1, 1]} : (tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<?x4x4x4xf32>
  return %y : tensor<?x4x4x4xf32>
}

// -----

// Gradients: col2im of (g as [N*OH*OW, O]) x W for the data, and
// g^T x im2col(x) for the filter.
// CHECK-LABEL: func @conv_grads
// CHECK: %[[GT:.*]] = nabla.transpose %arg0 {perm = [0, 2, 3, 1]}
// CHECK: %[[G:.*]] = nabla.reshape %[[GT]] {shape = [-1, 2]} : (tensor<?x4x4x2xf32>) -> tensor<?x2xf32>
// CHECK: %[[DCOLS:.*]] = nabla.matmul %[[G]], %{{.*}} : (tensor<?x2xf32>, tensor<2x9xf32>) -> tensor<?x9xf32>
// CHECK: nabla.col2im %[[DCOLS]] {dilations = [1, 1], image_size = [6, 6], kernel_shape = [3, 3], pads = [0, 0, 0, 0], strides = [1, 1]} : (tensor<?x9xf32>) -> tensor<?x1x6x6xf32>
// CHECK: %[[COLS:.*]] = nabla.im2col %arg2
// CHECK: %[[DW:.*]] = nabla.matmul %{{.*}}, %[[COLS]] {transpose_lhs = true} : (tensor<?x2xf32>, tensor<?x9xf32>) -> tensor<2x9xf32>
// CHECK: nabla.reshape %[[DW]] {shape = [2, 1, 3, 3]}
func @conv_grads(%g: tensor<?x2x4x4xf32>, %w: tensor<2x1x3x3xf32>, %x: tensor<?x1x6x6xf32>) -> (tensor<?x1x6x6xf32>, tensor<2x1x3x3xf32>) {
  %dx = nabla.conv2d_backward_data %g, %w {image_size = [6, 6]} : (tensor<?x2x4x4xf32>, tensor<2x1x3x3xf32>) -> tensor<?x1x6x6xf32>
  %dw = nabla.conv2d_backward_filter %x, %g {kernel_shape = [3, 3]} : (tensor<?x1x6x6xf32>, tensor<?x2x4x4xf32>) -> tensor<2x1x3x3xf32>
  return %dx, %dw : tensor<?x1x6x6xf32>, tensor<2x1x3x3xf32>
}

// -----

// Grouped convolutions stay as they are.
// CHECK-LABEL: func @grouped
// CHECK: nabla.conv2d
// CHECK-NOT: im2col
func @grouped(%x: tensor<1x4x5x5xf32>, %w: tensor<4x2x3x3xf32>) -> tensor<1x4x3x3xf32> {
  %y = nabla.conv2d %x, %w {groups = 2} : (tensor<1x4x5x5xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x3x3xf32>
  return %y : tensor<1x4x3x3xf32>
}
