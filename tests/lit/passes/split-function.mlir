// RUN: nabla-opt --split-input-file --nabla-split-function="function=f parts=2" %s | FileCheck %s
// RUN: not nabla-opt --split-input-file --nabla-split-function="function=g parts=2" %s 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not nabla-opt --split-input-file --nabla-split-function="function=f parts=0" %s 2>&1 | FileCheck %s --check-prefix=PARTS

// Weights: each matmul 10, each elementwise op 1, so the even cut is at 11
// of 22. Both gaps within a tenth of a part of it (after the first matmul,
// 10; after the add, 11) are valid; only the matmul's result crosses the
// first, while the add's would be stored across the second (the backend
// computes such light values inside their readers), so the cut is after
// the matmul. The function's arguments keep their names and roles in each
// part that reads them; the crossing value says which op computed it.
// CHECK-LABEL: func @f_part0(
// CHECK-SAME: %arg0: tensor<?x8xf32> {nabla.name = "x", nabla.role = "input"}
// CHECK-SAME: %arg1: tensor<8x8xf32> {nabla.name = "w", nabla.role = "param"}
// CHECK-SAME: -> tensor<?x8xf32>
// CHECK-NEXT: nabla.matmul
// CHECK-NEXT: return
// CHECK-LABEL: func @f_part1(
// CHECK-SAME: %arg0: tensor<?x8xf32> {nabla.computed_by = "nabla.matmul", nabla.role = "intermediate"}
// CHECK-SAME: %arg1: tensor<8x8xf32> {nabla.name = "w", nabla.role = "param"}
// CHECK-SAME: -> (tensor<?x8xf32> {nabla.name = "y"})
// CHECK-NEXT: nabla.add
// CHECK-NEXT: nabla.matmul
// CHECK-NEXT: nabla.mul
// CHECK-NEXT: return
// CHECK-LABEL: func @f(
// CHECK-NEXT: %[[A:.*]] = call @f_part0(%arg0, %arg1)
// CHECK-NEXT: %[[B:.*]] = call @f_part1(%[[A]], %arg1)
// CHECK-NEXT: return %[[B]]
// MISSING: error: --nabla-split-function: no function @g to split
// PARTS: error: --nabla-split-function: parts must be at least 1, got 0
func @f(%x: tensor<?x8xf32> {nabla.name = "x", nabla.role = "input"},
        %w: tensor<8x8xf32> {nabla.name = "w", nabla.role = "param"})
    -> (tensor<?x8xf32> {nabla.name = "y"}) {
  %0 = nabla.matmul %x, %w : (tensor<?x8xf32>, tensor<8x8xf32>) -> tensor<?x8xf32>
  %1 = nabla.add %0, %0 : (tensor<?x8xf32>, tensor<?x8xf32>) -> tensor<?x8xf32>
  %2 = nabla.matmul %1, %w : (tensor<?x8xf32>, tensor<8x8xf32>) -> tensor<?x8xf32>
  %3 = nabla.mul %2, %1 : (tensor<?x8xf32>, tensor<?x8xf32>) -> tensor<?x8xf32>
  return %3 : tensor<?x8xf32>
}

// -----

// A value computed inside its reader (nabla.inline) and a loop group stay
// whole. Weights 10 (the matmul) + 4: the even cut, 7, would fall after the
// inline mul (invalid) or inside the group (invalid); the valid gap after
// the group is 6 away, beyond half a part, so the cut is the one after the
// matmul, 3 away.
// CHECK-LABEL: func @f_part0(
// CHECK-NEXT: nabla.matmul
// CHECK-NEXT: return
// CHECK-LABEL: func @f_part1(
// CHECK-NEXT: nabla.mul {{.*}} {nabla.inline}
// CHECK-NEXT: nabla.add {{.*}} {nabla.loop_group = 0
// CHECK-NEXT: nabla.add {{.*}} {nabla.loop_group = 0
// CHECK-NEXT: nabla.sub
// CHECK-NEXT: return
func @f(%x: tensor<4x4xf32>, %w: tensor<4x4xf32>) -> (tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>) {
  %0 = nabla.matmul %x, %w : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %1 = nabla.mul %0, %0 {nabla.inline} : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %2 = nabla.add %1, %x {nabla.loop_group = 0 : i64} : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %3 = nabla.add %1, %w {nabla.loop_group = 0 : i64} : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %4 = nabla.sub %2, %3 : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  return %2, %3, %4 : tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>
}
