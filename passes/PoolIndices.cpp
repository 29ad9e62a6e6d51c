// --nabla-pool-indices: a training step's max-pool gradient reads where each
// maximum was instead of the pooled input. Autodiff emits
// max_pool2d_backward(X, dy), which finds every window's maximum in X again,
// so X (SimpleConvNet's 30x24x24 relu activation per image, 6.9 MB at batch
// 100) must be stored for the backward pass, read by the forward pool, by
// the backward's argmax and by relu's mask. Here:
//
//   * the forward max_pool2d(X) with the same window becomes
//     max_pool2d_with_indices(X), and the gradient
//     max_pool2d_indices_backward(indices, dy): X is read once;
//   * relu's mask moves before the routing: mul(route(dy), step(X)) =
//     route(dy * step(P)) with P the pooled maximum, since a gradient only
//     ever reaches the pixel that is its window's maximum, where X = P. The
//     mask is then taken on the pooled tensor, a quarter of X for 2x2 windows;
//   * a sum of the routed gradient over both spatial axes (the conv's bias
//     gradient) sums dy instead: routing moves every element of dy to one
//     pixel inside the image, dropping none and adding none, so the sums
//     are equal, and dy is a quarter of the routed tensor for 2x2 windows.
//
// With both, the pool is X's only reader, and --nabla-fuse-conv-pool can
// compute the convolution inside it in training too. Pools whose input has
// dynamic height or width, or with no forward pool before the gradient,
// are left as they are.
#include "passes/PassDetail.h"
#include "passes/Passes.h"

#include "mlir/IR/Builders.h"

using namespace mlir;

namespace nabla {
namespace {

template <typename PoolT> bool sameWindow(PoolT pool, MaxPool2DBackwardOp grad) {
  return pool.getKernelShape() == grad.getKernelShape() && pool.getStrides() == grad.getStrides() &&
         pool.getPads() == grad.getPads() && pool->getBlock() == grad->getBlock() &&
         pool->isBeforeInBlock(grad);
}

/// max_pool2d(X) -> max_pool2d_with_indices(X), in place.
MaxPool2DWithIndicesOp withIndices(MaxPool2DOp pool) {
  OpBuilder b(pool);
  // The getters fill in omitted attributes' defaults (unit strides, no pads).
  auto fused = b.create<MaxPool2DWithIndicesOp>(pool.getLoc(), pool.getInput(),
                                                pool.getKernelShape(), pool.getStrides(),
                                                pool.getPads());
  pool.getResult().replaceAllUsesWith(fused.getResult());
  pool.erase();
  return fused;
}

/// The pool of `grad`'s input with its window, before it, with indices: one
/// already rewritten (an earlier gradient of the same input), or the
/// forward max_pool2d rewritten now; null if there is none.
MaxPool2DWithIndicesOp poolWithIndicesFor(MaxPool2DBackwardOp grad) {
  for (Operation *user : grad.getInput().getUsers())
    if (auto pool = dyn_cast<MaxPool2DWithIndicesOp>(user))
      if (sameWindow(pool, grad)) return pool;
  for (Operation *user : grad.getInput().getUsers())
    if (auto pool = dyn_cast<MaxPool2DOp>(user))
      if (sameWindow(pool, grad)) return withIndices(pool);
  return {};
}

/// `mul` reading `routed` and step(`input`) in either order: the step op.
StepOp reluMaskOf(MulOp mul, Value routed, Value input) {
  for (Value side : {mul.getLhs(), mul.getRhs()}) {
    auto step = side.getDefiningOp<StepOp>();
    Value other = side == mul.getLhs() ? mul.getRhs() : mul.getLhs();
    if (step && step.getOperand() == input && other == routed &&
        mul.getResult().getType() == routed.getType())
      return step;
  }
  return {};
}

/// If the routed gradient's only reader masks it with step(input), mask the
/// pooled gradient with step(pooled maximum) instead.
void maskBeforeRouting(MaxPool2DIndicesBackwardOp grad, MaxPool2DWithIndicesOp pool) {
  Value routed = grad.getResult();
  if (!routed.hasOneUse()) return;
  auto mul = dyn_cast<MulOp>(*routed.getUsers().begin());
  StepOp step = mul ? reluMaskOf(mul, routed, pool.getInput()) : StepOp();
  if (!step) return;
  OpBuilder b(grad);
  Location loc = step.getLoc();
  Value pooledMask = b.create<StepOp>(loc, pool.getResult().getType(), pool.getResult());
  Value masked =
      b.create<MulOp>(loc, grad.getGradOutput().getType(), grad.getGradOutput(), pooledMask);
  grad.getGradOutputMutable().assign(masked);
  mul.getResult().replaceAllUsesWith(routed);
  mul.erase();
  if (step->use_empty()) step.erase();
}

/// Whether `sum` reduces both spatial axes of its NCHW input.
bool sumsBothSpatialAxes(ReduceSumOp sum) {
  llvm::ArrayRef<Attribute> axes = sum.getAxes().getValue();
  if (axes.empty()) return true; // all of them
  bool height = false, width = false;
  for (Attribute a : axes) {
    int64_t axis = a.cast<IntegerAttr>().getInt();
    if (axis < 0) axis += 4;
    height |= axis == 2;
    width |= axis == 3;
  }
  return height && width;
}

/// The routed gradient's sums over both spatial axes read the gradient
/// before routing.
void sumBeforeRouting(MaxPool2DIndicesBackwardOp grad) {
  for (Operation *user : llvm::make_early_inc_range(grad.getResult().getUsers())) {
    auto sum = dyn_cast<ReduceSumOp>(user);
    if (!sum || !sumsBothSpatialAxes(sum)) continue;
    OpBuilder b(sum);
    auto pooled = b.create<ReduceSumOp>(sum.getLoc(), TypeRange{sum.getResult().getType()},
                                        ValueRange{grad.getGradOutput()}, sum->getAttrs());
    sum.getResult().replaceAllUsesWith(pooled.getResult());
    sum.erase();
  }
}

struct PoolIndices : PoolIndicesBase<PoolIndices> {
  void runOnOperation() override {
    llvm::SmallVector<MaxPool2DBackwardOp> grads;
    getOperation().walk([&](MaxPool2DBackwardOp grad) { grads.push_back(grad); });
    for (MaxPool2DBackwardOp grad : grads) {
      auto input = grad.getInput().getType().cast<RankedTensorType>();
      if (input.isDynamicDim(2) || input.isDynamicDim(3)) continue;
      MaxPool2DWithIndicesOp pool = poolWithIndicesFor(grad);
      if (!pool) continue;
      OpBuilder b(grad);
      auto routed = b.create<MaxPool2DIndicesBackwardOp>(
          grad.getLoc(), grad.getResult().getType(), pool.getIndices(), grad.getGradOutput(),
          grad.getKernelShape(), b.getI64ArrayAttr({input.getDimSize(2), input.getDimSize(3)}),
          grad.getStrides(), grad.getPads());
      grad.getResult().replaceAllUsesWith(routed.getResult());
      grad.erase();
      maskBeforeRouting(routed, pool);
      sumBeforeRouting(routed);
    }
  }
};

} // namespace

std::unique_ptr<Pass> createPoolIndicesPass() { return std::make_unique<PoolIndices>(); }

} // namespace nabla
