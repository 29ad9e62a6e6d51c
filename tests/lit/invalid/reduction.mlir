// Invalid uses of the ops of ir/ops/ReductionOps.td; each diagnostic must
// name the op and the shapes or attributes at fault.
// RUN: nabla-opt --split-input-file --verify-diagnostics %s

func @reduce_axis_out_of_range(%a: tensor<?x10xf32>) {
  // expected-error @+1 {{'nabla.reduce_sum' op axis 2 (attribute 'axes') is out of range for rank-2 tensor<?x10xf32>}}
  %0 = nabla.reduce_sum %a {axes = [2]} : (tensor<?x10xf32>) -> tensor<?xf32>
  return
}

// -----

func @reduce_negative_axis_out_of_range(%a: tensor<?x10xf32>) {
  // expected-error @+1 {{'nabla.reduce_mean' op axis -3 (attribute 'axes') is out of range for rank-2 tensor<?x10xf32>}}
  %0 = nabla.reduce_mean %a {axes = [-3]} : (tensor<?x10xf32>) -> tensor<?xf32>
  return
}

// -----

// 0 and -3 name the same axis of a rank-3 tensor.
func @reduce_duplicate_axis(%a: tensor<2x3x4xf32>) {
  // expected-error @+1 {{'nabla.reduce_max' op axis -3 is listed twice in 'axes' [0, -3]}}
  %0 = nabla.reduce_max %a {axes = [0, -3]} : (tensor<2x3x4xf32>) -> tensor<3x4xf32>
  return
}

// -----

// Without keepdims the reduced axis disappears.
func @reduce_wrong_result_type(%a: tensor<2x3x4xf32>) {
  // expected-error @+1 {{'nabla.reduce_sum' op inferred type(s) 'tensor<2x4xf32>' are incompatible with return type(s) of operation 'tensor<2x1x4xf32>'}}
  %0 = nabla.reduce_sum %a {axes = [1]} : (tensor<2x3x4xf32>) -> tensor<2x1x4xf32>
  return
}

// -----

// A mistyped attribute is reported as such, not replaced by its default.
func @reduce_axes_not_array(%a: tensor<2x3x4xf32>) {
  // expected-error @+1 {{'nabla.reduce_sum' op attribute 'axes' failed to satisfy constraint: 64-bit integer array attribute}}
  %0 = nabla.reduce_sum %a {axes = 1} : (tensor<2x3x4xf32>) -> tensor<2x4xf32>
  return
}

// -----

func @reduce_i32(%a: tensor<2x3x4xi32>) {
  // expected-error @+1 {{'nabla.reduce_sum' op operand #0 must be ranked tensor of 32-bit float values, but got 'tensor<2x3x4xi32>'}}
  %0 = nabla.reduce_sum %a {axes = [1]} : (tensor<2x3x4xi32>) -> tensor<2x4xi32>
  return
}

// -----

func @reduce_unranked(%a: tensor<*xf32>) {
  // expected-error @+1 {{'nabla.reduce_sum' op input must be a ranked tensor, got tensor<*xf32>}}
  %0 = nabla.reduce_sum %a : (tensor<*xf32>) -> tensor<f32>
  return
}

// -----

func @argmax_axis_out_of_range(%a: tensor<?x10xf32>) {
  // expected-error @+1 {{'nabla.argmax' op axis 2 (attribute 'axis') is out of range for rank-2 tensor<?x10xf32>}}
  %0 = nabla.argmax %a {axis = 2} : (tensor<?x10xf32>) -> tensor<?xi64>
  return
}

// -----

func @argmax_i32_result(%a: tensor<?x10xf32>) {
  // expected-error @+1 {{'nabla.argmax' op inferred type(s) 'tensor<?xi64>' are incompatible with return type(s) of operation 'tensor<?xi32>'}}
  %0 = nabla.argmax %a : (tensor<?x10xf32>) -> tensor<?xi32>
  return
}

// -----

func @softmax_axis_out_of_range(%a: tensor<?x10xf32>) {
  // expected-error @+1 {{'nabla.softmax' op axis -3 (attribute 'axis') is out of range for rank-2 tensor<?x10xf32>}}
  %0 = nabla.softmax %a {axis = -3} : tensor<?x10xf32>
  return
}

// -----

func @log_softmax_axis_out_of_range(%a: tensor<?x10xf32>) {
  // expected-error @+1 {{'nabla.log_softmax' op axis 2 (attribute 'axis') is out of range for rank-2 tensor<?x10xf32>}}
  %0 = nabla.log_softmax %a {axis = 2} : tensor<?x10xf32>
  return
}

// -----

func @softmax_i32(%a: tensor<?x10xi32>) {
  // expected-error @+1 {{'nabla.softmax' op operand #0 must be ranked tensor of 32-bit float values, but got 'tensor<?x10xi32>'}}
  %0 = nabla.softmax %a : tensor<?x10xi32>
  return
}

// -----

func @softmax_wrong_result_type(%a: tensor<?x10xf32>) {
  // expected-error @+1 {{'nabla.softmax' op requires the same type for all operands and results}}
  %0 = "nabla.softmax"(%a) : (tensor<?x10xf32>) -> tensor<?x11xf32>
  return
}
