// RUN: nabla-opt --split-input-file --verify-diagnostics --nabla-autodiff %s

// expected-error @+1 {{the first result of @loss must be a scalar tensor<f32> loss}}
func @loss(%x: tensor<3xf32>) -> tensor<3xf32> {
  return %x : tensor<3xf32>
}

// -----

// expected-error @+1 {{no function @loss to differentiate}}
module {
  func @other(%x: tensor<f32>) -> tensor<f32> {
    return %x : tensor<f32>
  }
}

// -----

// Both ops without a rule are named in one error, each with a note.
// expected-error @+1 {{no gradient rule for nabla.avg_pool2d_backward, nabla.conv2d_backward_filter}}
func @loss(%x: tensor<1x1x4x4xf32> {nabla.role = "param"}, %g: tensor<1x1x2x2xf32>) -> tensor<f32> {
  // expected-note @+1 {{nabla.conv2d_backward_filter used here}}
  %f = nabla.conv2d_backward_filter %x, %g {kernel_shape = [3, 3]} : (tensor<1x1x4x4xf32>, tensor<1x1x2x2xf32>) -> tensor<1x1x3x3xf32>
  %s = nabla.reduce_sum %f : (tensor<1x1x3x3xf32>) -> tensor<f32>
  %e = nabla.reshape %s {shape = [1, 1, 1, 1]} : (tensor<f32>) -> tensor<1x1x1x1xf32>
  %b = nabla.broadcast_like %e, %g : (tensor<1x1x1x1xf32>, tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  // expected-note @+1 {{nabla.avg_pool2d_backward used here}}
  %p = nabla.avg_pool2d_backward %b {kernel_shape = [2, 2], strides = [2, 2], image_size = [4, 4]} : (tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32>
  %l = nabla.reduce_sum %p : (tensor<1x1x4x4xf32>) -> tensor<f32>
  return %l : tensor<f32>
}
