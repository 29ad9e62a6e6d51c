// ONNX SoftmaxCrossEntropyLoss and NegativeLogLikelihoodLoss.
//
// The common case (scores [N, C], mean reduction, no weights) maps to
// nabla.softmax_cross_entropy, whose gradient autodiff knows. The general case
// is composed: log_softmax over the class axis, then the negative log
// likelihood picks each label's entry with one_hot (class axis moved last),
// optionally weighted per class, and reduces it as `reduction` says.
// ignore_index is not supported: one_hot rejects labels outside 0..C-1.
#include "frontend/onnx/ImportContext.h"
#include "ir/Dialect.h"

namespace nabla::onnx_io {

namespace {

void rejectIgnoreIndex(ImportContext &ctx) {
  if (ctx.attribute("ignore_index")) ctx.unsupported("attribute ignore_index unsupported");
}

std::string readReduction(ImportContext &ctx) {
  std::string reduction = ctx.stringAttr("reduction", "mean");
  if (reduction != "mean" && reduction != "sum" && reduction != "none")
    ctx.malformed("reduction=" + reduction + " is not a valid value");
  return reduction;
}

/// -logProb[n, target[n], d...] reduced by `reduction`, weighted per class if
/// `weight` is given (the weighted mean divides by the sum of the weights).
mlir::Value negativeLogLikelihood(ImportContext &ctx, mlir::Value logProb, mlir::Value target,
                                  mlir::Value weight, const std::string &reduction) {
  std::vector<int64_t> shape = shapeOf(logProb);
  int64_t rank = int64_t(shape.size());
  if (rank < 2) ctx.malformed("the scores need at least 2 dimensions (N, C)");
  int64_t classes = shape[1];
  if (classes < 0) ctx.unsupported("a dynamic number of classes unsupported");
  mlir::Value classesLast = logProb;
  if (rank > 2) {
    std::vector<int64_t> perm{0};
    for (int64_t a = 2; a < rank; ++a) perm.push_back(a);
    perm.push_back(1);
    classesLast = ctx.build<TransposeOp>({logProb}, {ctx.attr("perm", ctx.i64Array(perm))});
  }
  mlir::Value oneHot =
      ctx.build<OneHotOp>({target}, {ctx.attr("depth", ctx.builder().getI64IntegerAttr(classes))});
  auto sumOverClasses = [&](mlir::Value v) {
    return ctx.build<ReduceSumOp>({v}, {ctx.attr("axes", ctx.i64Array({-1}))});
  };
  mlir::Value picked = sumOverClasses(ctx.build<MulOp>({oneHot, classesLast}));
  mlir::Value sampleWeight;
  if (weight) {
    sampleWeight = sumOverClasses(ctx.build<MulOp>({oneHot, weight}));
    picked = ctx.build<MulOp>({picked, sampleWeight});
  }
  mlir::Value loss = ctx.build<NegOp>({picked});
  if (reduction == "none") return loss;
  mlir::Value total = ctx.build<ReduceSumOp>({loss});
  if (reduction == "sum") return total;
  if (!weight) return ctx.build<ReduceMeanOp>({loss});
  return ctx.build<DivOp>({total, ctx.build<ReduceSumOp>({sampleWeight})});
}

std::vector<mlir::Value> convertSoftmaxCrossEntropy(ImportContext &ctx) {
  ctx.expectAttributes({"ignore_index", "reduction"});
  rejectIgnoreIndex(ctx);
  std::string reduction = readReduction(ctx);
  mlir::Value scores = ctx.input(0), labels = ctx.input(1);
  bool wantsLogProb = ctx.node().output_size() > 1 && !ctx.node().output(1).empty();
  auto logSoftmax = [&] {
    return ctx.build<LogSoftmaxOp>({scores}, {ctx.attr("axis", ctx.builder().getI64IntegerAttr(1))});
  };
  if (shapeOf(scores).size() == 2 && reduction == "mean" && !ctx.hasInput(2)) {
    mlir::Value loss = ctx.build<SoftmaxCrossEntropyOp>({scores, labels});
    return {loss, wantsLogProb ? logSoftmax() : mlir::Value()};
  }
  mlir::Value logProb = logSoftmax();
  mlir::Value weight = ctx.hasInput(2) ? ctx.input(2) : mlir::Value();
  return {negativeLogLikelihood(ctx, logProb, labels, weight, reduction), logProb};
}

std::vector<mlir::Value> convertNegativeLogLikelihood(ImportContext &ctx) {
  ctx.expectAttributes({"ignore_index", "reduction"});
  rejectIgnoreIndex(ctx);
  std::string reduction = readReduction(ctx);
  mlir::Value weight = ctx.hasInput(2) ? ctx.input(2) : mlir::Value();
  return {negativeLogLikelihood(ctx, ctx.input(0), ctx.input(1), weight, reduction)};
}

} // namespace

void registerLossOps(ConverterTable &table) {
  table["SoftmaxCrossEntropyLoss"] = convertSoftmaxCrossEntropy;
  table["NegativeLogLikelihoodLoss"] = convertNegativeLogLikelihood;
}

} // namespace nabla::onnx_io
