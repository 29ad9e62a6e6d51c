// Every op of ir/ops/TensorOps.td: parse, verify (result types are inferred
// and checked) and print; printing must be a fixed point.
// RUN: nabla-opt --split-input-file %s | FileCheck %s
// RUN: nabla-opt --split-input-file %s | nabla-opt --split-input-file | FileCheck %s

// matmul: plain, and each transpose flag; the flags are printed only when
// written (false is the default).
// CHECK-LABEL: func @matmul
// CHECK: nabla.matmul %arg0, %arg1 : (tensor<?x784xf32>, tensor<784x50xf32>) -> tensor<?x50xf32>
// CHECK: nabla.matmul %arg0, %arg2 {transpose_lhs = true} : (tensor<?x784xf32>, tensor<?x50xf32>) -> tensor<784x50xf32>
// CHECK: nabla.matmul %arg2, %arg1 {transpose_rhs = true} : (tensor<?x50xf32>, tensor<784x50xf32>) -> tensor<?x784xf32>
// CHECK: nabla.matmul %arg1, %arg3 {transpose_lhs = true, transpose_rhs = true} : (tensor<784x50xf32>, tensor<3x784xf32>) -> tensor<50x3xf32>
// CHECK: nabla.matmul %arg0, %arg1 {transpose_lhs = false} : (tensor<?x784xf32>, tensor<784x50xf32>) -> tensor<?x50xf32>
func @matmul(%x: tensor<?x784xf32>, %w: tensor<784x50xf32>, %g: tensor<?x50xf32>, %v: tensor<3x784xf32>)
    -> (tensor<?x50xf32>, tensor<784x50xf32>, tensor<?x784xf32>, tensor<50x3xf32>, tensor<?x50xf32>) {
  %0 = nabla.matmul %x, %w : (tensor<?x784xf32>, tensor<784x50xf32>) -> tensor<?x50xf32>
  %1 = nabla.matmul %x, %g {transpose_lhs = true} : (tensor<?x784xf32>, tensor<?x50xf32>) -> tensor<784x50xf32>
  %2 = nabla.matmul %g, %w {transpose_rhs = true} : (tensor<?x50xf32>, tensor<784x50xf32>) -> tensor<?x784xf32>
  %3 = nabla.matmul %w, %v {transpose_lhs = true, transpose_rhs = true}
      : (tensor<784x50xf32>, tensor<3x784xf32>) -> tensor<50x3xf32>
  %4 = nabla.matmul %x, %w {transpose_lhs = false} : (tensor<?x784xf32>, tensor<784x50xf32>) -> tensor<?x50xf32>
  return %0, %1, %2, %3, %4 : tensor<?x50xf32>, tensor<784x50xf32>, tensor<?x784xf32>, tensor<50x3xf32>, tensor<?x50xf32>
}

// -----

