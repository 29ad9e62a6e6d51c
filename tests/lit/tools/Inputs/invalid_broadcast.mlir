// Invalid IR for nablac: the operands of nabla.add do not broadcast.
func @forward(%a: tensor<?x10xf32>, %b: tensor<5xf32>) -> tensor<?x10xf32> {
  %0 = nabla.add %a, %b : (tensor<?x10xf32>, tensor<5xf32>) -> tensor<?x10xf32>
  return %0 : tensor<?x10xf32>
}
