// Invalid uses of the ops of ir/ops/GradientOps.td, mostly grad_output
// operands that do not match the forward op; each diagnostic must name the op
// and the shapes or attributes at fault.
// RUN: nabla-opt --split-input-file --verify-diagnostics %s

func @conv2d_backward_data_channel_mismatch(%dy: tensor<?x29x24x24xf32>, %w: tensor<30x1x5x5xf32>) {
  // expected-error @+1 {{'nabla.conv2d_backward_data' op grad_output tensor<?x29x24x24xf32> has a channel count other than the filter's output channels tensor<30x1x5x5xf32>}}
  %0 = nabla.conv2d_backward_data %dy, %w {image_size = [28, 28]} : (tensor<?x29x24x24xf32>, tensor<30x1x5x5xf32>) -> tensor<?x1x28x28xf32>
  return
}

// -----

func @conv2d_backward_data_spatial_mismatch(%dy: tensor<?x30x23x24xf32>, %w: tensor<30x1x5x5xf32>) {
  // expected-error @+1 {{'nabla.conv2d_backward_data' op grad_output tensor<?x30x23x24xf32> does not match image_size [28, 28] (the forward op produces 24x24)}}
  %0 = nabla.conv2d_backward_data %dy, %w {image_size = [28, 28]} : (tensor<?x30x23x24xf32>, tensor<30x1x5x5xf32>) -> tensor<?x1x28x28xf32>
  return
}

// -----

func @conv2d_backward_data_image_size_count(%dy: tensor<?x30x24x24xf32>, %w: tensor<30x1x5x5xf32>) {
  // expected-error @+1 {{'nabla.conv2d_backward_data' op attribute 'image_size' must have 2 entries, got [28]}}
  %0 = nabla.conv2d_backward_data %dy, %w {image_size = [28]} : (tensor<?x30x24x24xf32>, tensor<30x1x5x5xf32>) -> tensor<?x1x28x28xf32>
  return
}

// -----

func @conv2d_backward_data_negative_image_size(%dy: tensor<?x30x24x24xf32>, %w: tensor<30x1x5x5xf32>) {
  // expected-error @+1 {{'nabla.conv2d_backward_data' op image_size must be positive, got [-1, 28]}}
  %0 = nabla.conv2d_backward_data %dy, %w {image_size = [-1, 28]} : (tensor<?x30x24x24xf32>, tensor<30x1x5x5xf32>) -> tensor<?x1x28x28xf32>
  return
}

// -----

func @conv2d_backward_data_missing_image_size(%dy: tensor<?x30x24x24xf32>, %w: tensor<30x1x5x5xf32>) {
  // expected-error @+1 {{'nabla.conv2d_backward_data' op requires attribute 'image_size'}}
  %0 = nabla.conv2d_backward_data %dy, %w : (tensor<?x30x24x24xf32>, tensor<30x1x5x5xf32>) -> tensor<?x1x28x28xf32>
  return
}

// -----

func @conv2d_backward_data_grad_rank3(%dy: tensor<30x24x24xf32>, %w: tensor<30x1x5x5xf32>) {
  // expected-error @+1 {{'nabla.conv2d_backward_data' op grad_output must have rank 4, got tensor<30x24x24xf32>}}
  %0 = nabla.conv2d_backward_data %dy, %w {image_size = [28, 28]} : (tensor<30x24x24xf32>, tensor<30x1x5x5xf32>) -> tensor<1x28x28xf32>
  return
}

// -----

// The filter is checked as in the forward conv2d.
func @conv2d_backward_data_groups(%dy: tensor<1x5x6x6xf32>, %w: tensor<5x2x3x3xf32>) {
  // expected-error @+1 {{'nabla.conv2d_backward_data' op filter tensor<5x2x3x3xf32> has 5 output channels, not divisible by groups = 2}}
  %0 = nabla.conv2d_backward_data %dy, %w {image_size = [8, 8], groups = 2} : (tensor<1x5x6x6xf32>, tensor<5x2x3x3xf32>) -> tensor<1x4x8x8xf32>
  return
}

// -----

func @conv2d_backward_data_wrong_result_type(%dy: tensor<?x30x24x24xf32>, %w: tensor<30x1x5x5xf32>) {
  // expected-error @+1 {{'nabla.conv2d_backward_data' op inferred type(s) 'tensor<?x1x28x28xf32>' are incompatible with return type(s) of operation 'tensor<?x30x28x28xf32>'}}
  %0 = nabla.conv2d_backward_data %dy, %w {image_size = [28, 28]} : (tensor<?x30x24x24xf32>, tensor<30x1x5x5xf32>) -> tensor<?x30x28x28xf32>
  return
}

