#include "backends/reference/ReferenceFunction.h"

#include "ir/Signature.h"
#include "runtime/Error.h"

#include <cstring>

namespace nabla::reference {

ReferenceFunction::ReferenceFunction(mlir::ModuleOp module, const std::string &name)
    : interpreter_(module), name_(name) {
  auto func = module.lookupSymbol<mlir::FuncOp>(name);
  if (!func) throw Error("no function @" + name + " in the module");
  inputs_ = functionInputs(func);
  outputs_ = functionOutputs(func);
}

std::vector<Shape> ReferenceFunction::outputShapes(const std::vector<Shape> &inputShapes) const {
  // The interpreter has no separate shape pass: run on zeros of those shapes.
  std::vector<Tensor> zeros;
  for (size_t i = 0; i < inputShapes.size(); ++i) zeros.emplace_back(inputShapes[i], inputs_.at(i).dtype);
  std::vector<Shape> shapes;
  for (const Tensor &t : interpreter_.run(name_, zeros)) shapes.push_back(t.shape());
  return shapes;
}

void ReferenceFunction::runInto(const std::vector<Tensor> &inputs, std::vector<Tensor> &outputs) const {
  std::vector<Tensor> results = interpreter_.run(name_, inputs);
  if (results.size() != outputs.size())
    throw Error("@" + name_ + " returns " + std::to_string(results.size()) + " values, " +
                std::to_string(outputs.size()) + " outputs given");
  for (size_t i = 0; i < results.size(); ++i) {
    if (results[i].shape() != outputs[i].shape() || results[i].dtype() != outputs[i].dtype())
      throw Error("@" + name_ + " result " + std::to_string(i) + " is " + results[i].describe() +
                  ", the output buffer is " + outputs[i].describe());
    std::memcpy(outputs[i].rawData(), results[i].rawData(), results[i].bytes());
  }
}

} // namespace nabla::reference
