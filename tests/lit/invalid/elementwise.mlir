// Invalid uses of the ops of ir/ops/ElementwiseOps.td; each diagnostic must
// name the op and the shapes or types at fault.
// RUN: nabla-opt --split-input-file --verify-diagnostics %s

func @add_not_broadcastable(%a: tensor<?x10xf32>, %b: tensor<5xf32>) {
  // expected-error @+1 {{'nabla.add' op operands do not broadcast: tensor<?x10xf32> and tensor<5xf32> differ in dimension 1 of the broadcast shape (10 vs 5)}}
  %0 = nabla.add %a, %b : (tensor<?x10xf32>, tensor<5xf32>) -> tensor<?x10xf32>
  return
}

// -----

// The dimension is counted in the broadcast shape (the rhs is right-aligned).
func @mul_not_broadcastable_3d(%a: tensor<2x3x4xf32>, %b: tensor<5x4xf32>) {
  // expected-error @+1 {{'nabla.mul' op operands do not broadcast: tensor<2x3x4xf32> and tensor<5x4xf32> differ in dimension 1 of the broadcast shape (3 vs 5)}}
  %0 = nabla.mul %a, %b : (tensor<2x3x4xf32>, tensor<5x4xf32>) -> tensor<2x3x4xf32>
  return
}

// -----

func @sub_wrong_result_type(%a: tensor<4x10xf32>, %b: tensor<10xf32>) {
  // expected-error @+1 {{'nabla.sub' op inferred type(s) 'tensor<4x10xf32>' are incompatible with return type(s) of operation 'tensor<4x11xf32>'}}
  %0 = nabla.sub %a, %b : (tensor<4x10xf32>, tensor<10xf32>) -> tensor<4x11xf32>
  return
}

// -----

func @unary_wrong_result_type(%a: tensor<4xf32>) {
  // expected-error @+1 {{'nabla.exp' op requires the same type for all operands and results}}
  %0 = "nabla.exp"(%a) : (tensor<4xf32>) -> tensor<5xf32>
  return
}

// -----

func @unary_unranked(%a: tensor<*xf32>) {
  // expected-error @+1 {{'nabla.relu' op input must be a ranked tensor, got tensor<*xf32>}}
  %0 = nabla.relu %a : tensor<*xf32>
  return
}

// -----

func @binary_unranked(%a: tensor<*xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'nabla.div' op lhs must be a ranked tensor, got tensor<*xf32>}}
  %0 = nabla.div %a, %b : (tensor<*xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func @unary_i32(%a: tensor<4xi32>) {
  // expected-error @+1 {{'nabla.relu' op operand #0 must be ranked tensor of 32-bit float values, but got 'tensor<4xi32>'}}
  %0 = nabla.relu %a : tensor<4xi32>
  return
}

// -----

func @binary_i32(%a: tensor<4xi32>, %b: tensor<4xi32>) {
  // expected-error @+1 {{'nabla.pow' op operand #0 must be ranked tensor of 32-bit float values, but got 'tensor<4xi32>'}}
  %0 = nabla.pow %a, %b : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  return
}

// -----

func @unary_f16(%a: tensor<4xf16>) {
  // expected-error @+1 {{'nabla.sigmoid' op operand #0 must be ranked tensor of 32-bit float values, but got 'tensor<4xf16>'}}
  %0 = nabla.sigmoid %a : tensor<4xf16>
  return
}

// -----

func @binary_mixed_element_types(%a: tensor<4xf32>, %b: tensor<4xf16>) {
  // expected-error @+1 {{'nabla.add' op operand element types differ: tensor<4xf32> and tensor<4xf16>}}
  %0 = nabla.add %a, %b : (tensor<4xf32>, tensor<4xf16>) -> tensor<4xf32>
  return
}

// -----

func @constant_without_value() {
  // expected-error @+1 {{'nabla.constant' op requires attribute 'value'}}
  %0 = "nabla.constant"() : () -> tensor<2xf32>
  return
}

// -----

func @constant_wrong_result_type() {
  // expected-error @+1 {{'nabla.constant' op inferred type(s) 'tensor<2xf32>' are incompatible with return type(s) of operation 'tensor<3xf32>'}}
  %0 = "nabla.constant"() {value = dense<1.0> : tensor<2xf32>} : () -> tensor<3xf32>
  return
}

// -----

func @constant_value_not_elements() {
  // expected-error @+1 {{'nabla.constant' op attribute 'value' failed to satisfy constraint: constant vector/tensor attribute}}
  %0 = "nabla.constant"() {value = 1.0 : f32} : () -> tensor<f32>
  return
}
