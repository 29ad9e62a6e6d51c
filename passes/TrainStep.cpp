// --nabla-train-step: one compiled training step (forward, backward and the
// optimizer update), built from the gradient function that autodiff made.
#include "passes/PassDetail.h"
#include "passes/Passes.h"
#include "passes/UpdateBuilder.h"

#include "runtime/Error.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"

using namespace mlir;

namespace nabla {
namespace {

class TrainStepPass : public TrainStepBase<TrainStepPass> {
public:
  TrainStepPass() = default;
  TrainStepPass(const std::string &function, const std::string &optimizerName) {
    functionName = function;
    optimizer = optimizerName;
  }

  void runOnOperation() override {
    if (failed(build(getOperation()))) signalPassFailure();
  }

private:
  LogicalResult build(ModuleOp module);
};

LogicalResult TrainStepPass::build(ModuleOp module) {
  std::string stepName = functionName + "_train_step";
  auto source = findUpdateSource(module, functionName, optimizer, stepName, "--nabla-train-step");
  if (failed(source)) return failure();
  FuncOp grad = source->grad;

  FuncOp step = grad.clone();
  step.setName(stepName);
  module.push_back(step);
  auto ret = cast<ReturnOp>(step.getBody().front().getTerminator());
  std::vector<ParameterGradient> params;
  for (const GradientResult &g : source->gradients)
    params.push_back({g.name, step.getArgument(g.argument), ret.getOperand(g.result)});

  // The original results (loss, running statistics) come first.
  unsigned numOriginal = source->original.getNumResults();
  NamedValues results;
  for (unsigned r = 0; r < numOriginal; ++r) {
    auto name = grad.getResultAttrOfType<StringAttr>(r, "nabla.name");
    results.values.push_back(ret.getOperand(r));
    results.names.push_back(name ? name.getValue().str() : "");
  }
  try {
    NamedValues updates = buildOptimizerStep(step, ret, params, source->kind);
    results.values.append(updates.values);
    results.names.append(updates.names);
  } catch (const Error &e) {
    step.erase();
    return emitError(module.getLoc(), "--nabla-train-step: ") << e.what();
  }
  replaceResults(step, ret, results);
  return success();
}

} // namespace

std::unique_ptr<Pass> createTrainStepPass() { return std::make_unique<TrainStepPass>(); }
std::unique_ptr<Pass> createTrainStepPass(const std::string &function,
                                          const std::string &optimizer) {
  return std::make_unique<TrainStepPass>(function, optimizer);
}

} // namespace nabla
