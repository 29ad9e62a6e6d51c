// A function JIT-compiled through Halide behind the runtime's
// CompiledFunction interface: what the trainer and the examples run.
#pragma once

#include "backends/halide/Executable.h"
#include "runtime/CompiledFunction.h"

namespace nabla::halide {

class HalideFunction : public nabla::CompiledFunction {
public:
  /// Compiles (or fetches from the JIT cache) function `name` of `module`
  /// for `target` with `schedule` (Executable::compileJit); the module may
  /// die afterwards. A replica `instance` runs concurrently with the others.
  HalideFunction(mlir::ModuleOp module, const std::string &name,
                 const std::string &target = "host", const Schedule &schedule = {},
                 Instance instance = Instance::Shared);

  const std::vector<ArgumentInfo> &inputs() const override { return inputs_; }
  const std::vector<ArgumentInfo> &outputs() const override { return outputs_; }
  std::vector<Shape> outputShapes(const std::vector<Shape> &inputShapes) const override {
    return executable_.outputShapes(inputShapes);
  }
  void runInto(const std::vector<Tensor> &inputs, std::vector<Tensor> &outputs) const override {
    executable_.runInto(inputs, outputs);
  }
  bool onDevice() const override { return executable_.onDevice(); }
  void runResident(const std::vector<Tensor> &inputs, std::vector<Tensor> &outputs,
                   const Residency &residency) const override {
    executable_.runResident(inputs, outputs, residency);
  }
  void syncToHost(const Tensor &tensor) const override { Executable::syncToHost(tensor); }
  void dropDeviceCopy(const Tensor &tensor) const override {
    Executable::dropDeviceCopy(tensor);
  }
  const Executable &executable() const { return executable_; }

private:
  Executable executable_;
  std::vector<ArgumentInfo> inputs_, outputs_;
};

} // namespace nabla::halide
