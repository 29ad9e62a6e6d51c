#include "passes/InlineDepth.h"

#include "ir/Dialect.h"

#include "llvm/ADT/DenseMap.h"

using namespace mlir;

namespace nabla {

void capInlineDepth(FuncOp func, const llvm::DenseSet<Operation *> &keep) {
  llvm::DenseMap<Operation *, int> depthOf; // inlined pointwise ops
  func.walk([&](Operation *op) {
    if (!isPointwise(op) || !op->hasAttr("nabla.inline")) return;
    int depth = 1;
    for (Value operand : op->getOperands())
      if (auto it = depthOf.find(operand.getDefiningOp()); it != depthOf.end())
        depth = std::max(depth, it->second + 1);
    if (depth >= kMaxInlineDepth && !keep.contains(op))
      op->removeAttr("nabla.inline");
    else
      depthOf[op] = depth;
  });
}

} // namespace nabla
