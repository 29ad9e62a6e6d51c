// Every op of ir/ops/NormalizationOps.td: parse, verify (result types are
// inferred and checked) and print; printing must be a fixed point.
// RUN: nabla-opt --split-input-file %s | FileCheck %s
// RUN: nabla-opt --split-input-file %s | nabla-opt --split-input-file | FileCheck %s

// batch_norm over features [N, C] in training mode with the defaults
// (epsilon, momentum not printed), and over NCHW channels at inference with
// both attributes spelled out.
// CHECK-LABEL: func @batch_norm
// CHECK: nabla.batch_norm %arg0, %arg1, %arg1, %arg1, %arg1 {training} : (tensor<?x100xf32>, tensor<100xf32>, tensor<100xf32>, tensor<100xf32>, tensor<100xf32>) -> (tensor<?x100xf32>, tensor<100xf32>, tensor<100xf32>)
// CHECK: nabla.batch_norm %arg2, %arg3, %arg3, %arg3, %arg3 {epsilon = 1.000000e-03 : f32, momentum = 9.900000e-01 : f32} : (tensor<?x16x8x8xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> (tensor<?x16x8x8xf32>, tensor<16xf32>, tensor<16xf32>)
func @batch_norm(%x: tensor<?x100xf32>, %p: tensor<100xf32>, %y: tensor<?x16x8x8xf32>, %q: tensor<16xf32>)
    -> (tensor<?x100xf32>, tensor<100xf32>, tensor<?x16x8x8xf32>) {
  %0, %1, %2 = nabla.batch_norm %x, %p, %p, %p, %p {training}
      : (tensor<?x100xf32>, tensor<100xf32>, tensor<100xf32>, tensor<100xf32>, tensor<100xf32>)
      -> (tensor<?x100xf32>, tensor<100xf32>, tensor<100xf32>)
  %3, %4, %5 = nabla.batch_norm %y, %q, %q, %q, %q {epsilon = 1.0e-3 : f32, momentum = 0.99 : f32}
      : (tensor<?x16x8x8xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>)
      -> (tensor<?x16x8x8xf32>, tensor<16xf32>, tensor<16xf32>)
  return %0, %1, %3 : tensor<?x100xf32>, tensor<100xf32>, tensor<?x16x8x8xf32>
}

// -----

// The updated running statistics take the types of the running statistics
// they replace, even where a parameter's length is dynamic.
// CHECK-LABEL: func @batch_norm_dynamic_params
// CHECK: nabla.batch_norm %arg0, %arg1, %arg1, %arg1, %arg2 : (tensor<4x10xf32>, tensor<?xf32>, tensor<?xf32>, tensor<?xf32>, tensor<10xf32>) -> (tensor<4x10xf32>, tensor<?xf32>, tensor<10xf32>)
func @batch_norm_dynamic_params(%x: tensor<4x10xf32>, %d: tensor<?xf32>, %s: tensor<10xf32>) -> tensor<10xf32> {
  %0, %1, %2 = nabla.batch_norm %x, %d, %d, %d, %s
      : (tensor<4x10xf32>, tensor<?xf32>, tensor<?xf32>, tensor<?xf32>, tensor<10xf32>)
      -> (tensor<4x10xf32>, tensor<?xf32>, tensor<10xf32>)
  return %2 : tensor<10xf32>
}

// -----

// dropout with the optional step operand present and absent, all
// attributes spelled out, and all defaulted.
// CHECK-LABEL: func @dropout
// CHECK: nabla.dropout %arg0, %arg1 {ratio = 5.000000e-01 : f32, seed = 7 : i64, training} : (tensor<?x100xf32>, tensor<i64>) -> (tensor<?x100xf32>, tensor<?x100xf32>)
// CHECK: nabla.dropout %arg0 {ratio = 2.500000e-01 : f32, training} : (tensor<?x100xf32>) -> (tensor<?x100xf32>, tensor<?x100xf32>)
// CHECK: nabla.dropout %arg2 : (tensor<2x3x4x4xf32>) -> (tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>)
// CHECK: nabla.dropout %arg2 {ratio = 0.000000e+00 : f32} : (tensor<2x3x4x4xf32>) -> (tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>)
func @dropout(%x: tensor<?x100xf32>, %step: tensor<i64>, %y: tensor<2x3x4x4xf32>)
    -> (tensor<?x100xf32>, tensor<?x100xf32>, tensor<?x100xf32>, tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>) {
  %0, %m0 = nabla.dropout %x, %step {ratio = 0.5 : f32, seed = 7, training}
      : (tensor<?x100xf32>, tensor<i64>) -> (tensor<?x100xf32>, tensor<?x100xf32>)
  %1, %m1 = nabla.dropout %x {ratio = 0.25 : f32, training}
      : (tensor<?x100xf32>) -> (tensor<?x100xf32>, tensor<?x100xf32>)
  %2, %m2 = nabla.dropout %y : (tensor<2x3x4x4xf32>) -> (tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>)
  %3, %m3 = nabla.dropout %y {ratio = 0.0 : f32} : (tensor<2x3x4x4xf32>) -> (tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>)
  return %0, %m0, %1, %2, %3 : tensor<?x100xf32>, tensor<?x100xf32>, tensor<?x100xf32>, tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>
}
