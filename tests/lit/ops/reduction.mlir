// Every op of ir/ops/ReductionOps.td: parse, verify (result types are
// inferred and checked) and print; printing must be a fixed point.
// RUN: nabla-opt --split-input-file %s | FileCheck %s
// RUN: nabla-opt --split-input-file %s | nabla-opt --split-input-file | FileCheck %s

// The three reductions with the defaults (all axes, no keepdims), one axis,
// keepdims, and negative axes.
// CHECK-LABEL: func @reduce
// CHECK: nabla.reduce_sum %arg0 : (tensor<?x10xf32>) -> tensor<f32>
// CHECK: nabla.reduce_mean %arg0 {axes = [0]} : (tensor<?x10xf32>) -> tensor<10xf32>
// CHECK: nabla.reduce_max %arg0 {axes = [1], keepdims = true} : (tensor<?x10xf32>) -> tensor<?x1xf32>
// CHECK: nabla.reduce_sum %arg1 {axes = [-1, -3], keepdims = true} : (tensor<2x3x4xf32>) -> tensor<1x3x1xf32>
// CHECK: nabla.reduce_mean %arg1 {axes = [2, 0]} : (tensor<2x3x4xf32>) -> tensor<3xf32>
// CHECK: nabla.reduce_max %arg1 {keepdims = true} : (tensor<2x3x4xf32>) -> tensor<1x1x1xf32>
// CHECK: nabla.reduce_sum %arg1 {axes = [1], keepdims = false} : (tensor<2x3x4xf32>) -> tensor<2x4xf32>
func @reduce(%x: tensor<?x10xf32>, %y: tensor<2x3x4xf32>)
    -> (tensor<f32>, tensor<10xf32>, tensor<?x1xf32>, tensor<1x3x1xf32>, tensor<3xf32>,
        tensor<1x1x1xf32>, tensor<2x4xf32>) {
  %0 = nabla.reduce_sum %x : (tensor<?x10xf32>) -> tensor<f32>
  %1 = nabla.reduce_mean %x {axes = [0]} : (tensor<?x10xf32>) -> tensor<10xf32>
  %2 = nabla.reduce_max %x {axes = [1], keepdims = true} : (tensor<?x10xf32>) -> tensor<?x1xf32>
  %3 = nabla.reduce_sum %y {axes = [-1, -3], keepdims = true} : (tensor<2x3x4xf32>) -> tensor<1x3x1xf32>
  %4 = nabla.reduce_mean %y {axes = [2, 0]} : (tensor<2x3x4xf32>) -> tensor<3xf32>
  %5 = nabla.reduce_max %y {keepdims = true} : (tensor<2x3x4xf32>) -> tensor<1x1x1xf32>
  %6 = nabla.reduce_sum %y {axes = [1], keepdims = false} : (tensor<2x3x4xf32>) -> tensor<2x4xf32>
  return %0, %1, %2, %3, %4, %5, %6
      : tensor<f32>, tensor<10xf32>, tensor<?x1xf32>, tensor<1x3x1xf32>, tensor<3xf32>,
        tensor<1x1x1xf32>, tensor<2x4xf32>
}

// -----

// argmax: the default axis is the last; the result is always i64.
// CHECK-LABEL: func @argmax
// CHECK: nabla.argmax %arg0 : (tensor<?x10xf32>) -> tensor<?xi64>
// CHECK: nabla.argmax %arg0 {axis = 0 : i64} : (tensor<?x10xf32>) -> tensor<10xi64>
// CHECK: nabla.argmax %arg0 {axis = 1 : i64, keepdims = true} : (tensor<?x10xf32>) -> tensor<?x1xi64>
// CHECK: nabla.argmax %arg1 {axis = -2 : i64} : (tensor<2x3x4xf32>) -> tensor<2x4xi64>
func @argmax(%x: tensor<?x10xf32>, %y: tensor<2x3x4xf32>)
    -> (tensor<?xi64>, tensor<10xi64>, tensor<?x1xi64>, tensor<2x4xi64>) {
  %0 = nabla.argmax %x : (tensor<?x10xf32>) -> tensor<?xi64>
  %1 = nabla.argmax %x {axis = 0} : (tensor<?x10xf32>) -> tensor<10xi64>
  %2 = nabla.argmax %x {axis = 1, keepdims = true} : (tensor<?x10xf32>) -> tensor<?x1xi64>
  %3 = nabla.argmax %y {axis = -2} : (tensor<2x3x4xf32>) -> tensor<2x4xi64>
  return %0, %1, %2, %3 : tensor<?xi64>, tensor<10xi64>, tensor<?x1xi64>, tensor<2x4xi64>
}

// -----

// softmax and log_softmax keep the operand's type; default axis -1.
// CHECK-LABEL: func @softmax
// CHECK: nabla.softmax %arg0 : tensor<?x10xf32>
// CHECK: nabla.softmax %arg0 {axis = 1 : i64} : tensor<?x10xf32>
// CHECK: nabla.log_softmax %arg0 : tensor<?x10xf32>
// CHECK: nabla.log_softmax %arg1 {axis = -3 : i64} : tensor<2x3x4xf32>
func @softmax(%x: tensor<?x10xf32>, %y: tensor<2x3x4xf32>)
    -> (tensor<?x10xf32>, tensor<?x10xf32>, tensor<?x10xf32>, tensor<2x3x4xf32>) {
  %0 = nabla.softmax %x : tensor<?x10xf32>
  %1 = nabla.softmax %x {axis = 1} : tensor<?x10xf32>
  %2 = nabla.log_softmax %x : tensor<?x10xf32>
  %3 = nabla.log_softmax %y {axis = -3} : tensor<2x3x4xf32>
  return %0, %1, %2, %3 : tensor<?x10xf32>, tensor<?x10xf32>, tensor<?x10xf32>, tensor<2x3x4xf32>
}
