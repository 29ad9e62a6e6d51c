#include "examples/ParameterDescent.h"

#include "runtime/Error.h"

namespace nabla::examples {

ParameterDescent::ParameterDescent(std::shared_ptr<const CompiledFunction> trainStep, NamedTensors params,
                                   OptimizerConfig optimizer)
    : trainStep_(std::move(trainStep)), values_(std::move(params)), optimizer_(optimizer) {
  for (const ArgumentInfo &arg : trainStep_->inputs()) {
    if (arg.role == "opt_state") values_.emplace(arg.name, Tensor(arg.shape, DType::F32)); // slots start at 0
    else if (arg.role != "param" && arg.role != "hyper")
      throw Error("ParameterDescent: the step takes " + arg.role + " '" + arg.name + "'; it runs on parameters only");
  }
}

double ParameterDescent::step() {
  NamedTensors args = values_;
  for (auto &[name, value] : optimizer_.hyperparameters(steps_)) args[name] = Tensor::scalar<float>(float(value));
  NamedTensors results = callByName(*trainStep_, args);
  double loss = results.at("loss").at(0);
  for (auto &[name, value] : results)
    if (name != "loss") values_[name] = value;
  ++steps_;
  return loss;
}

} // namespace nabla::examples
