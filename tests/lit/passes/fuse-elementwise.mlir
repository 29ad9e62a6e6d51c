// RUN: nabla-opt --split-input-file --nabla-fuse-elementwise %s | FileCheck %s

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