// -----

func @conv2d_backward_filter_batch_mismatch(%x: tensor<4x1x28x28xf32>, %dy: tensor<5x30x24x24xf32>) {
  // expected-error @+1 {{'nabla.conv2d_backward_filter' op grad_output tensor<5x30x24x24xf32> does not match the convolution of tensor<4x1x28x28xf32>}}
  %0 = nabla.conv2d_backward_filter %x, %dy {kernel_shape = [5, 5]} : (tensor<4x1x28x28xf32>, tensor<5x30x24x24xf32>) -> tensor<30x1x5x5xf32>
  return
}

// -----

func @conv2d_backward_filter_spatial_mismatch(%x: tensor<?x1x28x28xf32>, %dy: tensor<?x30x12x12xf32>) {
  // expected-error @+1 {{'nabla.conv2d_backward_filter' op grad_output tensor<?x30x12x12xf32> does not match the convolution of tensor<?x1x28x28xf32>}}
  %0 = nabla.conv2d_backward_filter %x, %dy {kernel_shape = [5, 5]} : (tensor<?x1x28x28xf32>, tensor<?x30x12x12xf32>) -> tensor<30x1x5x5xf32>
  return
}

// -----

func @conv2d_backward_filter_missing_kernel(%x: tensor<?x1x28x28xf32>, %dy: tensor<?x30x24x24xf32>) {
  // expected-error @+1 {{'nabla.conv2d_backward_filter' op requires attribute 'kernel_shape'}}
  %0 = nabla.conv2d_backward_filter %x, %dy : (tensor<?x1x28x28xf32>, tensor<?x30x24x24xf32>) -> tensor<30x1x5x5xf32>
  return
}

// -----

// The filter's C/groups dimension comes from the input and must be known.
func @conv2d_backward_filter_dynamic_channels(%x: tensor<?x?x28x28xf32>, %dy: tensor<?x30x24x24xf32>) {
  // expected-error @+1 {{'nabla.conv2d_backward_filter' op input tensor<?x?x28x28xf32> must have a static channel count divisible by groups = 1}}
  %0 = nabla.conv2d_backward_filter %x, %dy {kernel_shape = [5, 5]} : (tensor<?x?x28x28xf32>, tensor<?x30x24x24xf32>) -> tensor<30x?x5x5xf32>
  return
}

// -----

func @conv2d_backward_filter_groups(%x: tensor<1x4x8x8xf32>, %dy: tensor<1x5x6x6xf32>) {
  // expected-error @+1 {{'nabla.conv2d_backward_filter' op grad_output tensor<1x5x6x6xf32> has 5 output channels, not divisible by groups = 2}}
  %0 = nabla.conv2d_backward_filter %x, %dy {kernel_shape = [3, 3], groups = 2} : (tensor<1x4x8x8xf32>, tensor<1x5x6x6xf32>) -> tensor<5x2x3x3xf32>
  return
}

// -----

func @conv2d_backward_filter_wrong_result_type(%x: tensor<?x1x28x28xf32>, %dy: tensor<?x30x24x24xf32>) {
  // expected-error @+1 {{'nabla.conv2d_backward_filter' op inferred type(s) 'tensor<30x1x5x5xf32>' are incompatible with return type(s) of operation 'tensor<30x5x5xf32>'}}
  %0 = nabla.conv2d_backward_filter %x, %dy {kernel_shape = [5, 5]} : (tensor<?x1x28x28xf32>, tensor<?x30x24x24xf32>) -> tensor<30x5x5xf32>
  return
}

// -----

func @max_pool2d_backward_spatial_mismatch(%x: tensor<?x30x24x24xf32>, %dy: tensor<?x30x24x24xf32>) {
  // expected-error @+1 {{'nabla.max_pool2d_backward' op grad_output tensor<?x30x24x24xf32> does not match the pooling of tensor<?x30x24x24xf32>}}
  %0 = nabla.max_pool2d_backward %x, %dy {kernel_shape = [2, 2], strides = [2, 2]} : (tensor<?x30x24x24xf32>, tensor<?x30x24x24xf32>) -> tensor<?x30x24x24xf32>
  return
}

// -----

func @max_pool2d_backward_channel_mismatch(%x: tensor<?x30x24x24xf32>, %dy: tensor<?x20x12x12xf32>) {
  // expected-error @+1 {{'nabla.max_pool2d_backward' op grad_output tensor<?x20x12x12xf32> does not match the pooling of tensor<?x30x24x24xf32>}}
  %0 = nabla.max_pool2d_backward %x, %dy {kernel_shape = [2, 2], strides = [2, 2]} : (tensor<?x30x24x24xf32>, tensor<?x20x12x12xf32>) -> tensor<?x30x24x24xf32>
  return
}

