// RUN: nabla-opt --split-input-file --verify-diagnostics --nabla-apply-gradients %s

// expected-error @+1 {{--nabla-apply-gradients: needs @loss and @loss_grad (run --nabla-autodiff first)}}
module {
  func @loss(%x: tensor<f32>) -> tensor<f32> {
    return %x : tensor<f32>
  }
}

// -----

// expected-error @+1 {{--nabla-apply-gradients: @loss_apply_gradients already exists}}
module {
  func @loss(%x: tensor<f32>) -> tensor<f32> {
    return %x : tensor<f32>
  }
  func @loss_grad(%x: tensor<f32>) -> (tensor<f32>, tensor<f32>) {
    return %x, %x : tensor<f32>, tensor<f32>
  }
  func @loss_apply_gradients() {
    return
  }
}

// -----

module {
  func @loss(%x: tensor<f32>) -> tensor<f32> {
    return %x : tensor<f32>
  }
  // expected-error @+1 {{--nabla-apply-gradients: result 1 of @loss_grad is not named grad:<argument name>}}
  func @loss_grad(%x: tensor<f32>) -> (tensor<f32>, tensor<f32>) {
    return %x, %x : tensor<f32>, tensor<f32>
  }
}
