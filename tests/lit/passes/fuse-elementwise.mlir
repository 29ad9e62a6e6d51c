// RUN: nabla-opt --split-input-file --nabla-fuse-elementwise %s | FileCheck %s
// RUN: %python %S/Inputs/pointwise_chain.py 130 | nabla-opt --nabla-fuse-elementwise | FileCheck %s --check-prefix=LONG

// A chain of 130 ops stores every 64th value (the 64th, the 128th) and the
// returned one: no loop computes more than 64 of its ops (InlineDepth.h).
// A stored value's line has no attribute between its operands and the colon.
// LONG-COUNT-63: {nabla.inline}
// LONG-NEXT: %63 = nabla.{{[a-z]+}} %62, %arg1 : (
// LONG-COUNT-63: {nabla.inline}
// LONG-NEXT: %127 = nabla.{{[a-z]+}} %126, %arg1 : (
// LONG-NEXT: %128 = nabla.{{[a-z]+}} %127, %arg1 {nabla.inline}
// LONG-NEXT: %129 = nabla.{{[a-z]+}} %128, %arg1 : (
// LONG-NEXT: return %129

// A chain: each value has one elementwise user of its type and is inlined;
// the returned value is not.
// CHECK-LABEL: func @chain
// CHECK-NEXT: nabla.exp %arg0 {nabla.inline}
// CHECK-NEXT: nabla.mul %{{.*}}, %arg1 {nabla.inline}
// CHECK-NEXT: nabla.sqrt %{{.*}} : tensor
func @chain(%x: tensor<?x10xf32>, %y: tensor<?x10xf32>) -> tensor<?x10xf32> {
  %e = nabla.exp %x : tensor<?x10xf32>
  %m = nabla.mul %e, %y : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<?x10xf32>
  %s = nabla.sqrt %m : tensor<?x10xf32>
  return %s : tensor<?x10xf32>
}

// -----

// Two users: recomputing would double the work, so %e is stored.
// CHECK-LABEL: func @two_users
// CHECK-NEXT: nabla.exp %arg0 : tensor
// CHECK-NEXT: nabla.relu %{{.*}} {nabla.inline}
func @two_users(%x: tensor<8xf32>) -> tensor<8xf32> {
  %e = nabla.exp %x : tensor<8xf32>
  %r = nabla.relu %e : tensor<8xf32>
  %a = nabla.add %r, %e : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %a : tensor<8xf32>
}

// -----

// A bias broadcast into a larger result would be recomputed for every row,
// and a matmul reads its operands many times: neither producer is inlined.
// CHECK-LABEL: func @not_elementwise_reads
// CHECK-NEXT: nabla.exp %arg1 : tensor<10xf32>
// CHECK-NEXT: nabla.add
// CHECK-NEXT: nabla.relu %{{.*}} : tensor<10x10xf32>
// CHECK-NEXT: nabla.matmul
func @not_elementwise_reads(%x: tensor<10x10xf32>, %b: tensor<10xf32>) -> tensor<10x10xf32> {
  %e = nabla.exp %b : tensor<10xf32>
  %a = nabla.add %x, %e : (tensor<10x10xf32>, tensor<10xf32>) -> tensor<10x10xf32>
  %r = nabla.relu %a : tensor<10x10xf32>
  %m = nabla.matmul %r, %x : (tensor<10x10xf32>, tensor<10x10xf32>) -> tensor<10x10xf32>
  return %m : tensor<10x10xf32>
}

// -----

// A stale mark from an earlier run is removed when the value no longer fuses.
// CHECK-LABEL: func @stale_mark
// CHECK-NEXT: nabla.exp %arg0 : tensor<4xf32>
func @stale_mark(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %e = nabla.exp %x {nabla.inline} : tensor<4xf32>
  %r = nabla.relu %e : tensor<4xf32>
  return %e, %r : tensor<4xf32>, tensor<4xf32>
}

// -----

// A max-pool gradient whose windows tile the image is pointwise: relu's mask
// computes it inline. Overlapping windows sum several gradients per pixel
// and stay stored.
// CHECK-LABEL: func @pool_gradient
// CHECK-NEXT: nabla.max_pool2d_backward %arg0, %arg1 {kernel_shape = [2, 2], nabla.inline, strides = [2, 2]}
// CHECK-NEXT: nabla.step %arg0 {nabla.inline}
// CHECK: nabla.max_pool2d_backward %arg0, %arg2 {kernel_shape = [2, 2]} :
// CHECK-NEXT: nabla.step %arg0 {nabla.inline}
func @pool_gradient(%x: tensor<?x3x8x8xf32>, %dy: tensor<?x3x4x4xf32>, %dy1: tensor<?x3x7x7xf32>)
    -> (tensor<?x3x8x8xf32>, tensor<?x3x8x8xf32>) {
  %g = nabla.max_pool2d_backward %x, %dy {kernel_shape = [2, 2], strides = [2, 2]} : (tensor<?x3x8x8xf32>, tensor<?x3x4x4xf32>) -> tensor<?x3x8x8xf32>
  %s = nabla.step %x : tensor<?x3x8x8xf32>
  %m = nabla.mul %g, %s : (tensor<?x3x8x8xf32>, tensor<?x3x8x8xf32>) -> tensor<?x3x8x8xf32>
  %g1 = nabla.max_pool2d_backward %x, %dy1 {kernel_shape = [2, 2]} : (tensor<?x3x8x8xf32>, tensor<?x3x7x7xf32>) -> tensor<?x3x8x8xf32>
  %s1 = nabla.step %x : tensor<?x3x8x8xf32>
  %m1 = nabla.mul %g1, %s1 : (tensor<?x3x8x8xf32>, tensor<?x3x8x8xf32>) -> tensor<?x3x8x8xf32>
  return %m, %m1 : tensor<?x3x8x8xf32>, tensor<?x3x8x8xf32>
}
