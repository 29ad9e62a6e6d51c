// --nabla-autodiff: reverse-mode differentiation on the nabla IR.
//
// The gradient function starts as a copy of the loss function with calls
// inlined. Ops are then visited in reverse order; each active op (one that
// depends on a differentiated argument and that the loss depends on) turns
// the gradients of its results into gradients of its operands through its
// rule in passes/gradients/, and gradients of a value used several times are
// summed. The function finally returns its original results followed by one
// gradient per differentiated argument.
#include "passes/Cleanup.h"
#include "passes/PassDetail.h"
#include "passes/Passes.h"
#include "passes/gradients/GradientRules.h"

#include "runtime/Error.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/IR/BlockAndValueMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/InliningUtils.h"
#include "llvm/ADT/SetVector.h"

#include <set>

using namespace mlir;

namespace nabla {
namespace {

/// Inlines every call in `func` (repeatedly, for nested calls).
LogicalResult inlineCalls(FuncOp func, ModuleOp module) {
  InlinerInterface inliner(func.getContext());
  for (int depth = 0; depth < 64; ++depth) {
    llvm::SmallVector<CallOp> calls;
    func.walk([&](CallOp call) { calls.push_back(call); });
    if (calls.empty()) return success();
    for (CallOp call : calls) {
      auto callee = module.lookupSymbol<FuncOp>(call.getCallee());
      if (!callee || callee.isExternal())
        return call.emitError("cannot differentiate through a call to @") << call.getCallee()
                                                                           << ", which has no body";
      if (failed(inlineCall(inliner, call, callee, &callee.getBody())))
        return call.emitError("could not inline @") << call.getCallee();
      call.erase();
    }
  }
  return func.emitError("calls nest too deeply to inline");
}

/// Which arguments to differentiate: role "param", or every f32 argument when
/// no argument has a role.
llvm::SmallVector<unsigned> differentiatedArguments(FuncOp func) {
  llvm::SmallVector<unsigned> params, floats;
  bool anyRole = false;
  for (unsigned i = 0; i < func.getNumArguments(); ++i) {
    auto role = func.getArgAttrOfType<StringAttr>(i, "nabla.role");
    anyRole |= bool(role);
    if (role && role.getValue() == "param") params.push_back(i);
    auto type = func.getArgument(i).getType().dyn_cast<RankedTensorType>();
    if (type && type.getElementType().isF32()) floats.push_back(i);
  }
  return anyRole ? params : floats;
}

class AutodiffPass : public AutodiffBase<AutodiffPass> {
public:
  AutodiffPass() = default;
  explicit AutodiffPass(const std::string &function) { functionName = function; }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto func = module.lookupSymbol<FuncOp>(functionName);
    if (!func) {
      emitError(module.getLoc(), "--nabla-autodiff: no function @") << functionName << " to differentiate";
      return signalPassFailure();
    }
    if (failed(differentiate(module, func))) signalPassFailure();
  }

private:
  LogicalResult differentiate(ModuleOp module, FuncOp func);
};

LogicalResult AutodiffPass::differentiate(ModuleOp module, FuncOp func) {
  auto resultTypes = func.getType().getResults();
  auto lossType = resultTypes.empty() ? RankedTensorType() : resultTypes[0].dyn_cast<RankedTensorType>();
  if (!lossType || lossType.getRank() != 0 || !lossType.getElementType().isF32())
    return func.emitError("--nabla-autodiff: the first result of @")
           << func.getName() << " must be a scalar tensor<f32> loss";

  std::string gradName = (func.getName() + "_grad").str();
  if (module.lookupSymbol(gradName))
    return func.emitError("--nabla-autodiff: @") << gradName << " already exists";
  FuncOp grad = func.clone();
  grad.setName(gradName);
  grad.setPublic();
  module.push_back(grad);
  if (failed(inlineCalls(grad, module))) return failure();

  Block &body = grad.getBody().front();
  auto ret = cast<ReturnOp>(body.getTerminator());
  Value loss = ret.getOperand(0);
  llvm::SmallVector<unsigned> wrt = differentiatedArguments(grad);

  // Active values: depend on a differentiated argument and reach the loss.
  llvm::DenseSet<Value> dependsOnWrt, reachesLoss;
  for (unsigned i : wrt) dependsOnWrt.insert(grad.getArgument(i));
  for (Operation &op : body.without_terminator())
    if (llvm::any_of(op.getOperands(), [&](Value v) { return dependsOnWrt.contains(v); }))
      for (Value r : op.getResults()) dependsOnWrt.insert(r);
  reachesLoss.insert(loss);
  for (Operation &op : llvm::reverse(body.without_terminator()))
    if (llvm::any_of(op.getResults(), [&](Value v) { return reachesLoss.contains(v); }))
      for (Value operand : op.getOperands()) reachesLoss.insert(operand);
  auto active = [&](Operation &op) {
    return llvm::any_of(op.getResults(), [&](Value v) {
      return dependsOnWrt.contains(v) && reachesLoss.contains(v);
    });
  };

  // One error for every op that lacks a rule, before building anything.
  const grad::RuleTable &rules = grad::RuleTable::instance();
  std::set<std::string> missing;
  llvm::SmallVector<Operation *> missingOps;
  for (Operation &op : body.without_terminator())
    if (active(op) && !rules.find(&op)) {
      missing.insert(op.getName().getStringRef().str());
      missingOps.push_back(&op);
    }
  if (!missing.empty()) {
    std::string list;
    for (const std::string &name : missing) list += (list.empty() ? "" : ", ") + name;
    InFlightDiagnostic diag = func.emitError("--nabla-autodiff: no gradient rule for ") << list;
    for (Operation *op : missingOps) diag.attachNote(op->getLoc()) << op->getName() << " used here";
    grad.erase();
    return failure();
  }

  OpBuilder builder(ret);
  llvm::DenseMap<Value, Value> grads;
  auto accumulate = [&](Value target, Value g, grad::GradientBuilder &b) {
    if (!g || !dependsOnWrt.contains(target)) return;
    auto it = grads.find(target);
    grads[target] = it == grads.end() ? g : b.add(it->second, g);
  };
  try {
    grad::GradientBuilder seed(builder, loss.getLoc());
    grads[loss] = seed.scalar(1.0);
    llvm::SmallVector<Operation *> forward;
    for (Operation &op : body.without_terminator()) forward.push_back(&op);
    for (Operation *op : llvm::reverse(forward)) {
      if (!active(*op)) continue;
      llvm::SmallVector<Value> resultGrads;
      bool any = false;
      for (Value r : op->getResults()) {
        resultGrads.push_back(grads.lookup(r));
        any |= bool(resultGrads.back());
      }
      if (!any) continue;
      grad::GradientBuilder b(builder, op->getLoc());
      std::vector<Value> operandGrads = (*rules.find(op))(op, resultGrads, b);
      for (unsigned i = 0; i < op->getNumOperands() && i < operandGrads.size(); ++i)
        accumulate(op->getOperand(i), operandGrads[i], b);
    }
    // Results: the original ones, then one gradient per argument (zeros for
    // an argument the loss does not depend on).
    llvm::SmallVector<Value> results(ret.getOperands().begin(), ret.getOperands().end());
    grad::GradientBuilder b(builder, grad.getLoc());
    for (unsigned i : wrt) {
      Value arg = grad.getArgument(i);
      Value g = grads.lookup(arg);
      results.push_back(g ? g : b.zerosLike(arg));
    }
    builder.create<ReturnOp>(ret.getLoc(), results);
  } catch (const Error &e) {
    func.emitError("--nabla-autodiff: ") << e.what();
    grad.erase();
    return failure();
  }
  ret.erase();

  // Result types and names: gradients are named "grad:<argument name>".
  llvm::SmallVector<Type> types;
  for (Value v : body.getTerminator()->getOperands()) types.push_back(v.getType());
  unsigned originalResults = func.getNumResults();
  grad.setType(FunctionType::get(grad.getContext(), grad.getType().getInputs(), types));
  for (unsigned k = 0; k < wrt.size(); ++k) {
    auto name = grad.getArgAttrOfType<StringAttr>(wrt[k], "nabla.name");
    std::string label = "grad:" + (name ? name.getValue().str() : "arg" + std::to_string(wrt[k]));
    grad.setResultAttr(originalResults + k, "nabla.name", StringAttr::get(grad.getContext(), label));
  }

  // Rules build some values only one operand needs (e.g. the gradient of a
  // constant exponent); drop whatever ended up unused.
  eraseDeadOps(body);
  return success();
}

} // namespace

std::unique_ptr<Pass> createAutodiffPass() { return std::make_unique<AutodiffPass>(); }
std::unique_ptr<Pass> createAutodiffPass(const std::string &function) {
  return std::make_unique<AutodiffPass>(function);
}

} // namespace nabla
