// --nabla-lower-pool-to-im2col: pooling as a reduction over im2col rows.
//
// With x [N, C, H, W], a KH x KW window and M = N*C*OH*OW rows:
//   pool:            cols = im2col(reshape(x, [N*C, 1, H, W]))     [M, KH*KW]
//                    out = reshape(reduce_max|mean(cols, [1]), [N, C, OH, OW])
//   max backward:    dcols = one_hot(argmax(cols, 1)) * reshape(g, [M, 1])
//   avg backward:    dcols = reshape(g, [M, 1]) * (1 / (KH*KW))
//                    dx = reshape(col2im(dcols), [N, C, H, W])
// Only unpadded windows are lowered (and padded average pooling that counts
// the padding), because im2col fills padding with zeros.
#include "passes/PassDetail.h"
#include "passes/Passes.h"
#include "passes/gradients/GradientBuilder.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace nabla {
namespace {

using grad::GradientBuilder;

RankedTensorType typeOf(Value v) { return v.getType().cast<RankedTensorType>(); }

bool unpadded(ArrayAttr pads) {
  return llvm::all_of(pads, [](Attribute a) { return a.cast<IntegerAttr>().getInt() == 0; });
}

/// The window geometry of a pooling op as im2col attributes.
llvm::SmallVector<NamedAttribute> windowAttrs(GradientBuilder &b, ArrayAttr kernel, ArrayAttr strides,
                                              ArrayAttr pads) {
  return {b.attr("kernel_shape", kernel), b.attr("strides", strides), b.attr("pads", pads)};
}

/// Every channel of [N, C, H, W] as an image of its own: [N*C, 1, H, W].
Value channelsAsImages(GradientBuilder &b, Value x) {
  auto t = typeOf(x);
  return b.op<ReshapeOp>({x}, {b.attr("shape", b.ints({-1, 1, t.getDimSize(2), t.getDimSize(3)}))});
}

Value asNCHW(GradientBuilder &b, Value v, int64_t channels, int64_t h, int64_t w) {
  return b.op<ReshapeOp>({v}, {b.attr("shape", b.ints({-1, channels, h, w}))});
}

int64_t windowSize(ArrayAttr kernel) {
  return kernel[0].cast<IntegerAttr>().getInt() * kernel[1].cast<IntegerAttr>().getInt();
}

template <typename PoolOp, typename ReduceOp> struct LowerPool : OpRewritePattern<PoolOp> {
  using OpRewritePattern<PoolOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(PoolOp op, PatternRewriter &rewriter) const override {
    bool countsPadding = false;
    if constexpr (std::is_same_v<PoolOp, AvgPool2DOp>) countsPadding = op.getCountIncludePad();
    if (!unpadded(op.getPads()) && !countsPadding) return failure();
    GradientBuilder b(rewriter, op.getLoc());
    auto out = typeOf(op.getResult());
    Value cols = b.op<Im2ColOp>({channelsAsImages(b, op.getInput())},
                                windowAttrs(b, op.getKernelShape(), op.getStrides(), op.getPads()));
    Value reduced = b.op<ReduceOp>({cols}, {b.attr("axes", b.ints({1}))});
    rewriter.replaceOp(op, asNCHW(b, reduced, out.getDimSize(1), out.getDimSize(2), out.getDimSize(3)));
    return success();
  }
};

/// Folds per-row window gradients [M, KH*KW] back into an [N, C, H, W] gradient.
Value foldRows(GradientBuilder &b, Value dcols, ArrayAttr kernel, ArrayAttr strides, ArrayAttr pads,
               RankedTensorType image) {
  auto attrs = windowAttrs(b, kernel, strides, pads);
  attrs.push_back(b.attr("image_size", b.ints({image.getDimSize(2), image.getDimSize(3)})));
  Value dx = b.op<Col2ImOp>({dcols}, attrs);
  return asNCHW(b, dx, image.getDimSize(1), image.getDimSize(2), image.getDimSize(3));
}

struct LowerMaxPoolBackward : OpRewritePattern<MaxPool2DBackwardOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MaxPool2DBackwardOp op, PatternRewriter &rewriter) const override {
    if (!unpadded(op.getPads())) return failure();
    GradientBuilder b(rewriter, op.getLoc());
    Value cols = b.op<Im2ColOp>({channelsAsImages(b, op.getInput())},
                                windowAttrs(b, op.getKernelShape(), op.getStrides(), op.getPads()));
    Value argmax = b.op<ArgmaxOp>({cols}, {b.attr("axis", rewriter.getI64IntegerAttr(1))});
    Value routes = b.op<OneHotOp>(
        {argmax}, {b.attr("depth", rewriter.getI64IntegerAttr(windowSize(op.getKernelShape())))});
    Value g = b.op<ReshapeOp>({op.getGradOutput()}, {b.attr("shape", b.ints({-1, 1}))});
    rewriter.replaceOp(op, foldRows(b, b.mul(routes, g), op.getKernelShape(), op.getStrides(),
                                    op.getPads(), typeOf(op.getResult())));
    return success();
  }
};

struct LowerAvgPoolBackward : OpRewritePattern<AvgPool2DBackwardOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AvgPool2DBackwardOp op, PatternRewriter &rewriter) const override {
    if (!unpadded(op.getPads()) && !op.getCountIncludePad()) return failure();
    GradientBuilder b(rewriter, op.getLoc());
    int64_t window = windowSize(op.getKernelShape());
    auto shareType = RankedTensorType::get({1, window}, rewriter.getF32Type());
    Value share = b.op<ConstantOp>(
        {}, {b.attr("value", DenseElementsAttr::get(shareType, 1.0f / float(window)))});
    Value g = b.op<ReshapeOp>({op.getGradOutput()}, {b.attr("shape", b.ints({-1, 1}))});
    rewriter.replaceOp(op, foldRows(b, b.mul(g, share), op.getKernelShape(), op.getStrides(),
                                    op.getPads(), typeOf(op.getResult())));
    return success();
  }
};

class LowerPoolToIm2colPass : public LowerPoolToIm2colBase<LowerPoolToIm2colPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<LowerPool<MaxPool2DOp, ReduceMaxOp>, LowerPool<AvgPool2DOp, ReduceMeanOp>,
                 LowerMaxPoolBackward, LowerAvgPoolBackward>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

std::unique_ptr<Pass> createLowerPoolToIm2colPass() {
  return std::make_unique<LowerPoolToIm2colPass>();
}

} // namespace nabla
