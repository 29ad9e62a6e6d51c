#include "passes/Cleanup.h"

#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace nabla {

void eraseDeadOps(mlir::Block &block) {
  llvm::SmallVector<mlir::Operation *> ops;
  for (mlir::Operation &op : block.without_terminator()) ops.push_back(&op);
  for (mlir::Operation *op : llvm::reverse(ops))
    if (op->use_empty() && mlir::MemoryEffectOpInterface::hasNoEffect(op)) op->erase();
}

} // namespace nabla