// -----

func @max_pool2d_backward_batch_mismatch(%x: tensor<4x30x24x24xf32>, %dy: tensor<5x30x12x12xf32>) {
  // expected-error @+1 {{'nabla.max_pool2d_backward' op grad_output tensor<5x30x12x12xf32> does not match the pooling of tensor<4x30x24x24xf32>}}
  %0 = nabla.max_pool2d_backward %x, %dy {kernel_shape = [2, 2], strides = [2, 2]} : (tensor<4x30x24x24xf32>, tensor<5x30x12x12xf32>) -> tensor<4x30x24x24xf32>
  return
}

// -----

func @avg_pool2d_backward_spatial_mismatch(%dy: tensor<?x30x12x12xf32>) {
  // expected-error @+1 {{'nabla.avg_pool2d_backward' op grad_output tensor<?x30x12x12xf32> does not match image_size [28, 28] (the forward op produces 14x14)}}
  %0 = nabla.avg_pool2d_backward %dy {kernel_shape = [2, 2], strides = [2, 2], image_size = [28, 28]} : (tensor<?x30x12x12xf32>) -> tensor<?x30x28x28xf32>
  return
}

// -----

// image_size entries are printed as written: -1 must not show up as `?`.
func @avg_pool2d_backward_negative_image_size(%dy: tensor<?x30x12x12xf32>) {
  // expected-error @+1 {{'nabla.avg_pool2d_backward' op image_size must be positive, got [24, -1]}}
  %0 = nabla.avg_pool2d_backward %dy {kernel_shape = [2, 2], strides = [2, 2], image_size = [24, -1]} : (tensor<?x30x12x12xf32>) -> tensor<?x30x24x?xf32>
  return
}

// -----

func @batch_norm_backward_grad_mismatch(%x: tensor<?x100xf32>, %g: tensor<100xf32>, %dy: tensor<?x10xf32>) {
  // expected-error @+1 {{'nabla.batch_norm_backward' op grad_output tensor<?x10xf32> must have the input's shape tensor<?x100xf32>}}
  %0:3 = nabla.batch_norm_backward %x, %g, %dy : (tensor<?x100xf32>, tensor<100xf32>, tensor<?x10xf32>) -> (tensor<?x100xf32>, tensor<100xf32>, tensor<100xf32>)
  return
}

// -----

func @batch_norm_backward_scale_length(%x: tensor<?x100xf32>, %g: tensor<10xf32>, %dy: tensor<?x100xf32>) {
  // expected-error @+1 {{'nabla.batch_norm_backward' op scale tensor<10xf32> must have one entry per channel (dimension 1) of tensor<?x100xf32>}}
  %0:3 = nabla.batch_norm_backward %x, %g, %dy : (tensor<?x100xf32>, tensor<10xf32>, tensor<?x100xf32>) -> (tensor<?x100xf32>, tensor<10xf32>, tensor<10xf32>)
  return
}

// -----

func @softmax_cross_entropy_backward_grad_not_scalar(%l: tensor<?x10xf32>, %t: tensor<?xi64>, %g: tensor<1xf32>) {
  // expected-error @+1 {{'nabla.softmax_cross_entropy_backward' op grad_loss must have rank 0, got tensor<1xf32>}}
  %0 = nabla.softmax_cross_entropy_backward %l, %t, %g : (tensor<?x10xf32>, tensor<?xi64>, tensor<1xf32>) -> tensor<?x10xf32>
  return
}

// -----

func @softmax_cross_entropy_backward_labels_mismatch(%l: tensor<4x10xf32>, %t: tensor<4x9xf32>, %g: tensor<f32>) {
  // expected-error @+1 {{'nabla.softmax_cross_entropy_backward' op one-hot labels must have the logits' shape [N, C]; got labels tensor<4x9xf32> and logits tensor<4x10xf32>}}
  %0 = nabla.softmax_cross_entropy_backward %l, %t, %g : (tensor<4x10xf32>, tensor<4x9xf32>, tensor<f32>) -> tensor<4x10xf32>
  return
}

// -----

// The gradient has the logits' shape, not the loss's.
func @softmax_cross_entropy_backward_wrong_result_type(%l: tensor<4x10xf32>, %t: tensor<4xi64>, %g: tensor<f32>) {
  // expected-error @+1 {{'nabla.softmax_cross_entropy_backward' op inferred type(s) 'tensor<4x10xf32>' are incompatible with return type(s) of operation 'tensor<f32>'}}
  %0 = nabla.softmax_cross_entropy_backward %l, %t, %g : (tensor<4x10xf32>, tensor<4xi64>, tensor<f32>) -> tensor<f32>
  return
}

