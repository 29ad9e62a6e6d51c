// RUN: nabla-opt --split-input-file --nabla-fuse-conv-pool %s | FileCheck %s

// SimpleConvNet's inference: the pool is the conv's single user and its 2x2
// windows tile the image, so the conv is computed inside it.
// CHECK-LABEL: func @conv_relu_pool
// CHECK-NEXT: nabla.fused_conv2d %arg0, %arg1, %arg2 {activation = "relu", nabla.inline
// CHECK-NEXT: nabla.max_pool2d %{{.*}} {kernel_shape = [2, 2], strides = [2, 2]} :
func @conv_relu_pool(%x: tensor<?x1x28x28xf32>, %w: tensor<30x1x5x5xf32>, %b: tensor<30xf32>) -> tensor<?x30x12x12xf32> {
  %y = nabla.fused_conv2d %x, %w, %b {activation = "relu"} : (tensor<?x1x28x28xf32>, tensor<30x1x5x5xf32>, tensor<30xf32>) -> tensor<?x30x24x24xf32>
  %p = nabla.max_pool2d %y {kernel_shape = [2, 2], strides = [2, 2]} : (tensor<?x30x24x24xf32>) -> tensor<?x30x12x12xf32>
  return %p : tensor<?x30x12x12xf32>
}

// -----

// A plain conv2d qualifies too, and windows that leave the last row and
// column out still tile (each pixel is read at most once).
// CHECK-LABEL: func @plain_conv
// CHECK-NEXT: nabla.conv2d %arg0, %arg1 {nabla.inline
func @plain_conv(%x: tensor<2x3x9x9xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<2x4x2x2xf32> {
  %y = nabla.conv2d %x, %w : (tensor<2x3x9x9xf32>, tensor<4x3x3x3xf32>) -> tensor<2x4x7x7xf32>
  %p = nabla.max_pool2d %y {kernel_shape = [3, 3], strides = [3, 3]} : (tensor<2x4x7x7xf32>) -> tensor<2x4x2x2xf32>
  return %p : tensor<2x4x2x2xf32>
}

// -----

// A training step after --nabla-pool-indices: the pool that also returns
// its indices is the conv's only reader, so the conv is computed inside it.
// CHECK-LABEL: func @pool_with_indices
// CHECK-NEXT: nabla.fused_conv2d %arg0, %arg1, %arg2 {activation = "relu", nabla.inline
func @pool_with_indices(%x: tensor<?x1x28x28xf32>, %w: tensor<30x1x5x5xf32>, %b: tensor<30xf32>)
    -> (tensor<?x30x12x12xf32>, tensor<?x30x12x12xi32>) {
  %y = nabla.fused_conv2d %x, %w, %b {activation = "relu"} : (tensor<?x1x28x28xf32>, tensor<30x1x5x5xf32>, tensor<30xf32>) -> tensor<?x30x24x24xf32>
  %p, %i = nabla.max_pool2d_with_indices %y {kernel_shape = [2, 2], strides = [2, 2]} : (tensor<?x30x24x24xf32>) -> (tensor<?x30x12x12xf32>, tensor<?x30x12x12xi32>)
  return %p, %i : tensor<?x30x12x12xf32>, tensor<?x30x12x12xi32>
}

// -----

// A training step also reads the conv's output (relu's mask, the pool's
// argmax): two users, so it is stored.
// CHECK-LABEL: func @two_users
// CHECK-NEXT: nabla.fused_conv2d %arg0, %arg1, %arg2 {activation = "relu"} :
func @two_users(%x: tensor<?x1x8x8xf32>, %w: tensor<2x1x3x3xf32>, %b: tensor<2xf32>) -> (tensor<?x2x3x3xf32>, tensor<?x2x6x6xf32>) {
  %y = nabla.fused_conv2d %x, %w, %b {activation = "relu"} : (tensor<?x1x8x8xf32>, tensor<2x1x3x3xf32>, tensor<2xf32>) -> tensor<?x2x6x6xf32>
  %p = nabla.max_pool2d %y {kernel_shape = [2, 2], strides = [2, 2]} : (tensor<?x2x6x6xf32>) -> tensor<?x2x3x3xf32>
  %s = nabla.step %y : tensor<?x2x6x6xf32>
  return %p, %s : tensor<?x2x3x3xf32>, tensor<?x2x6x6xf32>
}

// -----

// Overlapping windows (stride 1) read each pixel up to four times and padded
// windows reach outside the image: neither conv is computed inside its pool.
// An average pool is not a max pool. A stale mark is removed.
// CHECK-LABEL: func @not_tiling
// CHECK-NEXT: nabla.conv2d %arg0, %arg1 :
// CHECK-NEXT: nabla.max_pool2d
// CHECK-NEXT: nabla.conv2d %arg0, %arg1 :
// CHECK-NEXT: nabla.max_pool2d
// CHECK-NEXT: nabla.conv2d %arg0, %arg1 :
// CHECK-NEXT: nabla.avg_pool2d
func @not_tiling(%x: tensor<1x1x8x8xf32>, %w: tensor<2x1x3x3xf32>) -> (tensor<1x2x5x5xf32>, tensor<1x2x4x4xf32>, tensor<1x2x3x3xf32>) {
  %y0 = nabla.conv2d %x, %w : (tensor<1x1x8x8xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x6x6xf32>
  %p0 = nabla.max_pool2d %y0 {kernel_shape = [2, 2]} : (tensor<1x2x6x6xf32>) -> tensor<1x2x5x5xf32>
  %y1 = nabla.conv2d %x, %w {nabla.inline} : (tensor<1x1x8x8xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x6x6xf32>
  %p1 = nabla.max_pool2d %y1 {kernel_shape = [2, 2], strides = [2, 2], pads = [1, 1, 1, 1]} : (tensor<1x2x6x6xf32>) -> tensor<1x2x4x4xf32>
  %y2 = nabla.conv2d %x, %w : (tensor<1x1x8x8xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x6x6xf32>
  %p2 = nabla.avg_pool2d %y2 {kernel_shape = [2, 2], strides = [2, 2]} : (tensor<1x2x6x6xf32>) -> tensor<1x2x3x3xf32>
  return %p0, %p1, %p2 : tensor<1x2x5x5xf32>, tensor<1x2x4x4xf32>, tensor<1x2x3x3xf32>
}
