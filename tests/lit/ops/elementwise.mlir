// Every op of ir/ops/ElementwiseOps.td: parse, verify (result types are
// inferred and checked) and print; printing must be a fixed point.
// RUN: nabla-opt --split-input-file %s | FileCheck %s
// RUN: nabla-opt --split-input-file %s | nabla-opt --split-input-file | FileCheck %s

// CHECK-LABEL: func @constants
// CHECK: nabla.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK: nabla.constant dense<5.000000e-01> : tensor<2x3xf32>
// CHECK: nabla.constant dense<[0, 3]> : tensor<2xi64>
func @constants() -> (tensor<2xf32>, tensor<2x3xf32>, tensor<2xi64>) {
  %a = nabla.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %b = nabla.constant dense<0.5> : tensor<2x3xf32>
  %c = nabla.constant dense<[0, 3]> : tensor<2xi64>
  return %a, %b, %c : tensor<2xf32>, tensor<2x3xf32>, tensor<2xi64>
}

// -----

// Unary ops keep their operand's type, dynamic batch included.
// CHECK-LABEL: func @unary
// CHECK: %[[NEG:.*]] = nabla.neg %arg0 : tensor<?x100xf32>
// CHECK: %[[EXP:.*]] = nabla.exp %[[NEG]] : tensor<?x100xf32>
// CHECK: %[[LOG:.*]] = nabla.log %[[EXP]] : tensor<?x100xf32>
// CHECK: %[[SQRT:.*]] = nabla.sqrt %[[LOG]] : tensor<?x100xf32>
// CHECK: %[[SQ:.*]] = nabla.square %[[SQRT]] : tensor<?x100xf32>
// CHECK: %[[RELU:.*]] = nabla.relu %[[SQ]] : tensor<?x100xf32>
// CHECK: %[[SIG:.*]] = nabla.sigmoid %[[RELU]] : tensor<?x100xf32>
// CHECK: %[[TANH:.*]] = nabla.tanh %[[SIG]] : tensor<?x100xf32>
// CHECK: %[[STEP:.*]] = nabla.step %[[TANH]] : tensor<?x100xf32>
// CHECK: return %[[STEP]] : tensor<?x100xf32>
func @unary(%x: tensor<?x100xf32>) -> tensor<?x100xf32> {
  %0 = nabla.neg %x : tensor<?x100xf32>
  %1 = nabla.exp %0 : tensor<?x100xf32>
  %2 = nabla.log %1 : tensor<?x100xf32>
  %3 = nabla.sqrt %2 : tensor<?x100xf32>
  %4 = nabla.square %3 : tensor<?x100xf32>
  %5 = nabla.relu %4 : tensor<?x100xf32>
  %6 = nabla.sigmoid %5 : tensor<?x100xf32>
  %7 = nabla.tanh %6 : tensor<?x100xf32>
  %8 = nabla.step %7 : tensor<?x100xf32>
  return %8 : tensor<?x100xf32>
}

// -----

// Unary ops on a static 4-D tensor and on a scalar.
// CHECK-LABEL: func @unary_static
// CHECK: nabla.relu %arg0 : tensor<2x3x4x5xf32>
// CHECK: nabla.sqrt %arg1 : tensor<f32>
func @unary_static(%x: tensor<2x3x4x5xf32>, %s: tensor<f32>) -> (tensor<2x3x4x5xf32>, tensor<f32>) {
  %0 = nabla.relu %x : tensor<2x3x4x5xf32>
  %1 = nabla.sqrt %s : tensor<f32>
  return %0, %1 : tensor<2x3x4x5xf32>, tensor<f32>
}

// -----

// Every binary op, with equal shapes.
// CHECK-LABEL: func @binary_same_shape
// CHECK: nabla.add %arg0, %arg1 : (tensor<4x10xf32>, tensor<4x10xf32>) -> tensor<4x10xf32>
// CHECK: nabla.sub %arg0, %arg1 : (tensor<4x10xf32>, tensor<4x10xf32>) -> tensor<4x10xf32>
// CHECK: nabla.mul %arg0, %arg1 : (tensor<4x10xf32>, tensor<4x10xf32>) -> tensor<4x10xf32>
// CHECK: nabla.div %arg0, %arg1 : (tensor<4x10xf32>, tensor<4x10xf32>) -> tensor<4x10xf32>
// CHECK: nabla.maximum %arg0, %arg1 : (tensor<4x10xf32>, tensor<4x10xf32>) -> tensor<4x10xf32>
// CHECK: nabla.pow %arg0, %arg1 : (tensor<4x10xf32>, tensor<4x10xf32>) -> tensor<4x10xf32>
func @binary_same_shape(%a: tensor<4x10xf32>, %b: tensor<4x10xf32>) -> tensor<4x10xf32> {
  %0 = nabla.add %a, %b : (tensor<4x10xf32>, tensor<4x10xf32>) -> tensor<4x10xf32>
  %1 = nabla.sub %a, %b : (tensor<4x10xf32>, tensor<4x10xf32>) -> tensor<4x10xf32>
  %2 = nabla.mul %a, %b : (tensor<4x10xf32>, tensor<4x10xf32>) -> tensor<4x10xf32>
  %3 = nabla.div %a, %b : (tensor<4x10xf32>, tensor<4x10xf32>) -> tensor<4x10xf32>
  %4 = nabla.maximum %a, %b : (tensor<4x10xf32>, tensor<4x10xf32>) -> tensor<4x10xf32>
  %5 = nabla.pow %a, %b : (tensor<4x10xf32>, tensor<4x10xf32>) -> tensor<4x10xf32>
  return %5 : tensor<4x10xf32>
}