// A dynamic contracted dimension is compatible with a static one.
// CHECK-LABEL: func @matmul_dynamic_contraction
// CHECK: nabla.matmul %arg0, %arg1 : (tensor<2x?xf32>, tensor<7x3xf32>) -> tensor<2x3xf32>
func @matmul_dynamic_contraction(%a: tensor<2x?xf32>, %b: tensor<7x3xf32>) -> tensor<2x3xf32> {
  %0 = nabla.matmul %a, %b : (tensor<2x?xf32>, tensor<7x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func @transpose
// CHECK: nabla.transpose %arg0 {perm = [1, 0]} : (tensor<?x10xf32>) -> tensor<10x?xf32>
// CHECK: nabla.transpose %arg1 {perm = [0, 2, 3, 1]} : (tensor<?x3x4x5xf32>) -> tensor<?x4x5x3xf32>
// CHECK: nabla.transpose %arg2 {perm = [0]} : (tensor<7xi64>) -> tensor<7xi64>
func @transpose(%x: tensor<?x10xf32>, %y: tensor<?x3x4x5xf32>, %z: tensor<7xi64>)
    -> (tensor<10x?xf32>, tensor<?x4x5x3xf32>, tensor<7xi64>) {
  %0 = nabla.transpose %x {perm = [1, 0]} : (tensor<?x10xf32>) -> tensor<10x?xf32>
  %1 = nabla.transpose %y {perm = [0, 2, 3, 1]} : (tensor<?x3x4x5xf32>) -> tensor<?x4x5x3xf32>
  %2 = nabla.transpose %z {perm = [0]} : (tensor<7xi64>) -> tensor<7xi64>
  return %0, %1, %2 : tensor<10x?xf32>, tensor<?x4x5x3xf32>, tensor<7xi64>
}

// -----

// reshape: -1 inferred from a static element count, -1 carrying a dynamic
// batch, and a fully spelled shape.
// CHECK-LABEL: func @reshape
// CHECK: nabla.reshape %arg0 {shape = [-1, 4320]} : (tensor<?x30x12x12xf32>) -> tensor<?x4320xf32>
// CHECK: nabla.reshape %arg1 {shape = [6, -1]} : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
// CHECK: nabla.reshape %arg1 {shape = [24]} : (tensor<2x3x4xf32>) -> tensor<24xf32>
// CHECK: nabla.reshape %arg1 {shape = [4, 1, 6]} : (tensor<2x3x4xf32>) -> tensor<4x1x6xf32>
func @reshape(%x: tensor<?x30x12x12xf32>, %y: tensor<2x3x4xf32>)
    -> (tensor<?x4320xf32>, tensor<6x4xf32>, tensor<24xf32>, tensor<4x1x6xf32>) {
  %0 = nabla.reshape %x {shape = [-1, 4320]} : (tensor<?x30x12x12xf32>) -> tensor<?x4320xf32>
  %1 = nabla.reshape %y {shape = [6, -1]} : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
  %2 = nabla.reshape %y {shape = [24]} : (tensor<2x3x4xf32>) -> tensor<24xf32>
  %3 = nabla.reshape %y {shape = [4, 1, 6]} : (tensor<2x3x4xf32>) -> tensor<4x1x6xf32>
  return %0, %1, %2, %3 : tensor<?x4320xf32>, tensor<6x4xf32>, tensor<24xf32>, tensor<4x1x6xf32>
}

// -----

// flatten: the default axis 1 (not printed), axis 0, axis = rank, and a
// negative axis.
// CHECK-LABEL: func @flatten
// CHECK: nabla.flatten %arg0 : (tensor<?x30x12x12xf32>) -> tensor<?x4320xf32>
// CHECK: nabla.flatten %arg1 {axis = 0 : i64} : (tensor<2x3x4xf32>) -> tensor<1x24xf32>
// CHECK: nabla.flatten %arg1 {axis = 3 : i64} : (tensor<2x3x4xf32>) -> tensor<24x1xf32>
// CHECK: nabla.flatten %arg1 {axis = -1 : i64} : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
// CHECK: nabla.flatten %arg0 {axis = 2 : i64} : (tensor<?x30x12x12xf32>) -> tensor<?x144xf32>
func @flatten(%x: tensor<?x30x12x12xf32>, %y: tensor<2x3x4xf32>)
    -> (tensor<?x4320xf32>, tensor<1x24xf32>, tensor<24x1xf32>, tensor<6x4xf32>, tensor<?x144xf32>) {
  %0 = nabla.flatten %x : (tensor<?x30x12x12xf32>) -> tensor<?x4320xf32>
  %1 = nabla.flatten %y {axis = 0} : (tensor<2x3x4xf32>) -> tensor<1x24xf32>
  %2 = nabla.flatten %y {axis = 3} : (tensor<2x3x4xf32>) -> tensor<24x1xf32>
  %3 = nabla.flatten %y {axis = -1} : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
  %4 = nabla.flatten %x {axis = 2} : (tensor<?x30x12x12xf32>) -> tensor<?x144xf32>
  return %0, %1, %2, %3, %4 : tensor<?x4320xf32>, tensor<1x24xf32>, tensor<24x1xf32>, tensor<6x4xf32>, tensor<?x144xf32>
}

// -----

// broadcast_like takes only the shape of `like` (any element type).
// CHECK-LABEL: func @broadcast_like
// CHECK: nabla.broadcast_like %arg0, %arg1 : (tensor<?x1xf32>, tensor<?x10xf32>) -> tensor<?x10xf32>
// CHECK: nabla.broadcast_like %arg2, %arg1 : (tensor<f32>, tensor<?x10xf32>) -> tensor<?x10xf32>
// CHECK: nabla.broadcast_like %arg3, %arg4 : (tensor<10xf32>, tensor<4x10xi64>) -> tensor<4x10xf32>
func @broadcast_like(%g: tensor<?x1xf32>, %x: tensor<?x10xf32>, %s: tensor<f32>, %b: tensor<10xf32>,
                     %i: tensor<4x10xi64>) -> (tensor<?x10xf32>, tensor<?x10xf32>, tensor<4x10xf32>) {
  %0 = nabla.broadcast_like %g, %x : (tensor<?x1xf32>, tensor<?x10xf32>) -> tensor<?x10xf32>
  %1 = nabla.broadcast_like %s, %x : (tensor<f32>, tensor<?x10xf32>) -> tensor<?x10xf32>
  %2 = nabla.broadcast_like %b, %i : (tensor<10xf32>, tensor<4x10xi64>) -> tensor<4x10xf32>
  return %0, %1, %2 : tensor<?x10xf32>, tensor<?x10xf32>, tensor<4x10xf32>
}

// -----

// sum_to_like: the adjoint of broadcasting, over leading and size-1 dims.
// CHECK-LABEL: func @sum_to_like
// CHECK: nabla.sum_to_like %arg0, %arg1 : (tensor<?x10xf32>, tensor<10xf32>) -> tensor<10xf32>
// CHECK: nabla.sum_to_like %arg2, %arg3 : (tensor<4x3x5xf32>, tensor<3x1xf32>) -> tensor<3x1xf32>
// CHECK: nabla.sum_to_like %arg0, %arg4 : (tensor<?x10xf32>, tensor<f32>) -> tensor<f32>
func @sum_to_like(%g: tensor<?x10xf32>, %b: tensor<10xf32>, %h: tensor<4x3x5xf32>, %q: tensor<3x1xf32>,
                  %s: tensor<f32>) -> (tensor<10xf32>, tensor<3x1xf32>, tensor<f32>) {
  %0 = nabla.sum_to_like %g, %b : (tensor<?x10xf32>, tensor<10xf32>) -> tensor<10xf32>
  %1 = nabla.sum_to_like %h, %q : (tensor<4x3x5xf32>, tensor<3x1xf32>) -> tensor<3x1xf32>
  %2 = nabla.sum_to_like %g, %s : (tensor<?x10xf32>, tensor<f32>) -> tensor<f32>
  return %0, %1, %2 : tensor<10xf32>, tensor<3x1xf32>, tensor<f32>
}

// -----

// num_elements: all dimensions by default, some axes, negative axes.
// CHECK-LABEL: func @num_elements
// CHECK: nabla.num_elements %arg0 : (tensor<?x10xf32>) -> tensor<f32>
// CHECK: nabla.num_elements %arg0 {axes = [0]} : (tensor<?x10xf32>) -> tensor<f32>
// CHECK: nabla.num_elements %arg1 {axes = [-1, 0]} : (tensor<2x3x4xi64>) -> tensor<f32>
func @num_elements(%x: tensor<?x10xf32>, %i: tensor<2x3x4xi64>) -> (tensor<f32>, tensor<f32>, tensor<f32>) {
  %0 = nabla.num_elements %x : (tensor<?x10xf32>) -> tensor<f32>
  %1 = nabla.num_elements %x {axes = [0]} : (tensor<?x10xf32>) -> tensor<f32>
  %2 = nabla.num_elements %i {axes = [-1, 0]} : (tensor<2x3x4xi64>) -> tensor<f32>
  return %0, %1, %2 : tensor<f32>, tensor<f32>, tensor<f32>
}
