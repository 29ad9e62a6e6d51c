// RUN: nabla-opt --split-input-file --nabla-lower-pool-to-im2col %s | FileCheck %s

// CHECK-LABEL: func @max_pool
// CHECK: %[[IMG:.*]] = nabla.reshape %arg0 {shape = [-1, 1, 24, 24]} : (tensor<?x30x24x24xf32>) -> tensor<?x1x24x24xf32>
// CHECK: %[[COLS:.*]] = nabla.im2col %[[IMG]] {kernel_shape = [2, 2], pads = [0, 0, 0, 0], strides = [2, 2]} : (tensor<?x1x24x24xf32>) -> tensor<?x4xf32>
// CHECK: %[[M:.*]] = nabla.reduce_max %[[COLS]] {axes = [1]} : (tensor<?x4xf32>) -> tensor<?xf32>
// CHECK: nabla.reshape %[[M]] {shape = [-1, 30, 12, 12]}
func @max_pool(%x: tensor<?x30x24x24xf32>) -> tensor<?x30x12x12xf32> {
  %p = nabla.max_pool2d %x {kernel_shape = [2, 2], strides = [2, 2]} : (tensor<?x30x24x24xf32>) -> tensor<?x30x12x12xf32>
  return %p : tensor<?x30x12x12xf32>
}

// -----

// The gradient goes to each window's argmax.
// CHECK-LABEL: func @max_pool_grad
// CHECK: %[[COLS:.*]] = nabla.im2col
// CHECK: %[[IDX:.*]] = nabla.argmax %[[COLS]] {axis = 1 : i64} : (tensor<?x4xf32>) -> tensor<?xi64>
// CHECK: %[[HOT:.*]] = nabla.one_hot %[[IDX]] {depth = 4 : i64} : (tensor<?xi64>) -> tensor<?x4xf32>
// CHECK: %[[G:.*]] = nabla.reshape %arg1 {shape = [-1, 1]}
// CHECK: %[[D:.*]] = nabla.mul %[[HOT]], %[[G]] : (tensor<?x4xf32>, tensor<?x1xf32>) -> tensor<?x4xf32>
// CHECK: %[[IMG:.*]] = nabla.col2im %[[D]] {image_size = [4, 4], kernel_shape = [2, 2], pads = [0, 0, 0, 0], strides = [2, 2]}
// CHECK: nabla.reshape %[[IMG]] {shape = [-1, 3, 4, 4]}
func @max_pool_grad(%x: tensor<?x3x4x4xf32>, %g: tensor<?x3x2x2xf32>) -> tensor<?x3x4x4xf32> {
  %d = nabla.max_pool2d_backward %x, %g {kernel_shape = [2, 2], strides = [2, 2]} : (tensor<?x3x4x4xf32>, tensor<?x3x2x2xf32>) -> tensor<?x3x4x4xf32>
  return %d : tensor<?x3x4x4xf32>
}

// -----

// Padded max pooling is not lowered: im2col's zero padding is not neutral for max.
// CHECK-LABEL: func @padded_max_pool
// CHECK: nabla.max_pool2d
// CHECK-NOT: im2col
func @padded_max_pool(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x3x3xf32> {
  %p = nabla.max_pool2d %x {kernel_shape = [2, 2], strides = [2, 2], pads = [1, 1, 1, 1]} : (tensor<1x1x4x4xf32>) -> tensor<1x1x3x3xf32>
  return %p : tensor<1x1x3x3xf32>
}

// -----

// Average pooling backward spreads 1/(KH*KW) of the gradient over the window.
// CHECK-LABEL: func @avg_pool_grad
// CHECK: %[[SHARE:.*]] = nabla.constant dense<2.500000e-01> : tensor<1x4xf32>
// CHECK: nabla.mul %{{.*}}, %[[SHARE]] : (tensor<?x1xf32>, tensor<1x4xf32>) -> tensor<?x4xf32>
// CHECK: nabla.col2im
func @avg_pool_grad(%g: tensor<?x3x2x2xf32>) -> tensor<?x3x4x4xf32> {
  %d = nabla.avg_pool2d_backward %g {kernel_shape = [2, 2], strides = [2, 2], image_size = [4, 4]} : (tensor<?x3x2x2xf32>) -> tensor<?x3x4x4xf32>
  return %d : tensor<?x3x4x4xf32>
}
