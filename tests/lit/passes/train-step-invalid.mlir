// RUN: nabla-opt --split-input-file --verify-diagnostics --nabla-train-step %s

// expected-error @+1 {{needs @loss and @loss_grad (run --nabla-autodiff first)}}
module {
  func @loss(%x: tensor<f32>) -> tensor<f32> {
    return %x : tensor<f32>
  }
}
