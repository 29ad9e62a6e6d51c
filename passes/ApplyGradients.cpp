// --nabla-apply-gradients: the optimizer update alone, as a function of the
// parameters and their gradients. Data-parallel training computes gradients
// on several shards of a batch with <function>_grad and applies them with
// this function once. With shards=N the function averages the N shards'
// gradients itself, inside the update's one pass over each parameter: a
// separate all-reduce pass would write the average and read it back, which
// cost SimpleConvNet's two-replica step 0.2 ms of its 3.
#include "passes/PassDetail.h"
#include "passes/Passes.h"
#include "passes/UpdateBuilder.h"
#include "passes/gradients/GradientBuilder.h"

#include "runtime/Error.h"

using namespace mlir;

namespace nabla {
namespace {

class ApplyGradientsPass : public ApplyGradientsBase<ApplyGradientsPass> {
public:
  ApplyGradientsPass() = default;
  ApplyGradientsPass(const std::string &function, const std::string &optimizerName,
                     int shardCount) {
    functionName = function;
    optimizer = optimizerName;
    shards = shardCount;
  }

  void runOnOperation() override {
    if (failed(build(getOperation()))) signalPassFailure();
  }

private:
  LogicalResult build(ModuleOp module);
};

LogicalResult ApplyGradientsPass::build(ModuleOp module) {
  const char *flag = "--nabla-apply-gradients";
  if (shards < 1)
    return emitError(module.getLoc(), flag)
           << ": shards must be at least 1, got " << int64_t(shards);
  std::string applyName = functionName + "_apply_gradients";
  auto source = findUpdateSource(module, functionName, optimizer, applyName, flag);
  if (failed(source)) return failure();
  FuncOp grad = source->grad;
  const std::vector<GradientResult> &gradients = source->gradients;
  size_t n = gradients.size(), shardCount = size_t(shards);
  bool weighted = shardCount > 1;

  // Arguments: the parameters, then their gradients in the gradient
  // function's result order (once per shard), then the shards' weights.
  MLIRContext *context = module.getContext();
  auto scalarType = RankedTensorType::get({}, Float32Type::get(context));
  llvm::SmallVector<Type> types;
  for (size_t copy = 0; copy <= shardCount; ++copy)
    for (const GradientResult &g : gradients)
      types.push_back(grad.getArgument(g.argument).getType());
  if (weighted) types.append(shardCount, scalarType);
  auto apply = FuncOp::create(grad.getLoc(), applyName, FunctionType::get(context, types, {}));
  module.push_back(apply);
  Block *body = apply.addEntryBlock();
  auto ret = OpBuilder::atBlockEnd(body).create<ReturnOp>(grad.getLoc());
  auto name = [&](unsigned index, const std::string &text, const char *role) {
    apply.setArgAttr(index, "nabla.name", StringAttr::get(context, text));
    apply.setArgAttr(index, "nabla.role", StringAttr::get(context, role));
  };
  auto suffix = [&](size_t s) { return weighted ? "@" + std::to_string(s) : std::string(); };
  for (size_t i = 0; i < n; ++i) {
    name(i, gradients[i].name, "param");
    for (size_t s = 0; s < shardCount; ++s)
      name((1 + s) * n + i, "grad:" + gradients[i].name + suffix(s), "grad");
  }
  for (size_t s = 0; weighted && s < shardCount; ++s)
    name((1 + shardCount) * n + s, "shard_weight" + suffix(s), "shard_weight");

  OpBuilder builder(ret);
  std::vector<ParameterGradient> params;
  for (size_t i = 0; i < n; ++i) {
    Value gradient = apply.getArgument(n + i);
    if (weighted) {
      // Summed in shard order, as one thread would sum the shards.
      grad::GradientBuilder b(builder, gradient.getLoc());
      gradient = b.mul(apply.getArgument((1 + shardCount) * n), gradient);
      for (size_t s = 1; s < shardCount; ++s)
        gradient = b.add(gradient, b.mul(apply.getArgument((1 + shardCount) * n + s),
                                         apply.getArgument((1 + s) * n + i)));
    }
    params.push_back({gradients[i].name, apply.getArgument(i), gradient});
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
                                               const std::string &optimizer, int shards) {
  return std::make_unique<ApplyGradientsPass>(function, optimizer, shards);
}

} // namespace nabla
