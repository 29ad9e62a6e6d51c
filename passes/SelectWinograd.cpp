// --nabla-select-winograd: marks with `nabla.winograd` the convolutions that
// pay for Winograd F(4x4, 3x3): 3x3, stride 1, undilated, one group, with at
// least kMinChannels input and output channels. Per 4x4 outputs and channel
// pair it multiplies 36 times instead of 144, but it transforms each input
// tile (amortized over the output channels) and each output tile (over the
// input channels). On the Halide CPU backend (AMD Zen 5, batch 100) the
// 3x3 convs of DeepConvNet gain 1.17x (32 -> 16 on 14 x 14) to 1.71x
// (16 -> 32 on 14 x 14) on one thread, 1.21x to 1.63x on two. A data
// gradient qualifies when it is itself such a conv of the output gradient
// (pads smaller than the 3x3 kernel). The backend decides the rest of what
// it needs (static shapes; the Halide CPU schedule: input channels in
// multiples of 8, output channels in multiples of 16, at least 4 rows of
// at least 8) and computes other marked convs directly; other convolutions
// lose a stale mark.
#include "passes/PassDetail.h"
#include "passes/Passes.h"

using namespace mlir;

namespace nabla {
namespace {

constexpr int64_t kMinChannels = 16;

bool allEqual(ArrayAttr values, int64_t expected) {
  return llvm::all_of(values,
                      [&](Attribute v) { return v.cast<IntegerAttr>().getInt() == expected; });
}

/// A [O, C, 3, 3] filter of at least kMinChannels on both sides, applied
/// with unit steps and one group.
bool winogradConv(Value filter, ArrayAttr strides, ArrayAttr dilations, int64_t groups) {
  auto type = filter.getType().dyn_cast<RankedTensorType>();
  if (!type || !type.hasStaticShape() || type.getRank() != 4) return false;
  ArrayRef<int64_t> shape = type.getShape();
  return shape[2] == 3 && shape[3] == 3 && shape[0] >= kMinChannels && shape[1] >= kMinChannels &&
         groups == 1 && allEqual(strides, 1) && allEqual(dilations, 1);
}

/// conv2d, fused_conv2d and conv2d_backward_data share these accessors.
template <typename ConvLike> bool winogradConv(ConvLike op) {
  return winogradConv(op.getFilter(), op.getStrides(), op.getDilations(), op.getGroups());
}

bool paysOff(Operation *op) {
  if (auto conv = dyn_cast<Conv2DOp>(op)) return winogradConv(conv);
  if (auto conv = dyn_cast<FusedConv2DOp>(op)) return winogradConv(conv);
  if (auto data = dyn_cast<Conv2DBackwardDataOp>(op))
    return winogradConv(data) && llvm::all_of(data.getPads(), [](Attribute p) {
             return p.cast<IntegerAttr>().getInt() < 3;
           });
  return false;
}

struct SelectWinograd : SelectWinogradBase<SelectWinograd> {
  void runOnOperation() override {
    UnitAttr mark = UnitAttr::get(&getContext());
    getOperation().walk([&](Operation *op) {
      if (!isa<Conv2DOp, FusedConv2DOp, Conv2DBackwardDataOp>(op)) return;
      if (paysOff(op))
        op->setAttr("nabla.winograd", mark);
      else
        op->removeAttr("nabla.winograd");
    });
  }
};

} // namespace

std::unique_ptr<Pass> createSelectWinogradPass() { return std::make_unique<SelectWinograd>(); }

} // namespace nabla
