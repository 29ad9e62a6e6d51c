// --cse merges identical nabla ops: every nabla op is pure (NoSideEffect), so
// two ops with the same operands and attributes compute the same value.
// RUN: nabla-opt --split-input-file --cse %s | FileCheck %s

// The second conv2d and relu are merged into the first; the add then reads
// one value twice.
// CHECK-LABEL: func @merge_identical
// CHECK-NEXT: %[[C:.*]] = nabla.conv2d %arg0, %arg1 : (tensor<?x1x28x28xf32>, tensor<30x1x5x5xf32>) -> tensor<?x30x24x24xf32>
// CHECK-NEXT: %[[R:.*]] = nabla.relu %[[C]] : tensor<?x30x24x24xf32>
// CHECK-NEXT: %[[A:.*]] = nabla.add %[[R]], %[[R]] : (tensor<?x30x24x24xf32>, tensor<?x30x24x24xf32>) -> tensor<?x30x24x24xf32>
// CHECK-NEXT: return %[[A]] : tensor<?x30x24x24xf32>
func @merge_identical(%x: tensor<?x1x28x28xf32>, %w: tensor<30x1x5x5xf32>) -> tensor<?x30x24x24xf32> {
  %c1 = nabla.conv2d %x, %w : (tensor<?x1x28x28xf32>, tensor<30x1x5x5xf32>) -> tensor<?x30x24x24xf32>
  %c2 = nabla.conv2d %x, %w : (tensor<?x1x28x28xf32>, tensor<30x1x5x5xf32>) -> tensor<?x30x24x24xf32>
  %r1 = nabla.relu %c1 : tensor<?x30x24x24xf32>
  %r2 = nabla.relu %c2 : tensor<?x30x24x24xf32>
  %a = nabla.add %r1, %r2 : (tensor<?x30x24x24xf32>, tensor<?x30x24x24xf32>) -> tensor<?x30x24x24xf32>
  return %a : tensor<?x30x24x24xf32>
}

// -----

// Ops that differ in an attribute are kept apart.
// CHECK-LABEL: func @keep_different_attributes
// CHECK: %[[A:.*]] = nabla.max_pool2d %arg0 {kernel_shape = [2, 2], strides = [2, 2]}
// CHECK: %[[B:.*]] = nabla.max_pool2d %arg0 {kernel_shape = [2, 2], pads = [0, 0, 0, 0], strides = [2, 2]}
// CHECK: return %[[A]], %[[B]]
func @keep_different_attributes(%x: tensor<?x30x24x24xf32>) -> (tensor<?x30x12x12xf32>, tensor<?x30x12x12xf32>) {
  %0 = nabla.max_pool2d %x {kernel_shape = [2, 2], strides = [2, 2]} : (tensor<?x30x24x24xf32>) -> tensor<?x30x12x12xf32>
  %1 = nabla.max_pool2d %x {kernel_shape = [2, 2], strides = [2, 2], pads = [0, 0, 0, 0]} : (tensor<?x30x24x24xf32>) -> tensor<?x30x12x12xf32>
  return %0, %1 : tensor<?x30x12x12xf32>, tensor<?x30x12x12xf32>
}

// -----

// dropout's mask is a pure function of (seed, step, element index), so two
// dropouts with the same seed and step are the same draw and merge; another
// seed is another draw.
// CHECK-LABEL: func @dropout_by_seed
// CHECK: %[[R1:.*]], %{{.*}} = nabla.dropout %arg0, %arg1 {seed = 1 : i64, training}
// CHECK: %[[R2:.*]], %{{.*}} = nabla.dropout %arg0, %arg1 {seed = 2 : i64, training}
// CHECK-NOT: nabla.dropout
// CHECK: return %[[R1]], %[[R2]], %[[R1]]
func @dropout_by_seed(%x: tensor<?x100xf32>, %s: tensor<i64>) -> (tensor<?x100xf32>, tensor<?x100xf32>, tensor<?x100xf32>) {
  %d1, %m1 = nabla.dropout %x, %s {seed = 1, training} : (tensor<?x100xf32>, tensor<i64>) -> (tensor<?x100xf32>, tensor<?x100xf32>)
  %d2, %m2 = nabla.dropout %x, %s {seed = 2, training} : (tensor<?x100xf32>, tensor<i64>) -> (tensor<?x100xf32>, tensor<?x100xf32>)
  %d3, %m3 = nabla.dropout %x, %s {seed = 1, training} : (tensor<?x100xf32>, tensor<i64>) -> (tensor<?x100xf32>, tensor<?x100xf32>)
  return %d1, %d2, %d3 : tensor<?x100xf32>, tensor<?x100xf32>, tensor<?x100xf32>
}
