// A function without dynamic dimensions: --batch sizes nothing.
func @f(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %y = nabla.relu %x : tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
