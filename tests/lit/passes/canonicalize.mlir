// --canonicalize on nabla ops: results nobody uses are erased (every nabla op
// is pure) and equal constants are folded into one.
// The SimpleConvNet model is checked to survive --canonicalize in
// models/simple_convnet.mlir.
// RUN: nabla-opt --split-input-file --canonicalize %s | FileCheck %s

// CHECK-LABEL: func @erase_unused
// CHECK-NEXT: %[[R:.*]] = nabla.relu %arg0 : tensor<?x10xf32>
// CHECK-NEXT: return %[[R]] : tensor<?x10xf32>
func @erase_unused(%x: tensor<?x10xf32>, %w: tensor<10x10xf32>) -> tensor<?x10xf32> {
  %unused = nabla.matmul %x, %w : (tensor<?x10xf32>, tensor<10x10xf32>) -> tensor<?x10xf32>
  %r = nabla.relu %x : tensor<?x10xf32>
  %unused2 = nabla.softmax %r : tensor<?x10xf32>
  return %r : tensor<?x10xf32>
}

// -----

// CHECK-LABEL: func @unique_constants
// CHECK-NEXT: %[[C:.*]] = nabla.constant dense<1.000000e+00> : tensor<10xf32>
// CHECK-NEXT: %[[A:.*]] = nabla.add %arg0, %[[C]] : (tensor<?x10xf32>, tensor<10xf32>) -> tensor<?x10xf32>
// CHECK-NEXT: %[[B:.*]] = nabla.mul %[[A]], %[[C]] : (tensor<?x10xf32>, tensor<10xf32>) -> tensor<?x10xf32>
// CHECK-NEXT: return %[[B]] : tensor<?x10xf32>
func @unique_constants(%x: tensor<?x10xf32>) -> tensor<?x10xf32> {
  %c1 = nabla.constant dense<1.0> : tensor<10xf32>
  %a = nabla.add %x, %c1 : (tensor<?x10xf32>, tensor<10xf32>) -> tensor<?x10xf32>
  %c2 = nabla.constant dense<1.0> : tensor<10xf32>
  %b = nabla.mul %a, %c2 : (tensor<?x10xf32>, tensor<10xf32>) -> tensor<?x10xf32>
  return %b : tensor<?x10xf32>
}
