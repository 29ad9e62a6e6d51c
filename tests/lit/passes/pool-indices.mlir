// RUN: nabla-opt --split-input-file --nabla-pool-indices %s | FileCheck %s

// SimpleConvNet's training step: the forward pool returns its indices, the
// gradient routes by them, and relu's mask moves onto the pooled maximum.
// The activation %y is then read by the pool alone. The bias gradient sums
// the masked gradient before routing (a quarter of the elements).
// CHECK-LABEL: func @conv_relu_pool_step
// CHECK:      %[[Y:.*]] = nabla.fused_conv2d
// CHECK-NEXT: %[[P:.*]], %[[I:.*]] = nabla.max_pool2d_with_indices %[[Y]] {kernel_shape = [2, 2], pads = [0, 0, 0, 0], strides = [2, 2]}
// CHECK-NEXT: %[[M:.*]] = nabla.step %[[P]] : tensor<?x30x12x12xf32>
// CHECK-NEXT: %[[G:.*]] = nabla.mul %arg3, %[[M]]
// CHECK-NEXT: %[[DX:.*]] = nabla.max_pool2d_indices_backward %[[I]], %[[G]] {image_size = [24, 24], kernel_shape = [2, 2], pads = [0, 0, 0, 0], strides = [2, 2]}
// CHECK-NEXT: %[[DB:.*]] = nabla.reduce_sum %[[G]] {axes = [0, 2, 3], keepdims = false} : (tensor<?x30x12x12xf32>) -> tensor<30xf32>
// CHECK-NEXT: return %[[P]], %[[DB]]
func @conv_relu_pool_step(%x: tensor<?x1x28x28xf32>, %w: tensor<30x1x5x5xf32>, %b: tensor<30xf32>,
                          %dp: tensor<?x30x12x12xf32>) -> (tensor<?x30x12x12xf32>, tensor<30xf32>) {
  %y = nabla.fused_conv2d %x, %w, %b {activation = "relu"} : (tensor<?x1x28x28xf32>, tensor<30x1x5x5xf32>, tensor<30xf32>) -> tensor<?x30x24x24xf32>
  %p = nabla.max_pool2d %y {kernel_shape = [2, 2], pads = [0, 0, 0, 0], strides = [2, 2]} : (tensor<?x30x24x24xf32>) -> tensor<?x30x12x12xf32>
  %g = nabla.max_pool2d_backward %y, %dp {kernel_shape = [2, 2], pads = [0, 0, 0, 0], strides = [2, 2]} : (tensor<?x30x24x24xf32>, tensor<?x30x12x12xf32>) -> tensor<?x30x24x24xf32>
  %s = nabla.step %y : tensor<?x30x24x24xf32>
  %m = nabla.mul %g, %s : (tensor<?x30x24x24xf32>, tensor<?x30x24x24xf32>) -> tensor<?x30x24x24xf32>
  %db = nabla.reduce_sum %m {axes = [0, 2, 3], keepdims = false} : (tensor<?x30x24x24xf32>) -> tensor<30xf32>
  return %p, %db : tensor<?x30x12x12xf32>, tensor<30xf32>
}

// -----

// Overlapping windows route by indices too; the mask is matched on either
// side of the product. A second gradient of the same pool reuses its
// indices; its routed gradient has two readers, so its mask stays where it is.
// CHECK-LABEL: func @overlapping
// CHECK-NEXT: %[[P:.*]], %[[I:.*]] = nabla.max_pool2d_with_indices %arg0 {kernel_shape = [3, 3], pads = [1, 1, 1, 1], strides = [2, 2]}
// CHECK-NEXT: nabla.step %[[P]]
// CHECK-NEXT: nabla.mul %arg1,
// CHECK-NEXT: %[[DX:.*]] = nabla.max_pool2d_indices_backward %[[I]], %{{.*}} {image_size = [5, 5], kernel_shape = [3, 3], pads = [1, 1, 1, 1], strides = [2, 2]}
// CHECK-NEXT: %[[DX2:.*]] = nabla.max_pool2d_indices_backward %[[I]], %arg2 {image_size = [5, 5]
// CHECK-NEXT: %[[S:.*]] = nabla.step %arg0
// CHECK-NEXT: nabla.mul %[[DX2]], %[[S]]
// CHECK-NEXT: nabla.add
func @overlapping(%x: tensor<1x2x5x5xf32>, %dp: tensor<1x2x3x3xf32>, %dq: tensor<1x2x3x3xf32>)
    -> (tensor<1x2x3x3xf32>, tensor<1x2x5x5xf32>, tensor<1x2x5x5xf32>, tensor<1x2x5x5xf32>) {
  %p = nabla.max_pool2d %x {kernel_shape = [3, 3], strides = [2, 2], pads = [1, 1, 1, 1]} : (tensor<1x2x5x5xf32>) -> tensor<1x2x3x3xf32>
  %g = nabla.max_pool2d_backward %x, %dp {kernel_shape = [3, 3], strides = [2, 2], pads = [1, 1, 1, 1]} : (tensor<1x2x5x5xf32>, tensor<1x2x3x3xf32>) -> tensor<1x2x5x5xf32>
  %g2 = nabla.max_pool2d_backward %x, %dq {kernel_shape = [3, 3], strides = [2, 2], pads = [1, 1, 1, 1]} : (tensor<1x2x5x5xf32>, tensor<1x2x3x3xf32>) -> tensor<1x2x5x5xf32>
  %s = nabla.step %x : tensor<1x2x5x5xf32>
  %m = nabla.mul %s, %g : (tensor<1x2x5x5xf32>, tensor<1x2x5x5xf32>) -> tensor<1x2x5x5xf32>
  %m2 = nabla.mul %g2, %s : (tensor<1x2x5x5xf32>, tensor<1x2x5x5xf32>) -> tensor<1x2x5x5xf32>
  %a = nabla.add %g2, %m2 : (tensor<1x2x5x5xf32>, tensor<1x2x5x5xf32>) -> tensor<1x2x5x5xf32>
  return %p, %m, %m2, %a : tensor<1x2x3x3xf32>, tensor<1x2x5x5xf32>, tensor<1x2x5x5xf32>, tensor<1x2x5x5xf32>
}

