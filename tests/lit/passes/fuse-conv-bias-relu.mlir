// RUN: nabla-opt --split-input-file --nabla-fuse-conv-bias-relu %s | FileCheck %s

// CHECK-LABEL: func @conv_bias_relu
// CHECK-NEXT: %[[F:.*]] = nabla.fused_conv2d %arg0, %arg1, %arg2 {activation = "relu", pads = [1, 1, 1, 1], strides = [2, 2]} : (tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<?x4x4x4xf32>
// CHECK-NEXT: return %[[F]]
func @conv_bias_relu(%x: tensor<?x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<?x4x4x4xf32> {
  %c = nabla.conv2d %x, %w, %b {strides = [2, 2], pads = [1, 1, 1, 1]} : (tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<?x4x4x4xf32>
  %r = nabla.relu %c : tensor<?x4x4x4xf32>
  return %r : tensor<?x4x4x4xf32>
}

// -----

// The convolution has a second user: fusing would have to materialize it anyway.
// CHECK-LABEL: func @conv_two_users
// CHECK: nabla.conv2d
// CHECK: nabla.relu
// CHECK-NOT: fused
func @conv_two_users(%x: tensor<1x1x4x4xf32>, %w: tensor<2x1x3x3xf32>) -> (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) {
  %c = nabla.conv2d %x, %w : (tensor<1x1x4x4xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x2x2xf32>
  %r = nabla.relu %c : tensor<1x2x2x2xf32>
  return %r, %c : tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>
}

// -----

// An affine layer with ReLU, and the last affine layer without.
// CHECK-LABEL: func @affine_layers
// CHECK-NEXT: %[[H:.*]] = nabla.fused_matmul %arg0, %arg1, %arg2 {activation = "relu"} : (tensor<?x8xf32>, tensor<8x5xf32>, tensor<5xf32>) -> tensor<?x5xf32>
// CHECK-NEXT: %[[O:.*]] = nabla.fused_matmul %[[H]], %arg3, %arg4 {activation = "none"} : (tensor<?x5xf32>, tensor<5x3xf32>, tensor<3xf32>) -> tensor<?x3xf32>
// CHECK-NEXT: return %[[O]]
func @affine_layers(%x: tensor<?x8xf32>, %w1: tensor<8x5xf32>, %b1: tensor<5xf32>, %w2: tensor<5x3xf32>, %b2: tensor<3xf32>) -> tensor<?x3xf32> {
  %m1 = nabla.matmul %x, %w1 : (tensor<?x8xf32>, tensor<8x5xf32>) -> tensor<?x5xf32>
  %a1 = nabla.add %m1, %b1 : (tensor<?x5xf32>, tensor<5xf32>) -> tensor<?x5xf32>
  %h = nabla.relu %a1 : tensor<?x5xf32>
  %m2 = nabla.matmul %h, %w2 : (tensor<?x5xf32>, tensor<5x3xf32>) -> tensor<?x3xf32>
  %o = nabla.add %b2, %m2 : (tensor<3xf32>, tensor<?x3xf32>) -> tensor<?x3xf32>
  return %o : tensor<?x3xf32>
}

// -----

// A bias that broadcasts along rows (not one per column) is not a bias add.
// CHECK-LABEL: func @row_bias_not_fused
// CHECK: nabla.matmul
// CHECK: nabla.add
// CHECK-NOT: fused
func @row_bias_not_fused(%x: tensor<4x8xf32>, %w: tensor<8x5xf32>, %b: tensor<4x1xf32>) -> tensor<4x5xf32> {
  %m = nabla.matmul %x, %w : (tensor<4x8xf32>, tensor<8x5xf32>) -> tensor<4x5xf32>
  %a = nabla.add %m, %b : (tensor<4x5xf32>, tensor<4x1xf32>) -> tensor<4x5xf32>
  return %a : tensor<4x5xf32>
}
