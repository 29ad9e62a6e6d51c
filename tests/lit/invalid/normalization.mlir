// Invalid uses of the ops of ir/ops/NormalizationOps.td; each diagnostic must
// name the op and the shapes or attributes at fault.
// RUN: nabla-opt --split-input-file --verify-diagnostics %s

func @batch_norm_running_mean_length(%x: tensor<?x100xf32>, %p: tensor<100xf32>, %q: tensor<99xf32>) {
  // expected-error @+1 {{'nabla.batch_norm' op running_mean tensor<99xf32> must have one entry per channel (dimension 1) of tensor<?x100xf32>}}
  %0:3 = nabla.batch_norm %x, %p, %p, %q, %p : (tensor<?x100xf32>, tensor<100xf32>, tensor<100xf32>, tensor<99xf32>, tensor<100xf32>) -> (tensor<?x100xf32>, tensor<99xf32>, tensor<100xf32>)
  return
}

// -----

// The parameters follow dimension 1 (C), not the last dimension (W).
func @batch_norm_scale_length_nchw(%x: tensor<?x16x8x8xf32>, %p: tensor<16xf32>, %q: tensor<8xf32>) {
  // expected-error @+1 {{'nabla.batch_norm' op scale tensor<8xf32> must have one entry per channel (dimension 1) of tensor<?x16x8x8xf32>}}
  %0:3 = nabla.batch_norm %x, %q, %p, %p, %p : (tensor<?x16x8x8xf32>, tensor<8xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> (tensor<?x16x8x8xf32>, tensor<16xf32>, tensor<16xf32>)
  return
}

// -----

func @batch_norm_running_var_length(%x: tensor<?x100xf32>, %p: tensor<100xf32>, %q: tensor<101xf32>) {
  // expected-error @+1 {{'nabla.batch_norm' op running_var tensor<101xf32> must have one entry per channel (dimension 1) of tensor<?x100xf32>}}
  %0:3 = nabla.batch_norm %x, %p, %p, %p, %q : (tensor<?x100xf32>, tensor<100xf32>, tensor<100xf32>, tensor<100xf32>, tensor<101xf32>) -> (tensor<?x100xf32>, tensor<100xf32>, tensor<101xf32>)
  return
}

// -----

func @batch_norm_bias_rank2(%x: tensor<?x100xf32>, %p: tensor<100xf32>, %q: tensor<1x100xf32>) {
  // expected-error @+1 {{'nabla.batch_norm' op bias must have rank 1, got tensor<1x100xf32>}}
  %0:3 = nabla.batch_norm %x, %p, %q, %p, %p : (tensor<?x100xf32>, tensor<100xf32>, tensor<1x100xf32>, tensor<100xf32>, tensor<100xf32>) -> (tensor<?x100xf32>, tensor<100xf32>, tensor<100xf32>)
  return
}

// -----

func @batch_norm_input_rank1(%x: tensor<100xf32>, %p: tensor<100xf32>) {
  // expected-error @+1 {{'nabla.batch_norm' op input must be [N, C] or [N, C, H, W], got tensor<100xf32>}}
  %0:3 = nabla.batch_norm %x, %p, %p, %p, %p : (tensor<100xf32>, tensor<100xf32>, tensor<100xf32>, tensor<100xf32>, tensor<100xf32>) -> (tensor<100xf32>, tensor<100xf32>, tensor<100xf32>)
  return
}

// -----

// Only the ranks the message promises are accepted.
func @batch_norm_input_rank3(%x: tensor<4x100x7xf32>, %p: tensor<100xf32>) {
  // expected-error @+1 {{'nabla.batch_norm' op input must be [N, C] or [N, C, H, W], got tensor<4x100x7xf32>}}
  %0:3 = nabla.batch_norm %x, %p, %p, %p, %p : (tensor<4x100x7xf32>, tensor<100xf32>, tensor<100xf32>, tensor<100xf32>, tensor<100xf32>) -> (tensor<4x100x7xf32>, tensor<100xf32>, tensor<100xf32>)
  return
}

// -----

func @batch_norm_wrong_result_type(%x: tensor<?x100xf32>, %p: tensor<100xf32>) {
  // expected-error @+1 {{'nabla.batch_norm' op inferred type(s) 'tensor<?x100xf32>', 'tensor<100xf32>', 'tensor<100xf32>' are incompatible with return type(s) of operation 'tensor<?x100xf32>', 'tensor<100xf32>', 'tensor<?xf32>'}}
  %0:3 = nabla.batch_norm %x, %p, %p, %p, %p : (tensor<?x100xf32>, tensor<100xf32>, tensor<100xf32>, tensor<100xf32>, tensor<100xf32>) -> (tensor<?x100xf32>, tensor<100xf32>, tensor<?xf32>)
  return
}

// -----

func @batch_norm_unranked(%x: tensor<*xf32>, %p: tensor<100xf32>) {
  // expected-error @+1 {{'nabla.batch_norm' op input must be a ranked tensor, got tensor<*xf32>}}
  %0:3 = nabla.batch_norm %x, %p, %p, %p, %p : (tensor<*xf32>, tensor<100xf32>, tensor<100xf32>, tensor<100xf32>, tensor<100xf32>) -> (tensor<*xf32>, tensor<100xf32>, tensor<100xf32>)
  return
}

// -----

func @batch_norm_i32(%x: tensor<?x100xi32>, %p: tensor<100xf32>) {
  // expected-error @+1 {{'nabla.batch_norm' op operand #0 must be ranked tensor of 32-bit float values, but got 'tensor<?x100xi32>'}}
  %0:3 = nabla.batch_norm %x, %p, %p, %p, %p : (tensor<?x100xi32>, tensor<100xf32>, tensor<100xf32>, tensor<100xf32>, tensor<100xf32>) -> (tensor<?x100xi32>, tensor<100xf32>, tensor<100xf32>)
  return
}

// -----

func @batch_norm_epsilon_not_float(%x: tensor<?x100xf32>, %p: tensor<100xf32>) {
  // expected-error @+1 {{'nabla.batch_norm' op attribute 'epsilon' failed to satisfy constraint: 32-bit float attribute}}
  %0:3 = nabla.batch_norm %x, %p, %p, %p, %p {epsilon = 1} : (tensor<?x100xf32>, tensor<100xf32>, tensor<100xf32>, tensor<100xf32>, tensor<100xf32>) -> (tensor<?x100xf32>, tensor<100xf32>, tensor<100xf32>)
  return
}

// -----

// ratio 1 drops everything and the 1 / (1 - ratio) scale divides by zero.
func @dropout_ratio_one(%x: tensor<?x100xf32>) {
  // expected-error @+1 {{'nabla.dropout' op ratio must be in [0, 1), got 1.000000}}
  %0:2 = nabla.dropout %x {ratio = 1.0 : f32} : (tensor<?x100xf32>) -> (tensor<?x100xf32>, tensor<?x100xf32>)
  return
}

// -----

func @dropout_ratio_negative(%x: tensor<?x100xf32>) {
  // expected-error @+1 {{'nabla.dropout' op ratio must be in [0, 1), got -0.100000}}
  %0:2 = nabla.dropout %x {ratio = -0.1 : f32} : (tensor<?x100xf32>) -> (tensor<?x100xf32>, tensor<?x100xf32>)
  return
}

// -----

func @dropout_ratio_f64(%x: tensor<?x100xf32>) {
  // expected-error @+1 {{'nabla.dropout' op attribute 'ratio' failed to satisfy constraint: 32-bit float attribute}}
  %0:2 = nabla.dropout %x {ratio = 0.5 : f64} : (tensor<?x100xf32>) -> (tensor<?x100xf32>, tensor<?x100xf32>)
  return
}

// -----

func @dropout_step_rank1(%x: tensor<?x100xf32>, %s: tensor<1xi64>) {
  // expected-error @+1 {{'nabla.dropout' op step must have rank 0, got tensor<1xi64>}}
  %0:2 = nabla.dropout %x, %s : (tensor<?x100xf32>, tensor<1xi64>) -> (tensor<?x100xf32>, tensor<?x100xf32>)
  return
}

// -----

func @dropout_step_i32(%x: tensor<?x100xf32>, %s: tensor<i32>) {
  // expected-error @+1 {{'nabla.dropout' op operand #1 must be 0D tensor of 64-bit signless integer values, but got 'tensor<i32>'}}
  %0:2 = nabla.dropout %x, %s : (tensor<?x100xf32>, tensor<i32>) -> (tensor<?x100xf32>, tensor<?x100xf32>)
  return
}

// -----

// The mask is the scaled f32 mask the gradient multiplies by, not booleans.
func @dropout_wrong_mask_type(%x: tensor<?x100xf32>) {
  // expected-error @+1 {{'nabla.dropout' op inferred type(s) 'tensor<?x100xf32>', 'tensor<?x100xf32>' are incompatible with return type(s) of operation 'tensor<?x100xf32>', 'tensor<?x100xi1>'}}
  %0:2 = nabla.dropout %x : (tensor<?x100xf32>) -> (tensor<?x100xf32>, tensor<?x100xi1>)
  return
}

// -----

func @dropout_i32(%x: tensor<?x100xi32>) {
  // expected-error @+1 {{'nabla.dropout' op operand #0 must be ranked tensor of 32-bit float values, but got 'tensor<?x100xi32>'}}
  %0:2 = nabla.dropout %x : (tensor<?x100xi32>) -> (tensor<?x100xi32>, tensor<?x100xi32>)
  return
}