// -----

// Sums over both spatial axes (negative axes, keepdims, or all axes) read
// the gradient before routing; a sum that keeps a spatial axis reads the
// routed gradient.
// CHECK-LABEL: func @sums
// CHECK:      %[[DX:.*]] = nabla.max_pool2d_indices_backward %{{.*}}, %arg1
// CHECK-NEXT: nabla.reduce_sum %arg1 {axes = [-1, -2], keepdims = true} : (tensor<2x3x2x2xf32>) -> tensor<2x3x1x1xf32>
// CHECK-NEXT: nabla.reduce_sum %arg1 : (tensor<2x3x2x2xf32>) -> tensor<f32>
// CHECK-NEXT: nabla.reduce_sum %[[DX]] {axes = [0, 3]
func @sums(%x: tensor<2x3x4x4xf32>, %dp: tensor<2x3x2x2xf32>)
    -> (tensor<2x3x2x2xf32>, tensor<2x3x1x1xf32>, tensor<f32>, tensor<3x4xf32>) {
  %p = nabla.max_pool2d %x {kernel_shape = [2, 2], strides = [2, 2]} : (tensor<2x3x4x4xf32>) -> tensor<2x3x2x2xf32>
  %g = nabla.max_pool2d_backward %x, %dp {kernel_shape = [2, 2], strides = [2, 2]} : (tensor<2x3x4x4xf32>, tensor<2x3x2x2xf32>) -> tensor<2x3x4x4xf32>
  %s1 = nabla.reduce_sum %g {axes = [-1, -2], keepdims = true} : (tensor<2x3x4x4xf32>) -> tensor<2x3x1x1xf32>
  %s2 = nabla.reduce_sum %g : (tensor<2x3x4x4xf32>) -> tensor<f32>
  %s3 = nabla.reduce_sum %g {axes = [0, 3]} : (tensor<2x3x4x4xf32>) -> tensor<3x4xf32>
  return %p, %s1, %s2, %s3 : tensor<2x3x2x2xf32>, tensor<2x3x1x1xf32>, tensor<f32>, tensor<3x4xf32>
}

// -----

// No forward pool with the same window before the gradient, or a dynamic
// image: the gradient keeps reading the input.
// CHECK-LABEL: func @left_alone
// CHECK-NEXT: nabla.max_pool2d %arg0 {kernel_shape = [3, 3], strides = [3, 3]}
// CHECK-NEXT: nabla.max_pool2d_backward %arg0, %arg1 {kernel_shape = [2, 2], strides = [2, 2]}
// CHECK-NEXT: nabla.max_pool2d %arg2
// CHECK-NEXT: nabla.max_pool2d_backward %arg2, %arg3
func @left_alone(%x: tensor<1x1x6x6xf32>, %dp: tensor<1x1x3x3xf32>,
                 %d: tensor<1x1x?x4xf32>, %dd: tensor<1x1x?x2xf32>)
    -> (tensor<1x1x2x2xf32>, tensor<1x1x6x6xf32>, tensor<1x1x?x2xf32>, tensor<1x1x?x4xf32>) {
  %q = nabla.max_pool2d %x {kernel_shape = [3, 3], strides = [3, 3]} : (tensor<1x1x6x6xf32>) -> tensor<1x1x2x2xf32>
  %g = nabla.max_pool2d_backward %x, %dp {kernel_shape = [2, 2], strides = [2, 2]} : (tensor<1x1x6x6xf32>, tensor<1x1x3x3xf32>) -> tensor<1x1x6x6xf32>
  %r = nabla.max_pool2d %d {kernel_shape = [2, 2], strides = [2, 2]} : (tensor<1x1x?x4xf32>) -> tensor<1x1x?x2xf32>
  %h = nabla.max_pool2d_backward %d, %dd {kernel_shape = [2, 2], strides = [2, 2]} : (tensor<1x1x?x4xf32>, tensor<1x1x?x2xf32>) -> tensor<1x1x?x4xf32>
  return %q, %g, %r, %h : tensor<1x1x2x2xf32>, tensor<1x1x6x6xf32>, tensor<1x1x?x2xf32>, tensor<1x1x?x4xf32>
}
