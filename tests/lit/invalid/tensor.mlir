// Invalid uses of the ops of ir/ops/TensorOps.td; each diagnostic must name
// the op and the shapes or attributes at fault.
// RUN: nabla-opt --split-input-file --verify-diagnostics %s

func @matmul_contraction_mismatch(%a: tensor<?x784xf32>, %b: tensor<785x50xf32>) {
  // expected-error @+1 {{'nabla.matmul' op contracted dimensions differ: tensor<?x784xf32> x tensor<785x50xf32> contracts 784 with 785}}
  %0 = nabla.matmul %a, %b : (tensor<?x784xf32>, tensor<785x50xf32>) -> tensor<?x50xf32>
  return
}

// -----

// Without the flag these shapes would contract 3 with 3.
func @matmul_transpose_lhs_mismatch(%a: tensor<4x3xf32>, %b: tensor<3x2xf32>) {
  // expected-error @+1 {{'nabla.matmul' op contracted dimensions differ: tensor<4x3xf32> (transposed) x tensor<3x2xf32> contracts 4 with 3}}
  %0 = nabla.matmul %a, %b {transpose_lhs = true} : (tensor<4x3xf32>, tensor<3x2xf32>) -> tensor<3x2xf32>
  return
}

// -----

func @matmul_transpose_rhs_mismatch(%a: tensor<4x3xf32>, %b: tensor<5x4xf32>) {
  // expected-error @+1 {{'nabla.matmul' op contracted dimensions differ: tensor<4x3xf32> x tensor<5x4xf32> (transposed) contracts 3 with 4}}
  %0 = nabla.matmul %a, %b {transpose_rhs = true} : (tensor<4x3xf32>, tensor<5x4xf32>) -> tensor<4x5xf32>
  return
}

// -----

func @matmul_transpose_both_mismatch(%a: tensor<4x3xf32>, %b: tensor<5x3xf32>) {
  // expected-error @+1 {{'nabla.matmul' op contracted dimensions differ: tensor<4x3xf32> (transposed) x tensor<5x3xf32> (transposed) contracts 4 with 3}}
  %0 = nabla.matmul %a, %b {transpose_lhs = true, transpose_rhs = true} : (tensor<4x3xf32>, tensor<5x3xf32>) -> tensor<3x5xf32>
  return
}

// -----

func @matmul_lhs_rank3(%a: tensor<2x4x3xf32>, %b: tensor<3x5xf32>) {
  // expected-error @+1 {{'nabla.matmul' op lhs must have rank 2, got tensor<2x4x3xf32>}}
  %0 = nabla.matmul %a, %b : (tensor<2x4x3xf32>, tensor<3x5xf32>) -> tensor<4x5xf32>
  return
}

// -----

func @matmul_rhs_rank1(%a: tensor<4x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{'nabla.matmul' op rhs must have rank 2, got tensor<3xf32>}}
  %0 = nabla.matmul %a, %b : (tensor<4x3xf32>, tensor<3xf32>) -> tensor<4xf32>
  return
}

// -----

func @matmul_wrong_result_type(%a: tensor<4x3xf32>, %b: tensor<3x5xf32>) {
  // expected-error @+1 {{'nabla.matmul' op inferred type(s) 'tensor<4x5xf32>' are incompatible with return type(s) of operation 'tensor<4x6xf32>'}}
  %0 = nabla.matmul %a, %b : (tensor<4x3xf32>, tensor<3x5xf32>) -> tensor<4x6xf32>
  return
}

// -----

func @matmul_i32(%a: tensor<4x3xi32>, %b: tensor<3x5xi32>) {
  // expected-error @+1 {{'nabla.matmul' op operand #0 must be ranked tensor of 32-bit float values, but got 'tensor<4x3xi32>'}}
  %0 = nabla.matmul %a, %b : (tensor<4x3xi32>, tensor<3x5xi32>) -> tensor<4x5xi32>
  return
}

// -----

func @matmul_unranked(%a: tensor<*xf32>, %b: tensor<3x5xf32>) {
  // expected-error @+1 {{'nabla.matmul' op lhs must be a ranked tensor, got tensor<*xf32>}}
  %0 = nabla.matmul %a, %b : (tensor<*xf32>, tensor<3x5xf32>) -> tensor<?x5xf32>
  return
}

// -----

func @transpose_duplicate(%a: tensor<2x3x4xf32>) {
  // expected-error @+1 {{'nabla.transpose' op perm [0, 0, 1] is not a permutation of the 3 dimensions of tensor<2x3x4xf32>}}
  %0 = nabla.transpose %a {perm = [0, 0, 1]} : (tensor<2x3x4xf32>) -> tensor<2x2x3xf32>
  return
}

