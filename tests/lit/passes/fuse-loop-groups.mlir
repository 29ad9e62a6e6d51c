// RUN: nabla-opt --split-input-file --nabla-fuse-elementwise --nabla-fuse-loop-groups %s | FileCheck %s
// RUN: nablac %s -emit=halide-stmt --entry adam | FileCheck %s --check-prefix=STMT
// RUN: %python %S/Inputs/pointwise_chain.py 130 --square | nabla-opt --nabla-fuse-elementwise --nabla-fuse-loop-groups | FileCheck %s --check-prefix=SQUARES
// RUN: %python %S/Inputs/pointwise_chain.py 70 --return-first | nabla-opt --nabla-fuse-elementwise --nabla-fuse-loop-groups | FileCheck %s --check-prefix=WIDE

// v(i+1) = v(i) * v(i): each value has two reads by one member, so this pass
// inlines them, but a loop still computes at most 64 ops of the chain.
// SQUARES-COUNT-63: {nabla.inline}
// SQUARES-NEXT: %63 = nabla.mul %62, %62 : (
// SQUARES-COUNT-63: {nabla.inline}
// SQUARES-NEXT: %127 = nabla.mul %126, %126 : (
// SQUARES-NEXT: %128 = nabla.mul %127, %127 {nabla.inline}
// SQUARES-NEXT: %129 = nabla.mul %128, %128 : (

// A component of 70 members returning two values forms no loop group: it
// would inline the whole chain into one loop.
// WIDE-NOT: nabla.loop_group

// Adam's update of one parameter: the regularized gradient %g has two
// readers in the component and is inlined into both; the new moments and
// parameter are returned and share group 0. The scalar 1 - beta is not a
// member (rank 0) and stays stored.
// CHECK-LABEL: func @adam
// CHECK:      %[[G:.*]] = nabla.add %arg1, %{{.*}} {nabla.inline}
// CHECK:      nabla.sub %{{.*}}, %arg6 : (tensor<f32>, tensor<f32>)
// CHECK:      %[[M:.*]] = nabla.add %{{.*}}, %{{.*}} {nabla.loop_group = 0 : i64}
// CHECK:      nabla.mul %[[G]], %[[G]] {nabla.inline}
// CHECK:      %[[V:.*]] = nabla.add %{{.*}}, %{{.*}} {nabla.loop_group = 0 : i64}
// CHECK:      %[[W:.*]] = nabla.sub %arg0, %{{.*}} {nabla.loop_group = 0 : i64}
// CHECK-NEXT: return %[[W]], %[[M]], %[[V]]
//
// The backend computes the three in one loop nest: each row's vectors of all
// three in turn, from the inputs alone. The rows are 100 wide: full vectors
// (16 lanes with AVX-512, 8 with AVX2), the last shifted back to end at
// element 100.
// STMT:      produce result1
// STMT:      for (result0$1.s0.d1.fused.vectors, 0, {{6|12}})
// STMT-NEXT:   let
// STMT-NEXT:   let
// STMT-NEXT:   result0$1[{{.*}}] =
// STMT-NEXT:   result1$1[{{.*}}] =
// STMT:        result2$1[{{.*}}] =
// STMT:      }
// STMT:      result0$1[ramp({{.*}} + {{84, 1, 16|92, 1, 8}})] =
// STMT:      result1$1[ramp({{.*}} + {{84, 1, 16|92, 1, 8}})] =
// STMT:      result2$1[ramp({{.*}} + {{84, 1, 16|92, 1, 8}})] =
func @adam(%w: tensor<64x100xf32>, %dw: tensor<64x100xf32>, %m0: tensor<64x100xf32>, %v0: tensor<64x100xf32>,
           %lr: tensor<f32>, %wd: tensor<f32>, %b1: tensor<f32>, %b2: tensor<f32>, %eps: tensor<f32>)
    -> (tensor<64x100xf32>, tensor<64x100xf32>, tensor<64x100xf32>) {
  %one = nabla.constant dense<1.0> : tensor<f32>
  %decay = nabla.mul %wd, %w : (tensor<f32>, tensor<64x100xf32>) -> tensor<64x100xf32>
  %g = nabla.add %dw, %decay : (tensor<64x100xf32>, tensor<64x100xf32>) -> tensor<64x100xf32>
  %mm = nabla.mul %b1, %m0 : (tensor<f32>, tensor<64x100xf32>) -> tensor<64x100xf32>
  %c1 = nabla.sub %one, %b1 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %gm = nabla.mul %c1, %g : (tensor<f32>, tensor<64x100xf32>) -> tensor<64x100xf32>
  %m = nabla.add %mm, %gm : (tensor<64x100xf32>, tensor<64x100xf32>) -> tensor<64x100xf32>
  %vv = nabla.mul %b2, %v0 : (tensor<f32>, tensor<64x100xf32>) -> tensor<64x100xf32>
  %c2 = nabla.sub %one, %b2 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %g2 = nabla.mul %g, %g : (tensor<64x100xf32>, tensor<64x100xf32>) -> tensor<64x100xf32>
  %gv = nabla.mul %c2, %g2 : (tensor<f32>, tensor<64x100xf32>) -> tensor<64x100xf32>
  %v = nabla.add %vv, %gv : (tensor<64x100xf32>, tensor<64x100xf32>) -> tensor<64x100xf32>
  %r = nabla.sqrt %v : tensor<64x100xf32>
  %d = nabla.add %r, %eps : (tensor<64x100xf32>, tensor<f32>) -> tensor<64x100xf32>
  %q = nabla.div %m, %d : (tensor<64x100xf32>, tensor<64x100xf32>) -> tensor<64x100xf32>
  %s = nabla.mul %lr, %q : (tensor<f32>, tensor<64x100xf32>) -> tensor<64x100xf32>
  %w1 = nabla.sub %w, %s : (tensor<64x100xf32>, tensor<64x100xf32>) -> tensor<64x100xf32>
  return %w1, %m, %v : tensor<64x100xf32>, tensor<64x100xf32>, tensor<64x100xf32>
}

