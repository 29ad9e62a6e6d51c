// --nabla-fuse-elementwise: marks pointwise values that are computed inside
// their consumer instead of being stored (`nabla.inline`). A value qualifies
// when a pointwise op makes it (an elementwise op, or a max_pool2d_backward
// whose windows tile the image), its single user is elementwise and has the
// same result type: the consumer then reads each element exactly once, so
// recomputing it there costs nothing and saves a tensor's write and read. A
// chain (the Adam update, a sigmoid's gradient, the pool gradient masked by
// relu's step) becomes one loop. The backend honours the mark;
// --nabla-plan-memory gives marked values no buffer. Only pointwise values
// are this pass's to mark or unmark (--nabla-fuse-conv-pool marks convs).
// A long chain stores a value every kMaxInlineDepth ops (InlineDepth.h).
#include "passes/InlineDepth.h"
#include "passes/PassDetail.h"
#include "passes/Passes.h"

using namespace mlir;

namespace nabla {
namespace {

bool fusesIntoItsUser(Operation &op) {
  if (!isPointwise(&op) || op.getNumResults() != 1 || !op.getResult(0).hasOneUse()) return false;
  Operation *user = *op.getResult(0).getUsers().begin();
  return isElementwise(user) && user->getResult(0).getType() == op.getResult(0).getType();
}

struct FuseElementwise : FuseElementwiseBase<FuseElementwise> {
  void runOnOperation() override {
    UnitAttr mark = UnitAttr::get(&getContext());
    getOperation().walk([&](Operation *op) {
      if (fusesIntoItsUser(*op)) op->setAttr("nabla.inline", mark);
      else if (isPointwise(op)) op->removeAttr("nabla.inline");
    });
    capInlineDepth(getOperation());
  }
};

} // namespace

std::unique_ptr<Pass> createFuseElementwisePass() { return std::make_unique<FuseElementwise>(); }

} // namespace nabla