// -----

func @conv2d_backward_filter_input_rank3(%x: tensor<1x28x28xf32>, %dy: tensor<?x30x24x24xf32>) {
  // expected-error @+1 {{'nabla.conv2d_backward_filter' op input must have rank 4, got tensor<1x28x28xf32>}}
  %0 = nabla.conv2d_backward_filter %x, %dy {kernel_shape = [5, 5]} : (tensor<1x28x28xf32>, tensor<?x30x24x24xf32>) -> tensor<30x1x5x5xf32>
  return
}

// -----

func @max_pool2d_backward_grad_rank2(%x: tensor<?x30x24x24xf32>, %dy: tensor<?x4320xf32>) {
  // expected-error @+1 {{'nabla.max_pool2d_backward' op grad_output must have rank 4, got tensor<?x4320xf32>}}
  %0 = nabla.max_pool2d_backward %x, %dy {kernel_shape = [2, 2], strides = [2, 2]} : (tensor<?x30x24x24xf32>, tensor<?x4320xf32>) -> tensor<?x30x24x24xf32>
  return
}

// -----

func @avg_pool2d_backward_grad_rank3(%dy: tensor<30x12x12xf32>) {
  // expected-error @+1 {{'nabla.avg_pool2d_backward' op grad_output must have rank 4, got tensor<30x12x12xf32>}}
  %0 = nabla.avg_pool2d_backward %dy {kernel_shape = [2, 2], strides = [2, 2], image_size = [24, 24]} : (tensor<30x12x12xf32>) -> tensor<30x24x24xf32>
  return
}

// -----

func @softmax_cross_entropy_backward_logits_rank1(%l: tensor<10xf32>, %t: tensor<1xi64>, %g: tensor<f32>) {
  // expected-error @+1 {{'nabla.softmax_cross_entropy_backward' op logits must have rank 2, got tensor<10xf32>}}
  %0 = nabla.softmax_cross_entropy_backward %l, %t, %g : (tensor<10xf32>, tensor<1xi64>, tensor<f32>) -> tensor<10xf32>
  return
}

// -----

func @batch_norm_backward_input_rank1(%x: tensor<100xf32>, %g: tensor<100xf32>) {
  // expected-error @+1 {{'nabla.batch_norm_backward' op input must be [N, C] or [N, C, H, W], got tensor<100xf32>}}
  %0:3 = nabla.batch_norm_backward %x, %g, %x : (tensor<100xf32>, tensor<100xf32>, tensor<100xf32>) -> (tensor<100xf32>, tensor<100xf32>, tensor<100xf32>)
  return
}

// -----

func @max_pool2d_indices_backward_indices_mismatch(%i: tensor<?x30x12x11xi32>, %dy: tensor<?x30x12x12xf32>) {
  // expected-error @+1 {{'nabla.max_pool2d_indices_backward' op indices tensor<?x30x12x11xi32> and grad_output tensor<?x30x12x12xf32> must have one shape}}
  %0 = nabla.max_pool2d_indices_backward %i, %dy {kernel_shape = [2, 2], strides = [2, 2], image_size = [24, 24]} : (tensor<?x30x12x11xi32>, tensor<?x30x12x12xf32>) -> tensor<?x30x24x24xf32>
  return
}

// -----

func @max_pool2d_indices_backward_spatial_mismatch(%i: tensor<?x30x12x12xi32>, %dy: tensor<?x30x12x12xf32>) {
  // expected-error @+1 {{'nabla.max_pool2d_indices_backward' op grad_output tensor<?x30x12x12xf32> does not match image_size [28, 28] (the forward op produces 14x14)}}
  %0 = nabla.max_pool2d_indices_backward %i, %dy {kernel_shape = [2, 2], strides = [2, 2], image_size = [28, 28]} : (tensor<?x30x12x12xi32>, tensor<?x30x12x12xf32>) -> tensor<?x30x28x28xf32>
  return
}

// -----

func @max_pool2d_indices_backward_float_indices(%i: tensor<?x30x12x12xf32>, %dy: tensor<?x30x12x12xf32>) {
  // expected-error @+1 {{'nabla.max_pool2d_indices_backward' op operand #0 must be ranked tensor of 32-bit signless integer values}}
  %0 = nabla.max_pool2d_indices_backward %i, %dy {kernel_shape = [2, 2], strides = [2, 2], image_size = [24, 24]} : (tensor<?x30x12x12xf32>, tensor<?x30x12x12xf32>) -> tensor<?x30x24x24xf32>
  return
}