// -----

func @transpose_out_of_range(%a: tensor<2x3x4xf32>) {
  // expected-error @+1 {{'nabla.transpose' op perm [0, 3, 1] is not a permutation of the 3 dimensions of tensor<2x3x4xf32>}}
  %0 = nabla.transpose %a {perm = [0, 3, 1]} : (tensor<2x3x4xf32>) -> tensor<2x2x3xf32>
  return
}

// -----

// perm entries are printed as written: -1 must not show up as `?`.
func @transpose_negative(%a: tensor<2x3x4xf32>) {
  // expected-error @+1 {{'nabla.transpose' op perm [-1, 0, 1] is not a permutation of the 3 dimensions of tensor<2x3x4xf32>}}
  %0 = nabla.transpose %a {perm = [-1, 0, 1]} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
  return
}

// -----

func @transpose_too_short(%a: tensor<2x3x4xf32>) {
  // expected-error @+1 {{'nabla.transpose' op perm [1, 0] is not a permutation of the 3 dimensions of tensor<2x3x4xf32>}}
  %0 = nabla.transpose %a {perm = [1, 0]} : (tensor<2x3x4xf32>) -> tensor<3x2xf32>
  return
}

// -----

func @transpose_missing_perm(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'nabla.transpose' op requires attribute 'perm'}}
  %0 = nabla.transpose %a : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return
}

// -----

func @transpose_perm_not_array(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'nabla.transpose' op attribute 'perm' failed to satisfy constraint: 64-bit integer array attribute}}
  %0 = nabla.transpose %a {perm = 1} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return
}

// -----

func @transpose_wrong_result_type(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'nabla.transpose' op inferred type(s) 'tensor<3x2xf32>' are incompatible with return type(s) of operation 'tensor<2x3xf32>'}}
  %0 = nabla.transpose %a {perm = [1, 0]} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func @transpose_unranked(%a: tensor<*xf32>) {
  // expected-error @+1 {{'nabla.transpose' op input must be a ranked tensor, got tensor<*xf32>}}
  %0 = nabla.transpose %a {perm = [1, 0]} : (tensor<*xf32>) -> tensor<*xf32>
  return
}

// -----

func @reshape_two_inferred(%a: tensor<2x3x4xf32>) {
  // expected-error @+1 {{'nabla.reshape' op shape [-1, -1] has more than one -1}}
  %0 = nabla.reshape %a {shape = [-1, -1]} : (tensor<2x3x4xf32>) -> tensor<?x?xf32>
  return
}

// -----

// Found by the onnx_import fuzzer: element counts that overflow int64 are
// errors, not undefined behaviour.
func @reshape_count_overflows(%a: tensor<?x4xf32>) {
  // expected-error @+1 {{'nabla.reshape' op shape [357, 144115119356379136, -1] has more than 2^63 elements}}
  %0 = nabla.reshape %a {shape = [357, 144115119356379136, -1]} : (tensor<?x4xf32>) -> tensor<357x144115119356379136x?xf32>
  return
}

// -----

func @flatten_input_overflows(%a: tensor<4294967296x4294967296xf32>) {
  // expected-error @+1 {{'nabla.flatten' op input tensor<4294967296x4294967296xf32> has more than 2^63 elements}}
  %0 = nabla.flatten %a {axis = 0 : i64} : (tensor<4294967296x4294967296xf32>) -> tensor<1x?xf32>
  return
}

// -----

func @reshape_wrong_count(%a: tensor<2x3x4xf32>) {
  // expected-error @+1 {{'nabla.reshape' op cannot reshape tensor<2x3x4xf32> (24 elements) to [5, 5]}}
  %0 = nabla.reshape %a {shape = [5, 5]} : (tensor<2x3x4xf32>) -> tensor<5x5xf32>
  return
}

// -----

func @reshape_inferred_not_divisible(%a: tensor<2x3x4xf32>) {
  // expected-error @+1 {{'nabla.reshape' op cannot reshape tensor<2x3x4xf32> (24 elements) to [-1, 5]}}
  %0 = nabla.reshape %a {shape = [-1, 5]} : (tensor<2x3x4xf32>) -> tensor<5x5xf32>
  return
}

// -----

func @reshape_zero_dim(%a: tensor<2x3x4xf32>) {
  // expected-error @+1 {{'nabla.reshape' op shape [0, 24] has a dimension below 1 other than -1}}
  %0 = nabla.reshape %a {shape = [0, 24]} : (tensor<2x3x4xf32>) -> tensor<0x24xf32>
  return
}

// -----

