#include "runtime/CompiledFunction.h"

namespace nabla {

int CompiledFunction::inputIndex(const std::string &name) const {
  for (size_t i = 0; i < inputs().size(); ++i)
    if (inputs()[i].name == name) return int(i);
  return -1;
}

std::vector<Tensor> CompiledFunction::allocateOutputs(const std::vector<Tensor> &in) const {
  std::vector<Shape> shapes;
  for (const Tensor &t : in) shapes.push_back(t.shape());
  std::vector<Shape> outShapes = outputShapes(shapes);
  std::vector<Tensor> out;
  for (size_t i = 0; i < outShapes.size(); ++i) out.emplace_back(outShapes[i], outputs()[i].dtype);
  return out;
}

} // namespace nabla