// -----

// Two components of different shapes get their own groups, numbered in op
// order; a stale group id on a value that no longer qualifies is removed.
// CHECK-LABEL: func @two_groups
// CHECK:      nabla.add %arg0, %arg1 {nabla.loop_group = 0 : i64} : (tensor<8xf32>
// CHECK-NEXT: nabla.mul %{{.*}}, %arg1 {nabla.loop_group = 0 : i64}
// CHECK-NEXT: nabla.add %arg2, %arg3 {nabla.loop_group = 1 : i64} : (tensor<4x4xf32>
// CHECK-NEXT: nabla.exp %{{.*}} {nabla.loop_group = 1 : i64}
// CHECK-NEXT: nabla.exp %arg0 : tensor<8xf32>
func @two_groups(%a: tensor<8xf32>, %b: tensor<8xf32>, %c: tensor<4x4xf32>, %d: tensor<4x4xf32>)
    -> (tensor<8xf32>, tensor<8xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<8xf32>) {
  %s = nabla.add %a, %b : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %p = nabla.mul %s, %b : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %t = nabla.add %c, %d : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %e = nabla.exp %t : tensor<4x4xf32>
  %lone = nabla.exp %a {nabla.loop_group = 7 : i64} : tensor<8xf32>
  return %s, %p, %t, %e, %lone : tensor<8xf32>, tensor<8xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<8xf32>
}

// -----

// A value with two readers in the component and one returned result: the
// whole component is one loop, with nothing to group.
// CHECK-LABEL: func @one_result
// CHECK-NEXT: nabla.exp %arg0 {nabla.inline}
// CHECK-NEXT: nabla.relu %{{.*}} {nabla.inline}
// CHECK-NEXT: nabla.add %{{.*}}, %{{.*}} : (tensor<8xf32>
func @one_result(%x: tensor<8xf32>) -> tensor<8xf32> {
  %e = nabla.exp %x : tensor<8xf32>
  %r = nabla.relu %e : tensor<8xf32>
  %a = nabla.add %r, %e : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %a : tensor<8xf32>
}

// -----

// A member read by a matmul (or any op outside the component) must be
// stored: the component is left as --nabla-fuse-elementwise marked it.
// CHECK-LABEL: func @read_elsewhere
// CHECK-NEXT: nabla.add %arg0, %arg1 : (
// CHECK-NEXT: nabla.mul %{{.*}}, %{{.*}} : (
// CHECK-NEXT: nabla.exp %{{.*}} : tensor<4x4xf32>
// CHECK-NEXT: nabla.matmul
func @read_elsewhere(%a: tensor<4x4xf32>, %b: tensor<4x4xf32>)
    -> (tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>) {
  %s = nabla.add %a, %b : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %p = nabla.mul %s, %s : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %e = nabla.exp %s : tensor<4x4xf32>
  %mm = nabla.matmul %s, %b : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  return %p, %e, %mm : tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>
}

// -----

// A dynamic batch dim: the extents of two values of one type may still
// differ at run time (broadcasting), so no group is formed.
// CHECK-LABEL: func @dynamic
// CHECK-NOT: nabla.loop_group
func @dynamic(%a: tensor<?x4xf32>, %b: tensor<?x4xf32>) -> (tensor<?x4xf32>, tensor<?x4xf32>) {
  %s = nabla.add %a, %b : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
  %p = nabla.mul %s, %b : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
  return %s, %p : tensor<?x4xf32>, tensor<?x4xf32>
}
