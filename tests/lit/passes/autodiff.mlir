// RUN: nabla-opt --split-input-file --nabla-autodiff %s | FileCheck %s

// relu(conv2d): the ReLU gradient is a step mask; conv2d gives data, filter
// and bias gradients; only the "param" arguments are differentiated.
// CHECK-LABEL: func @loss_grad
// CHECK-SAME: -> (tensor<f32>, tensor<4x3x3x3xf32> {nabla.name = "grad:w"}, tensor<4xf32> {nabla.name = "grad:b"})
// CHECK: %[[C:.*]] = nabla.conv2d %arg0, %arg1, %arg2
// CHECK: %[[R:.*]] = nabla.relu %[[C]]
// CHECK: %[[SEED:.*]] = nabla.constant dense<1.000000e+00> : tensor<f32>
// CHECK: %[[G:.*]] = nabla.broadcast_like %[[SEED]], %{{.*}} : (tensor<f32>, tensor<?x4x6x6xf32>) -> tensor<?x4x6x6xf32>
// CHECK: %[[MASK:.*]] = nabla.step %[[R]] : tensor<?x4x6x6xf32>
// CHECK: %[[GC:.*]] = nabla.mul %[[G]], %[[MASK]]
// CHECK-NOT: conv2d_backward_data
// CHECK: %[[GW:.*]] = nabla.conv2d_backward_filter %arg0, %[[GC]] {dilations = [1, 1], groups = 1 : i64, kernel_shape = [3, 3], pads = [1, 1, 1, 1], strides = [2, 2]}
// CHECK: %[[GB:.*]] = nabla.reduce_sum %[[GC]] {axes = [0, 2, 3], keepdims = false}
// CHECK: return %{{.*}}, %[[GW]], %[[GB]]
func @loss(%x: tensor<?x3x12x12xf32> {nabla.name = "x", nabla.role = "input"},
           %w: tensor<4x3x3x3xf32> {nabla.name = "w", nabla.role = "param"},
           %b: tensor<4xf32> {nabla.name = "b", nabla.role = "param"}) -> tensor<f32> {
  %c = nabla.conv2d %x, %w, %b {strides = [2, 2], pads = [1, 1, 1, 1]}
      : (tensor<?x3x12x12xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<?x4x6x6xf32>
  %r = nabla.relu %c : tensor<?x4x6x6xf32>
  %l = nabla.reduce_sum %r : (tensor<?x4x6x6xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// softmax_cross_entropy: one backward op; labels are never differentiated,
// and a fan-out (%y used twice) sums its gradients.
// CHECK-LABEL: func @loss_grad
// CHECK-SAME: -> (tensor<f32>, tensor<?x10xf32> {nabla.name = "grad:logits"})
// CHECK: %[[SEED:.*]] = nabla.constant dense<1.000000e+00> : tensor<f32>
// CHECK: %[[G:.*]] = nabla.softmax_cross_entropy_backward %[[Y:.*]], %arg1, %[[SEED]] : (tensor<?x10xf32>, tensor<?xi64>, tensor<f32>) -> tensor<?x10xf32>
// CHECK: nabla.add %[[G]], %[[G]]
func @loss(%logits: tensor<?x10xf32> {nabla.name = "logits", nabla.role = "param"},
           %t: tensor<?xi64> {nabla.name = "t", nabla.role = "label"}) -> tensor<f32> {
  %y = nabla.add %logits, %logits : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<?x10xf32>
  %l = nabla.softmax_cross_entropy %y, %t : (tensor<?x10xf32>, tensor<?xi64>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// Calls are inlined before differentiation; without roles every f32
// argument is differentiated (here both).
// CHECK-LABEL: func @loss_grad
// CHECK-NOT: call
// CHECK: nabla.matmul %{{.*}}, %arg1 {transpose_rhs = true}
// CHECK: nabla.matmul %arg0, %{{.*}} {transpose_lhs = true}
// CHECK: return
func @loss(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<f32> {
  %p = call @product(%a, %b) : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  %l = nabla.reduce_sum %p : (tensor<2x4xf32>) -> tensor<f32>
  return %l : tensor<f32>
}
func private @product(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<2x4xf32> {
  %p = nabla.matmul %a, %b : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  return %p : tensor<2x4xf32>
}
