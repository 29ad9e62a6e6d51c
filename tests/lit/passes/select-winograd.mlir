// RUN: nabla-opt --split-input-file --nabla-select-winograd %s | FileCheck %s

// DeepConvNet's 32 -> 32 conv (fused with its bias and relu): 3x3, stride 1,
// at least 16 channels on both sides.
// CHECK-LABEL: func @deep_convnet_conv
// CHECK-NEXT: nabla.fused_conv2d %arg0, %arg1, %arg2 {activation = "relu", nabla.winograd, pads = [1, 1, 1, 1]}
func @deep_convnet_conv(%x: tensor<?x32x14x14xf32>, %w: tensor<32x32x3x3xf32>, %b: tensor<32xf32>) -> tensor<?x32x14x14xf32> {
  %y = nabla.fused_conv2d %x, %w, %b {activation = "relu", pads = [1, 1, 1, 1]} : (tensor<?x32x14x14xf32>, tensor<32x32x3x3xf32>, tensor<32xf32>) -> tensor<?x32x14x14xf32>
  return %y : tensor<?x32x14x14xf32>
}

// -----

// Fewer than 16 input (8 -> 16) or output (16 -> 8) channels: the
// transforms would cost more than the multiplies save.
// CHECK-LABEL: func @channels
// CHECK-NEXT: nabla.conv2d %arg0, %arg1 {pads = [1, 1, 1, 1]} :
// CHECK-NEXT: nabla.conv2d %{{.*}}, %arg2 {nabla.winograd, pads = [1, 1, 1, 1]} :
// CHECK-NEXT: nabla.conv2d %{{.*}}, %arg3 {pads = [1, 1, 1, 1]} :
func @channels(%x: tensor<?x8x14x14xf32>, %w1: tensor<16x8x3x3xf32>, %w2: tensor<16x16x3x3xf32>, %w3: tensor<8x16x3x3xf32>) -> tensor<?x8x14x14xf32> {
  %h = nabla.conv2d %x, %w1 {pads = [1, 1, 1, 1]} : (tensor<?x8x14x14xf32>, tensor<16x8x3x3xf32>) -> tensor<?x16x14x14xf32>
  %h2 = nabla.conv2d %h, %w2 {pads = [1, 1, 1, 1]} : (tensor<?x16x14x14xf32>, tensor<16x16x3x3xf32>) -> tensor<?x16x14x14xf32>
  %y = nabla.conv2d %h2, %w3 {pads = [1, 1, 1, 1]} : (tensor<?x16x14x14xf32>, tensor<8x16x3x3xf32>) -> tensor<?x8x14x14xf32>
  return %y : tensor<?x8x14x14xf32>
}

// -----

// Strides, dilations, groups and other kernels stay direct, and lose a
// stale mark.
// CHECK-LABEL: func @not_winograd
// CHECK-NOT: nabla.winograd
// CHECK: return
func @not_winograd(%x: tensor<2x32x12x12xf32>, %w: tensor<32x32x3x3xf32>, %g: tensor<32x16x3x3xf32>, %k: tensor<32x32x5x5xf32>)
    -> (tensor<2x32x5x5xf32>, tensor<2x32x8x8xf32>, tensor<2x32x10x10xf32>, tensor<2x32x8x8xf32>) {
  %s = nabla.conv2d %x, %w {nabla.winograd, strides = [2, 2]} : (tensor<2x32x12x12xf32>, tensor<32x32x3x3xf32>) -> tensor<2x32x5x5xf32>
  %d = nabla.conv2d %x, %w {dilations = [2, 2]} : (tensor<2x32x12x12xf32>, tensor<32x32x3x3xf32>) -> tensor<2x32x8x8xf32>
  %gr = nabla.conv2d %x, %g {groups = 2} : (tensor<2x32x12x12xf32>, tensor<32x16x3x3xf32>) -> tensor<2x32x10x10xf32>
  %k5 = nabla.conv2d %x, %k : (tensor<2x32x12x12xf32>, tensor<32x32x5x5xf32>) -> tensor<2x32x8x8xf32>
  return %s, %d, %gr, %k5 : tensor<2x32x5x5xf32>, tensor<2x32x8x8xf32>, tensor<2x32x10x10xf32>, tensor<2x32x8x8xf32>
}

// -----

// A data gradient is the conv of the output gradient with the flipped
// filter: marked while its pads are smaller than the kernel. Filter
// gradients stay direct.
// CHECK-LABEL: func @gradients
// CHECK-NEXT: nabla.conv2d_backward_data %arg0, %arg1 {image_size = [14, 14], nabla.winograd, pads = [1, 1, 1, 1]}
// CHECK-NEXT: nabla.conv2d_backward_data %arg2, %arg1 {image_size = [10, 10], pads = [3, 3, 3, 3]}
// CHECK-NEXT: nabla.conv2d_backward_filter
// CHECK-NOT: nabla.winograd
func @gradients(%dy: tensor<?x32x14x14xf32>, %w: tensor<32x32x3x3xf32>, %dy2: tensor<?x32x14x14xf32>, %x: tensor<?x32x14x14xf32>)
    -> (tensor<?x32x14x14xf32>, tensor<?x32x10x10xf32>, tensor<32x32x3x3xf32>) {
  %dx = nabla.conv2d_backward_data %dy, %w {image_size = [14, 14], pads = [1, 1, 1, 1]} : (tensor<?x32x14x14xf32>, tensor<32x32x3x3xf32>) -> tensor<?x32x14x14xf32>
  %dx2 = nabla.conv2d_backward_data %dy2, %w {image_size = [10, 10], pads = [3, 3, 3, 3]} : (tensor<?x32x14x14xf32>, tensor<32x32x3x3xf32>) -> tensor<?x32x10x10xf32>
  %dw = nabla.conv2d_backward_filter %x, %dy {kernel_shape = [3, 3], pads = [1, 1, 1, 1]} : (tensor<?x32x14x14xf32>, tensor<?x32x14x14xf32>) -> tensor<32x32x3x3xf32>
  return %dx, %dx2, %dw : tensor<?x32x14x14xf32>, tensor<?x32x10x10xf32>, tensor<32x32x3x3xf32>
}
