// Invalid uses of the ops of ir/ops/LossOps.td; each diagnostic must name the
// op and the shapes or types at fault.
// RUN: nabla-opt --split-input-file --verify-diagnostics %s

func @sce_label_batch_mismatch(%l: tensor<4x10xf32>, %t: tensor<5xi64>) {
  // expected-error @+1 {{'nabla.softmax_cross_entropy' op integer labels must have shape [N] for logits [N, C]; got labels tensor<5xi64> and logits tensor<4x10xf32>}}
  %0 = nabla.softmax_cross_entropy %l, %t : (tensor<4x10xf32>, tensor<5xi64>) -> tensor<f32>
  return
}

// -----

func @sce_integer_labels_rank2(%l: tensor<?x10xf32>, %t: tensor<?x1xi64>) {
  // expected-error @+1 {{'nabla.softmax_cross_entropy' op integer labels must have shape [N] for logits [N, C]; got labels tensor<?x1xi64> and logits tensor<?x10xf32>}}
  %0 = nabla.softmax_cross_entropy %l, %t : (tensor<?x10xf32>, tensor<?x1xi64>) -> tensor<f32>
  return
}

// -----

func @sce_one_hot_class_mismatch(%l: tensor<?x10xf32>, %t: tensor<?x9xf32>) {
  // expected-error @+1 {{'nabla.softmax_cross_entropy' op one-hot labels must have the logits' shape [N, C]; got labels tensor<?x9xf32> and logits tensor<?x10xf32>}}
  %0 = nabla.softmax_cross_entropy %l, %t : (tensor<?x10xf32>, tensor<?x9xf32>) -> tensor<f32>
  return
}

// -----

// f32 labels are one-hot rows, never class indices.
func @sce_float_indices(%l: tensor<4x10xf32>, %t: tensor<4xf32>) {
  // expected-error @+1 {{'nabla.softmax_cross_entropy' op one-hot labels must have the logits' shape [N, C]; got labels tensor<4xf32> and logits tensor<4x10xf32>}}
  %0 = nabla.softmax_cross_entropy %l, %t : (tensor<4x10xf32>, tensor<4xf32>) -> tensor<f32>
  return
}

// -----

func @sce_i16_labels(%l: tensor<4x10xf32>, %t: tensor<4xi16>) {
  // expected-error @+1 {{'nabla.softmax_cross_entropy' op operand #1 must be integer class indices or f32 one-hot labels, but got 'tensor<4xi16>'}}
  %0 = nabla.softmax_cross_entropy %l, %t : (tensor<4x10xf32>, tensor<4xi16>) -> tensor<f32>
  return
}

// -----

func @sce_f16_labels(%l: tensor<4x10xf32>, %t: tensor<4x10xf16>) {
  // expected-error @+1 {{'nabla.softmax_cross_entropy' op operand #1 must be integer class indices or f32 one-hot labels, but got 'tensor<4x10xf16>'}}
  %0 = nabla.softmax_cross_entropy %l, %t : (tensor<4x10xf32>, tensor<4x10xf16>) -> tensor<f32>
  return
}

// -----

func @sce_logits_rank3(%l: tensor<2x4x10xf32>, %t: tensor<2xi64>) {
  // expected-error @+1 {{'nabla.softmax_cross_entropy' op logits must have rank 2, got tensor<2x4x10xf32>}}
  %0 = nabla.softmax_cross_entropy %l, %t : (tensor<2x4x10xf32>, tensor<2xi64>) -> tensor<f32>
  return
}

// -----

func @sce_logits_i32(%l: tensor<4x10xi32>, %t: tensor<4xi64>) {
  // expected-error @+1 {{'nabla.softmax_cross_entropy' op operand #0 must be ranked tensor of 32-bit float values, but got 'tensor<4x10xi32>'}}
  %0 = nabla.softmax_cross_entropy %l, %t : (tensor<4x10xi32>, tensor<4xi64>) -> tensor<i32>
  return
}

// -----

func @sce_unranked_labels(%l: tensor<4x10xf32>, %t: tensor<*xi64>) {
  // expected-error @+1 {{'nabla.softmax_cross_entropy' op labels must be a ranked tensor, got tensor<*xi64>}}
  %0 = nabla.softmax_cross_entropy %l, %t : (tensor<4x10xf32>, tensor<*xi64>) -> tensor<f32>
  return
}

// -----

// The loss is averaged over the batch: a scalar, not one value per sample.
func @sce_wrong_result_type(%l: tensor<4x10xf32>, %t: tensor<4xi64>) {
  // expected-error @+1 {{'nabla.softmax_cross_entropy' op inferred type(s) 'tensor<f32>' are incompatible with return type(s) of operation 'tensor<4xf32>'}}
  %0 = nabla.softmax_cross_entropy %l, %t : (tensor<4x10xf32>, tensor<4xi64>) -> tensor<4xf32>
  return
}

// -----

func @mse_shape_mismatch(%y: tensor<?x10xf32>, %t: tensor<?x9xf32>) {
  // expected-error @+1 {{'nabla.mse_loss' op prediction tensor<?x10xf32> and target tensor<?x9xf32> must have the same shape}}
  %0 = nabla.mse_loss %y, %t : (tensor<?x10xf32>, tensor<?x9xf32>) -> tensor<f32>
  return
}

// -----

// No broadcasting or flattening between prediction and target.
func @mse_rank_mismatch(%y: tensor<4x10xf32>, %t: tensor<40xf32>) {
  // expected-error @+1 {{'nabla.mse_loss' op prediction tensor<4x10xf32> and target tensor<40xf32> must have the same shape}}
  %0 = nabla.mse_loss %y, %t : (tensor<4x10xf32>, tensor<40xf32>) -> tensor<f32>
  return
}

// -----

func @mse_unranked(%y: tensor<4x10xf32>, %t: tensor<*xf32>) {
  // expected-error @+1 {{'nabla.mse_loss' op target must be a ranked tensor, got tensor<*xf32>}}
  %0 = nabla.mse_loss %y, %t : (tensor<4x10xf32>, tensor<*xf32>) -> tensor<f32>
  return
}

// -----

func @mse_i32(%y: tensor<4x10xi32>, %t: tensor<4x10xi32>) {
  // expected-error @+1 {{'nabla.mse_loss' op operand #0 must be ranked tensor of 32-bit float values, but got 'tensor<4x10xi32>'}}
  %0 = nabla.mse_loss %y, %t : (tensor<4x10xi32>, tensor<4x10xi32>) -> tensor<i32>
  return
}
