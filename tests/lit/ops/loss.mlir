// Every op of ir/ops/LossOps.td: parse, verify (result types are inferred
// and checked) and print; printing must be a fixed point.
// RUN: nabla-opt --split-input-file %s | FileCheck %s
// RUN: nabla-opt --split-input-file %s | nabla-opt --split-input-file | FileCheck %s

// softmax_cross_entropy with i64 and i32 class indices and with f32 one-hot
// rows, static and dynamic batch.
// CHECK-LABEL: func @softmax_cross_entropy
// CHECK: nabla.softmax_cross_entropy %arg0, %arg1 : (tensor<?x10xf32>, tensor<?xi64>) -> tensor<f32>
// CHECK: nabla.softmax_cross_entropy %arg2, %arg3 : (tensor<4x10xf32>, tensor<4xi32>) -> tensor<f32>
// CHECK: nabla.softmax_cross_entropy %arg0, %arg4 : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<f32>
// CHECK: nabla.softmax_cross_entropy %arg2, %arg4 : (tensor<4x10xf32>, tensor<?x10xf32>) -> tensor<f32>
func @softmax_cross_entropy(%l: tensor<?x10xf32>, %t: tensor<?xi64>, %ls: tensor<4x10xf32>,
                            %ts: tensor<4xi32>, %oh: tensor<?x10xf32>)
    -> (tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>) {
  %0 = nabla.softmax_cross_entropy %l, %t : (tensor<?x10xf32>, tensor<?xi64>) -> tensor<f32>
  %1 = nabla.softmax_cross_entropy %ls, %ts : (tensor<4x10xf32>, tensor<4xi32>) -> tensor<f32>
  %2 = nabla.softmax_cross_entropy %l, %oh : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<f32>
  %3 = nabla.softmax_cross_entropy %ls, %oh : (tensor<4x10xf32>, tensor<?x10xf32>) -> tensor<f32>
  return %0, %1, %2, %3 : tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>
}

// -----

// mse_loss on a batch, on a single sample (rank 1) and on scalars.
// CHECK-LABEL: func @mse_loss
// CHECK: nabla.mse_loss %arg0, %arg1 : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<f32>
// CHECK: nabla.mse_loss %arg2, %arg2 : (tensor<10xf32>, tensor<10xf32>) -> tensor<f32>
// CHECK: nabla.mse_loss %arg3, %arg3 : (tensor<f32>, tensor<f32>) -> tensor<f32>
// CHECK: nabla.mse_loss %arg0, %arg4 : (tensor<?x10xf32>, tensor<8x10xf32>) -> tensor<f32>
func @mse_loss(%y: tensor<?x10xf32>, %t: tensor<?x10xf32>, %v: tensor<10xf32>, %s: tensor<f32>,
               %u: tensor<8x10xf32>) -> (tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>) {
  %0 = nabla.mse_loss %y, %t : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<f32>
  %1 = nabla.mse_loss %v, %v : (tensor<10xf32>, tensor<10xf32>) -> tensor<f32>
  %2 = nabla.mse_loss %s, %s : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %3 = nabla.mse_loss %y, %u : (tensor<?x10xf32>, tensor<8x10xf32>) -> tensor<f32>
  return %0, %1, %2, %3 : tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>
}