// A dynamic batch holds a multiple of 4 elements, never 15.
func @reshape_dynamic_wrong_count(%a: tensor<?x4xf32>) {
  // expected-error @+1 {{'nabla.reshape' op cannot reshape tensor<?x4xf32> (a multiple of 4 elements) to [3, 5] (15 elements)}}
  %0 = nabla.reshape %a {shape = [3, 5]} : (tensor<?x4xf32>) -> tensor<3x5xf32>
  return
}

// -----

// -1 against a dynamic batch stays dynamic: a static result is not inferred.
func @reshape_dynamic_wrong_result_type(%a: tensor<?x30x12x12xf32>) {
  // expected-error @+1 {{'nabla.reshape' op inferred type(s) 'tensor<?x4320xf32>' are incompatible with return type(s) of operation 'tensor<100x4320xf32>'}}
  %0 = nabla.reshape %a {shape = [-1, 4320]} : (tensor<?x30x12x12xf32>) -> tensor<100x4320xf32>
  return
}

// -----

func @reshape_missing_shape(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'nabla.reshape' op requires attribute 'shape'}}
  %0 = nabla.reshape %a : (tensor<2x3xf32>) -> tensor<6xf32>
  return
}

// -----

func @flatten_axis_too_large(%a: tensor<2x3x4xf32>) {
  // expected-error @+1 {{'nabla.flatten' op axis 4 is out of range for tensor<2x3x4xf32>}}
  %0 = nabla.flatten %a {axis = 4} : (tensor<2x3x4xf32>) -> tensor<24x1xf32>
  return
}

// -----

func @flatten_axis_too_negative(%a: tensor<2x3x4xf32>) {
  // expected-error @+1 {{'nabla.flatten' op axis -4 is out of range for tensor<2x3x4xf32>}}
  %0 = nabla.flatten %a {axis = -4} : (tensor<2x3x4xf32>) -> tensor<1x24xf32>
  return
}

// -----

// The default axis is 1, not -1.
func @flatten_wrong_result_type(%a: tensor<2x3x4xf32>) {
  // expected-error @+1 {{'nabla.flatten' op inferred type(s) 'tensor<2x12xf32>' are incompatible with return type(s) of operation 'tensor<6x4xf32>'}}
  %0 = nabla.flatten %a : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
  return
}

// -----

func @broadcast_like_mismatch(%a: tensor<?x3xf32>, %b: tensor<?x10xf32>) {
  // expected-error @+1 {{'nabla.broadcast_like' op tensor<?x3xf32> does not broadcast to the shape of tensor<?x10xf32>}}
  %0 = nabla.broadcast_like %a, %b : (tensor<?x3xf32>, tensor<?x10xf32>) -> tensor<?x10xf32>
  return
}

// -----

// broadcast_like only stretches: it never drops a dimension.
func @broadcast_like_higher_rank(%a: tensor<2x10xf32>, %b: tensor<10xf32>) {
  // expected-error @+1 {{'nabla.broadcast_like' op tensor<2x10xf32> does not broadcast to the shape of tensor<10xf32>}}
  %0 = nabla.broadcast_like %a, %b : (tensor<2x10xf32>, tensor<10xf32>) -> tensor<10xf32>
  return
}

// -----

func @sum_to_like_mismatch(%a: tensor<?x10xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{'nabla.sum_to_like' op the shape of tensor<3xf32> does not broadcast to tensor<?x10xf32>, so there is nothing to sum back to}}
  %0 = nabla.sum_to_like %a, %b : (tensor<?x10xf32>, tensor<3xf32>) -> tensor<3xf32>
  return
}

// -----

func @num_elements_axis_out_of_range(%a: tensor<?x10xf32>) {
  // expected-error @+1 {{'nabla.num_elements' op axis 2 (attribute 'axes') is out of range for rank-2 tensor<?x10xf32>}}
  %0 = nabla.num_elements %a {axes = [2]} : (tensor<?x10xf32>) -> tensor<f32>
  return
}

// -----

// 1 and -1 name the same axis of a rank-2 tensor, which would count it twice.
func @num_elements_duplicate_axis(%a: tensor<?x10xf32>) {
  // expected-error @+1 {{'nabla.num_elements' op axis -1 is listed twice in 'axes' [1, -1]}}
  %0 = nabla.num_elements %a {axes = [1, -1]} : (tensor<?x10xf32>) -> tensor<f32>
  return
}

// -----

func @num_elements_wrong_result_type(%a: tensor<?x10xf32>) {
  // expected-error @+1 {{'nabla.num_elements' op inferred type(s) 'tensor<f32>' are incompatible with return type(s) of operation 'tensor<1xf32>'}}
  %0 = nabla.num_elements %a : (tensor<?x10xf32>) -> tensor<1xf32>
  return
}
