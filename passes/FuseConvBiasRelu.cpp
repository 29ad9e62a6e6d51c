// --nabla-fuse-conv-bias-relu: producer + bias + activation as one op.
#include "passes/PassDetail.h"
#include "passes/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace nabla {
namespace {

StringAttr relu(Builder &b) { return b.getStringAttr("relu"); }

/// relu(conv2d(x, w, b)) -> fused_conv2d(x, w, b) {activation = "relu"}
struct FuseConvRelu : OpRewritePattern<ReluOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReluOp op, PatternRewriter &rewriter) const override {
    auto conv = op.getInput().getDefiningOp<Conv2DOp>();
    if (!conv || !conv->hasOneUse()) return failure();
    llvm::SmallVector<NamedAttribute> attrs(conv->getAttrs().begin(), conv->getAttrs().end());
    attrs.push_back(rewriter.getNamedAttr("activation", relu(rewriter)));
    rewriter.replaceOpWithNewOp<FusedConv2DOp>(op, op.getType(), conv->getOperands(), attrs);
    rewriter.eraseOp(conv);
    return success();
  }
};

/// add(matmul(x, w), b) -> fused_matmul(x, w, b) {activation = "none"} when b
/// is one entry per column (either operand order).
struct FuseMatmulBias : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AddOp op, PatternRewriter &rewriter) const override {
    for (int side = 0; side < 2; ++side) {
      Value product = side ? op.getRhs() : op.getLhs(), bias = side ? op.getLhs() : op.getRhs();
      auto matmul = product.getDefiningOp<MatmulOp>();
      auto biasType = bias.getType().dyn_cast<RankedTensorType>();
      if (!matmul || !matmul->hasOneUse() || !biasType || biasType.getRank() != 1 ||
          op.getType() != matmul.getType() ||
          biasType.getDimSize(0) != matmul.getType().cast<RankedTensorType>().getDimSize(1))
        continue;
      llvm::SmallVector<NamedAttribute> attrs(matmul->getAttrs().begin(), matmul->getAttrs().end());
      attrs.push_back(rewriter.getNamedAttr("activation", rewriter.getStringAttr("none")));
      rewriter.replaceOpWithNewOp<FusedMatmulOp>(
          op, op.getType(), ValueRange{matmul.getLhs(), matmul.getRhs(), bias}, attrs);
      rewriter.eraseOp(matmul);
      return success();
    }
    return failure();
  }
};

/// relu(fused_matmul {activation = "none"}) -> fused_matmul {activation = "relu"}
struct FuseMatmulRelu : OpRewritePattern<ReluOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReluOp op, PatternRewriter &rewriter) const override {
    auto fused = op.getInput().getDefiningOp<FusedMatmulOp>();
    if (!fused || !fused->hasOneUse() || fused.getActivation() != "none") return failure();
    rewriter.updateRootInPlace(fused, [&] { fused.setActivationAttr(relu(rewriter)); });
    rewriter.replaceOp(op, fused.getResult());
    return success();
  }
};

class FuseConvBiasReluPass : public FuseConvBiasReluBase<FuseConvBiasReluPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseConvRelu, FuseMatmulBias, FuseMatmulRelu>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

std::unique_ptr<Pass> createFuseConvBiasReluPass() {
  return std::make_unique<FuseConvBiasReluPass>();
}

} // namespace nabla
