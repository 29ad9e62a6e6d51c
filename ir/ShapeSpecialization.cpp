#include "ir/ShapeSpecialization.h"

#include "ir/ShapeHelpers.h"
#include "runtime/Error.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"

using namespace mlir;

namespace nabla {

namespace {

std::vector<ConcreteShape> specialize(FuncOp func, const std::vector<ConcreteShape> &argShapes,
                                      int depth);

/// Result types of one (non-call) op whose operands have static types.
llvm::SmallVector<Type> inferOp(Operation &op) {
  llvm::SmallVector<Type> types;
  auto infer = dyn_cast<InferTypeOpInterface>(op);
  if (!infer) {
    // Ops without inference (none in nabla today) keep their declared types.
    for (Value r : op.getResults()) types.push_back(r.getType());
    return types;
  }
  if (failed(infer.inferReturnTypes(op.getContext(), op.getLoc(), op.getOperands(),
                                    op.getAttrDictionary(), op.getRegions(), types)))
    throw Error("shape inference failed"); // the diagnostic handler has the message
  return types;
}

std::vector<ConcreteShape> specialize(FuncOp func, const std::vector<ConcreteShape> &argShapes,
                                      int depth) {
  std::string name = "@" + func.getName().str();
  if (depth > 64) throw Error(name + ": call nesting deeper than 64");
  if (func.isExternal()) throw Error(name + " has no body");
  if (argShapes.size() != func.getNumArguments())
    throw Error(name + " takes " + std::to_string(func.getNumArguments()) + " arguments, got " +
                std::to_string(argShapes.size()));
  // The clone is detached from the module; calls still resolve through the
  // original's module because lookups go via the op we are specializing.
  OwningOpRef<FuncOp> clone(func.clone());
  for (unsigned i = 0; i < argShapes.size(); ++i) {
    auto declared = func.getArgument(i).getType().dyn_cast<RankedTensorType>();
    if (!declared) throw Error(name + ": argument " + std::to_string(i) + " is not a ranked tensor");
    bool ok = declared.getRank() == int64_t(argShapes[i].size());
    for (int64_t d = 0; ok && d < declared.getRank(); ++d)
      ok = argShapes[i][d] >= 0 &&
           (declared.isDynamicDim(d) || declared.getDimSize(d) == argShapes[i][d]);
    if (!ok)
      throw Error(name + ": argument " + std::to_string(i) + " expects " + shape::str(declared) +
                  ", got shape " + shape::str(argShapes[i]));
    clone->getArgument(i).setType(RankedTensorType::get(argShapes[i], declared.getElementType()));
  }
  for (Operation &op : clone->getBody().front()) {
    if (auto ret = dyn_cast<ReturnOp>(op)) {
      std::vector<ConcreteShape> results;
      for (Value v : ret.getOperands())
        results.push_back(v.getType().cast<RankedTensorType>().getShape().vec());
      return results;
    }
    // Calls must resolve in the original module: specialize the callee there.
    llvm::SmallVector<Type> types;
    if (auto call = dyn_cast<CallOp>(op)) {
      auto callee = func->getParentOfType<ModuleOp>().lookupSymbol<FuncOp>(call.getCallee());
      if (!callee) throw Error(name + " calls unknown function @" + call.getCallee().str());
      std::vector<ConcreteShape> shapes;
      for (Value v : op.getOperands())
        shapes.push_back(v.getType().cast<RankedTensorType>().getShape().vec());
      std::vector<ConcreteShape> results = specialize(callee, shapes, depth + 1);
      for (unsigned i = 0; i < results.size() && i < op.getNumResults(); ++i)
        types.push_back(RankedTensorType::get(
            results[i], op.getResult(i).getType().cast<ShapedType>().getElementType()));
    } else {
      types = inferOp(op);
    }
    for (unsigned i = 0; i < types.size() && i < op.getNumResults(); ++i)
      op.getResult(i).setType(types[i]);
  }
  throw Error(name + " has no return");
}

} // namespace

std::vector<ConcreteShape> inferResultShapes(FuncOp func,
                                             const std::vector<ConcreteShape> &argShapes) {
  std::string diagnostics;
  ScopedDiagnosticHandler handler(func.getContext(), [&](Diagnostic &diag) {
    diagnostics += (diagnostics.empty() ? "" : "\n") + diag.str();
    return success();
  });
  try {
    return specialize(func, argShapes, 0);
  } catch (const Error &e) {
    if (diagnostics.empty()) throw;
    throw Error("@" + func.getName().str() + " on the given input shapes: " + diagnostics);
  }
}

std::vector<ConcreteShape> ShapeSpecializer::resultShapes(
    const std::vector<ConcreteShape> &argShapes) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = cache_.find(argShapes);
  if (it != cache_.end()) return it->second;
  return cache_[argShapes] = inferResultShapes(func_, argShapes);
}

} // namespace nabla
