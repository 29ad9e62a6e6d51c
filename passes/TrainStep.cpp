// --nabla-train-step: one compiled training step (forward, backward and the
// optimizer update), built from the gradient function that autodiff made.
#include "passes/Cleanup.h"
#include "passes/PassDetail.h"
#include "passes/Passes.h"
#include "passes/gradients/OptimizerUpdate.h"

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

StringAttr str(MLIRContext *context, llvm::StringRef s) { return StringAttr::get(context, s); }

LogicalResult TrainStepPass::build(ModuleOp module) {
  OptimizerKind kind;
  try {
    kind = parseOptimizer(optimizer);
  } catch (const Error &e) {
    return emitError(module.getLoc(), "--nabla-train-step: ") << e.what();
  }
  std::string gradName = functionName + "_grad", stepName = functionName + "_train_step";
  auto grad = module.lookupSymbol<FuncOp>(gradName);
  auto original = module.lookupSymbol<FuncOp>(functionName);
  if (!grad || !original)
    return emitError(module.getLoc(), "--nabla-train-step: needs @")
           << functionName << " and @" << gradName << " (run --nabla-autodiff first)";
  if (module.lookupSymbol(stepName))
    return emitError(module.getLoc(), "--nabla-train-step: @") << stepName << " already exists";

  MLIRContext *context = module.getContext();
  FuncOp step = grad.clone();
  step.setName(stepName);
  module.push_back(step);
  Block &body = step.getBody().front();
  auto ret = cast<ReturnOp>(body.getTerminator());

  // The gradients follow the original results; map each back to its
  // parameter through the "grad:<name>" result names.
  unsigned numOriginal = original.getNumResults();
  llvm::StringMap<unsigned> argByName;
  for (unsigned i = 0; i < step.getNumArguments(); ++i) {
    auto name = step.getArgAttrOfType<StringAttr>(i, "nabla.name");
    argByName[name ? name.getValue().str() : "arg" + std::to_string(i)] = i;
  }
  struct ParamGrad { std::string name; Value param, grad; };
  std::vector<ParamGrad> params;
  for (unsigned r = numOriginal; r < grad.getNumResults(); ++r) {
    auto label = grad.getResultAttrOfType<StringAttr>(r, "nabla.name");
    if (!label || !label.getValue().startswith("grad:") ||
        !argByName.count(label.getValue().drop_front(5)))
      return grad.emitError("--nabla-train-step: result ")
             << r << " of @" << gradName << " is not named grad:<argument name>";
    std::string name = label.getValue().drop_front(5).str();
    params.push_back({name, step.getArgument(argByName[name]), ret.getOperand(r)});
  }

  // New arguments: optimizer state per parameter and slot, then hyperparameters.
  auto addArg = [&](Type type, const std::string &name, const char *role) {
    unsigned index = step.getNumArguments();
    step.insertArgument(index, type, DictionaryAttr::get(context, {}), step.getLoc());
    step.setArgAttr(index, "nabla.name", str(context, name));
    step.setArgAttr(index, "nabla.role", str(context, role));
    return step.getArgument(index);
  };
  std::vector<std::vector<Value>> slots;
  for (const ParamGrad &p : params) {
    slots.emplace_back();
    for (const std::string &slot : optimizerSlots(kind))
      slots.back().push_back(addArg(p.param.getType(), p.name + "/" + slot, "opt_state"));
  }
  auto scalarType = RankedTensorType::get({}, Float32Type::get(context));
  std::map<std::string, Value> hypers;
  for (const std::string &h : optimizerHyperparameters(kind))
    hypers[h] = addArg(scalarType, h, "hyper");

  OpBuilder builder(ret);
  llvm::SmallVector<Value> results(ret.getOperands().begin(),
                                   ret.getOperands().begin() + numOriginal);
  llvm::SmallVector<std::string> names;
  for (unsigned r = 0; r < numOriginal; ++r) {
    auto name = grad.getResultAttrOfType<StringAttr>(r, "nabla.name");
    names.push_back(name ? name.getValue().str() : "");
  }
  std::vector<Value> newSlots;
  std::vector<std::string> slotNames;
  try {
    for (size_t i = 0; i < params.size(); ++i) {
      grad::GradientBuilder b(builder, params[i].param.getLoc());
      grad::UpdateResult u = grad::buildOptimizerUpdate(b, kind, params[i].param, params[i].grad,
                                                        slots[i], hypers);
      results.push_back(u.param);
      names.push_back(params[i].name);
      for (size_t s = 0; s < u.slots.size(); ++s) {
        newSlots.push_back(u.slots[s]);
        slotNames.push_back(params[i].name + "/" + optimizerSlots(kind)[s]);
      }
    }
  } catch (const Error &e) {
    step.erase();
    return emitError(module.getLoc(), "--nabla-train-step: ") << e.what();
  }
  results.append(newSlots.begin(), newSlots.end());
  names.insert(names.end(), slotNames.begin(), slotNames.end());
  builder.create<ReturnOp>(ret.getLoc(), results);
  ret.erase();
  eraseDeadOps(body);

  llvm::SmallVector<Type> types;
  for (Value v : results) types.push_back(v.getType());
  step.setType(FunctionType::get(context, step.getType().getInputs(), types));
  for (unsigned r = 0; r < names.size(); ++r) {
    step.setResultAttrs(r, DictionaryAttr::get(context, {}));
    if (!names[r].empty()) step.setResultAttr(r, "nabla.name", str(context, names[r]));
  }
  return success();
}

} // namespace

std::unique_ptr<Pass> createTrainStepPass() { return std::make_unique<TrainStepPass>(); }
std::unique_ptr<Pass> createTrainStepPass(const std::string &function,
                                          const std::string &optimizer) {
  return std::make_unique<TrainStepPass>(function, optimizer);
}

} // namespace nabla
