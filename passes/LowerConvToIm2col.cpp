// --nabla-lower-conv-to-im2col: convolution as a GEMM over the im2col matrix.
//
// With x [N, C, H, W], w [O, C, KH, KW] and K = C*KH*KW:
//   conv2d:          cols = im2col(x)                       [N*OH*OW, K]
//                    y = cols x reshape(w, [O, K])^T (+ b)  [N*OH*OW, O]
//                    out = transpose(reshape(y, [N, OH, OW, O]), [0, 3, 1, 2])
//   backward data:   g2 = reshape(transpose(g, [0, 2, 3, 1]), [N*OH*OW, O])
//                    dx = col2im(g2 x reshape(w, [O, K]))
//   backward filter: dw = reshape(g2^T x im2col(x), [O, C, KH, KW])
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

/// The filter as a [O, C*KH*KW] matrix.
Value filterMatrix(GradientBuilder &b, Value filter) {
  auto w = typeOf(filter);
  int64_t k = w.getDimSize(1) * w.getDimSize(2) * w.getDimSize(3);
  return b.op<ReshapeOp>({filter}, {b.attr("shape", b.ints({w.getDimSize(0), k}))});
}

llvm::SmallVector<NamedAttribute> windowAttrs(GradientBuilder &b, ArrayAttr strides, ArrayAttr pads,
                                              ArrayAttr dilations, RankedTensorType filter) {
  return {b.attr("kernel_shape", b.ints({filter.getDimSize(2), filter.getDimSize(3)})),
          b.attr("strides", strides), b.attr("pads", pads), b.attr("dilations", dilations)};
}

/// The output gradient [N, O, OH, OW] as a [N*OH*OW, O] matrix.
Value gradMatrix(GradientBuilder &b, Value g) {
  auto t = b.op<TransposeOp>({g}, {b.attr("perm", b.ints({0, 2, 3, 1}))});
  return b.op<ReshapeOp>({t}, {b.attr("shape", b.ints({-1, typeOf(g).getDimSize(1)}))});
}

/// conv2d and fused_conv2d with groups == 1.
template <typename ConvOp> struct LowerConv : OpRewritePattern<ConvOp> {
  using OpRewritePattern<ConvOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(ConvOp op, PatternRewriter &rewriter) const override {
    if (op.getGroups() != 1) return failure();
    GradientBuilder b(rewriter, op.getLoc());
    auto w = typeOf(op.getFilter());
    auto out = typeOf(op.getResult());
    Value cols = b.op<Im2ColOp>({op.getInput()}, windowAttrs(b, op.getStrides(), op.getPads(),
                                                             op.getDilations(), w));
    llvm::SmallVector<Value> operands = {cols, filterMatrix(b, op.getFilter())};
    if (op.getBias()) operands.push_back(op.getBias());
    StringRef activation = "none";
    if constexpr (std::is_same_v<ConvOp, FusedConv2DOp>) activation = op.getActivation();
    Value y = b.op<FusedMatmulOp>(
        operands, {b.attr("transpose_rhs", rewriter.getBoolAttr(true)),
                   b.attr("activation", rewriter.getStringAttr(activation))});
    Value nhwc = b.op<ReshapeOp>(
        {y}, {b.attr("shape", b.ints({-1, out.getDimSize(2), out.getDimSize(3), w.getDimSize(0)}))});
    rewriter.replaceOp(op, b.op<TransposeOp>({nhwc}, {b.attr("perm", b.ints({0, 3, 1, 2}))}));
    return success();
  }
};

struct LowerConvBackwardData : OpRewritePattern<Conv2DBackwardDataOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(Conv2DBackwardDataOp op, PatternRewriter &rewriter) const override {
    if (op.getGroups() != 1) return failure();
    GradientBuilder b(rewriter, op.getLoc());
    auto w = typeOf(op.getFilter());
    Value dcols = b.op<MatmulOp>({gradMatrix(b, op.getGradOutput()), filterMatrix(b, op.getFilter())});
    auto attrs = windowAttrs(b, op.getStrides(), op.getPads(), op.getDilations(), w);
    attrs.push_back(b.attr("image_size", op.getImageSize()));
    rewriter.replaceOp(op, b.op<Col2ImOp>({dcols}, attrs));
    return success();
  }
};

struct LowerConvBackwardFilter : OpRewritePattern<Conv2DBackwardFilterOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(Conv2DBackwardFilterOp op, PatternRewriter &rewriter) const override {
    if (op.getGroups() != 1) return failure();
    GradientBuilder b(rewriter, op.getLoc());
    auto result = typeOf(op.getResult());
    Value cols = b.op<Im2ColOp>({op.getInput()}, windowAttrs(b, op.getStrides(), op.getPads(),
                                                             op.getDilations(), result));
    Value dw = b.op<MatmulOp>({gradMatrix(b, op.getGradOutput()), cols},
                              {b.attr("transpose_lhs", rewriter.getBoolAttr(true))});
    rewriter.replaceOp(op, b.op<ReshapeOp>({dw}, {b.attr("shape", b.ints(result.getShape()))}));
    return success();
  }
};

class LowerConvToIm2colPass : public LowerConvToIm2colBase<LowerConvToIm2colPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<LowerConv<Conv2DOp>, LowerConv<FusedConv2DOp>, LowerConvBackwardData,
                 LowerConvBackwardFilter>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

std::unique_ptr<Pass> createLowerConvToIm2colPass() {
  return std::make_unique<LowerConvToIm2colPass>();
}

} // namespace nabla
