// --nabla-apply-gradients: the optimizer update alone, as a function of the
// parameters and their gradients. Data-parallel training computes gradients
// on several shards of a batch with <function>_grad, averages them, and
// applies the average with this function once.
#include "passes/PassDetail.h"
#include "passes/Passes.h"
#include "passes/UpdateBuilder.h"

#include "runtime/Error.h"

using namespace mlir;

namespace nabla {
namespace {

class ApplyGradientsPass : public ApplyGradientsBase<ApplyGradientsPass> {
public:
  ApplyGradientsPass() = default;
  ApplyGradientsPass(const std::string &function, const std::string &optimizerName) {
    functionName = function;
    optimizer = optimizerName;
  }

  void runOnOperation() override {
    if (failed(build(getOperation()))) signalPassFailure();
  }

private:
  LogicalResult build(ModuleOp module);
};

LogicalResult ApplyGradientsPass::build(ModuleOp module) {
  const char *flag = "--nabla-apply-gradients";
  std::string applyName = functionName + "_apply_gradients";
  auto source = findUpdateSource(module, functionName, optimizer, applyName, flag);
  if (failed(source)) return failure();
  FuncOp grad = source->grad;
  const std::vector<GradientResult> &gradients = source->gradients;

  // Arguments: the parameters, then their gradients, in the gradient
  // function's result order.
  MLIRContext *context = module.getContext();
  llvm::SmallVector<Type> types;
  for (const GradientResult &g : gradients) types.push_back(grad.getArgument(g.argument).getType());
  for (const GradientResult &g : gradients) types.push_back(grad.getArgument(g.argument).getType());
  auto apply = FuncOp::create(grad.getLoc(), applyName, FunctionType::get(context, types, {}));
  module.push_back(apply);
  Block *body = apply.addEntryBlock();
  auto ret = OpBuilder::atBlockEnd(body).create<ReturnOp>(grad.getLoc());
  std::vector<ParameterGradient> params;
  size_t n = gradients.size();
  for (size_t i = 0; i < n; ++i) {
    const std::string &name = gradients[i].name;
    apply.setArgAttr(i, "nabla.name", StringAttr::get(context, name));
    apply.setArgAttr(i, "nabla.role", StringAttr::get(context, "param"));
    apply.setArgAttr(n + i, "nabla.name", StringAttr::get(context, "grad:" + name));
    apply.setArgAttr(n + i, "nabla.role", StringAttr::get(context, "grad"));
    params.push_back({name, apply.getArgument(i), apply.getArgument(n + i)});
  }
  try {
    replaceResults(apply, ret, buildOptimizerStep(apply, ret, params, source->kind));
  } catch (const Error &e) {
    apply.erase();
    return emitError(module.getLoc(), flag) << ": " << e.what();
  }
  return success();
}

} // namespace

std::unique_ptr<Pass> createApplyGradientsPass() { return std::make_unique<ApplyGradientsPass>(); }
std::unique_ptr<Pass> createApplyGradientsPass(const std::string &function,
                                               const std::string &optimizer) {
  return std::make_unique<ApplyGradientsPass>(function, optimizer);
}

} // namespace nabla
