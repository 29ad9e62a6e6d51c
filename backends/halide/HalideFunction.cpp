#include "backends/halide/HalideFunction.h"

#include "ir/Signature.h"
#include "runtime/Error.h"

namespace nabla::halide {

namespace {
mlir::FuncOp lookup(mlir::ModuleOp module, const std::string &name) {
  auto func = module.lookupSymbol<mlir::FuncOp>(name);
  if (!func) throw Error("no function @" + name + " in the module");
  return func;
}
} // namespace

HalideFunction::HalideFunction(mlir::ModuleOp module, const std::string &name,
                               const std::string &target, const Schedule &schedule,
                               Instance instance)
    : executable_(Executable::compileJit(module, name, target, schedule, instance)),
      inputs_(functionInputs(lookup(module, name))),
      outputs_(functionOutputs(lookup(module, name))) {}

} // namespace nabla::halide