// -----

// numpy broadcasting: a bias row, a missing leading dimension, size-1
// stretching on either side, and a scalar.
// CHECK-LABEL: func @broadcasting
// CHECK: nabla.add %arg0, %arg1 : (tensor<?x10xf32>, tensor<10xf32>) -> tensor<?x10xf32>
// CHECK: nabla.sub %arg2, %arg3 : (tensor<4x1x5xf32>, tensor<3x1xf32>) -> tensor<4x3x5xf32>
// CHECK: nabla.mul %arg3, %arg2 : (tensor<3x1xf32>, tensor<4x1x5xf32>) -> tensor<4x3x5xf32>
// CHECK: nabla.div %arg0, %arg4 : (tensor<?x10xf32>, tensor<f32>) -> tensor<?x10xf32>
// CHECK: nabla.maximum %arg4, %arg4 : (tensor<f32>, tensor<f32>) -> tensor<f32>
// CHECK: nabla.pow %arg5, %arg1 : (tensor<?x1xf32>, tensor<10xf32>) -> tensor<?x10xf32>
func @broadcasting(%x: tensor<?x10xf32>, %b: tensor<10xf32>, %p: tensor<4x1x5xf32>,
                   %q: tensor<3x1xf32>, %s: tensor<f32>, %c: tensor<?x1xf32>)
    -> (tensor<?x10xf32>, tensor<4x3x5xf32>, tensor<4x3x5xf32>, tensor<?x10xf32>, tensor<f32>,
        tensor<?x10xf32>) {
  %0 = nabla.add %x, %b : (tensor<?x10xf32>, tensor<10xf32>) -> tensor<?x10xf32>
  %1 = nabla.sub %p, %q : (tensor<4x1x5xf32>, tensor<3x1xf32>) -> tensor<4x3x5xf32>
  %2 = nabla.mul %q, %p : (tensor<3x1xf32>, tensor<4x1x5xf32>) -> tensor<4x3x5xf32>
  %3 = nabla.div %x, %s : (tensor<?x10xf32>, tensor<f32>) -> tensor<?x10xf32>
  %4 = nabla.maximum %s, %s : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %5 = nabla.pow %c, %b : (tensor<?x1xf32>, tensor<10xf32>) -> tensor<?x10xf32>
  return %0, %1, %2, %3, %4, %5
      : tensor<?x10xf32>, tensor<4x3x5xf32>, tensor<4x3x5xf32>, tensor<?x10xf32>, tensor<f32>,
        tensor<?x10xf32>
}

// -----

// A dynamic dimension against a static one takes the static size (the
// program is only valid if they agree); against 1 it stays dynamic.
// CHECK-LABEL: func @broadcasting_dynamic
// CHECK: nabla.add %arg0, %arg1 : (tensor<?x10xf32>, tensor<8x10xf32>) -> tensor<8x10xf32>
// CHECK: nabla.mul %arg0, %arg2 : (tensor<?x10xf32>, tensor<1x10xf32>) -> tensor<?x10xf32>
// CHECK: nabla.sub %arg0, %arg3 : (tensor<?x10xf32>, tensor<?x1xf32>) -> tensor<?x10xf32>
func @broadcasting_dynamic(%x: tensor<?x10xf32>, %y: tensor<8x10xf32>, %r: tensor<1x10xf32>,
                           %c: tensor<?x1xf32>) -> (tensor<8x10xf32>, tensor<?x10xf32>, tensor<?x10xf32>) {
  %0 = nabla.add %x, %y : (tensor<?x10xf32>, tensor<8x10xf32>) -> tensor<8x10xf32>
  %1 = nabla.mul %x, %r : (tensor<?x10xf32>, tensor<1x10xf32>) -> tensor<?x10xf32>
  %2 = nabla.sub %x, %c : (tensor<?x10xf32>, tensor<?x1xf32>) -> tensor<?x10xf32>
  return %0, %1, %2 : tensor<8x10xf32>, tensor<?x10xf32>, tensor<?x10xf32>
}
