// --nabla-fuse-conv-pool: marks convolutions that are computed inside the
// max pool reading them (`nabla.inline`). Where the pool's windows tile the
// image it reads each convolution output exactly once, so the backend can
// compute the convolution's register tiles inside the pool's loops: the
// activation (SimpleConvNet's 30x24x24 per image, 6.9 MB at batch 100) is
// never written to memory and read back. Only single-use convolutions
// qualify: a training step's backward pass reads the activation unless
// --nabla-pool-indices gave it the pool's indices instead (and then the pool
// is a max_pool2d_with_indices).
#include "passes/PassDetail.h"
#include "passes/Passes.h"

using namespace mlir;

namespace nabla {
namespace {

bool pooledInPlace(Operation &conv) {
  if (!conv.getResult(0).hasOneUse()) return false;
  Operation *user = *conv.getResult(0).getUsers().begin();
  if (auto pool = dyn_cast<MaxPool2DOp>(user)) return poolWindowsTile(pool);
  if (auto pool = dyn_cast<MaxPool2DWithIndicesOp>(user)) return poolWindowsTile(pool);
  return false;
}

struct FuseConvPool : FuseConvPoolBase<FuseConvPool> {
  void runOnOperation() override {
    UnitAttr mark = UnitAttr::get(&getContext());
    getOperation().walk([&](Operation *op) {
      if (!isa<Conv2DOp, FusedConv2DOp>(op)) return;
      if (pooledInPlace(*op)) op->setAttr("nabla.inline", mark);
      else op->removeAttr("nabla.inline");
    });
  }
};

} // namespace

std::unique_ptr<Pass> createFuseConvPoolPass() { return std::make_unique<FuseConvPool>(); }

} // namespace nabla
