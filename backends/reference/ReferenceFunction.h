// A function of a module run by the reference interpreter behind the
// runtime's CompiledFunction interface: slow, exact, and the way to run the
// trainer against the oracle in tests.
#pragma once

#include "backends/reference/Interpreter.h"
#include "runtime/CompiledFunction.h"

#include "mlir/IR/BuiltinOps.h"

namespace nabla::reference {

class ReferenceFunction : public CompiledFunction {
public:
  /// Keeps a reference to `module`, which must outlive this object.
  ReferenceFunction(mlir::ModuleOp module, const std::string &name);

  const std::vector<ArgumentInfo> &inputs() const override { return inputs_; }
  const std::vector<ArgumentInfo> &outputs() const override { return outputs_; }
  std::vector<Shape> outputShapes(const std::vector<Shape> &inputShapes) const override;
  void runInto(const std::vector<Tensor> &inputs, std::vector<Tensor> &outputs) const override;

private:
  Interpreter interpreter_;
  std::string name_;
  std::vector<ArgumentInfo> inputs_, outputs_;
};

} // namespace nabla::reference
