// ONNX SoftmaxCrossEntropyLoss and NegativeLogLikelihoodLoss.
//
// The common case (scores [N, C], mean reduction, no weights) maps to
// nabla.softmax_cross_entropy, whose gradient autodiff knows. The general case
// is composed: log_softmax over the class axis, then the negative log
// likelihood picks each label's entry with one_hot (class axis moved last),
// optionally weighted per class, and reduces it as `reduction` says.
// ignore_index names a class whose samples count neither in the loss nor in
// the mean's divisor, which is exactly a class weight of 0: an ignore_index
// in 0..C-1 becomes such a weight. One outside that range is unsupported,
// because its samples carry labels that one_hot rejects.
#include "frontend/onnx/ImportContext.h"
#include "ir/Dialect.h"

namespace nabla::onnx_io {

namespace {

/// The per-class weight (input 2, if given) with ignore_index's class set to
/// 0; null when neither is given.
mlir::Value classWeights(ImportContext &ctx, int64_t classes) {
  mlir::Value weight = ctx.hasInput(2) ? ctx.input(2) : mlir::Value();
  if (!ctx.attribute("ignore_index")) return weight;
  int64_t ignored = ctx.intAttr("ignore_index", 0);
  if (ignored < 0 || ignored >= classes)
    ctx.unsupported("attribute ignore_index=" + std::to_string(ignored) + " outside 0.." +
                    std::to_string(classes - 1) + " unsupported (one_hot rejects such labels)");
  std::vector<float> keep(classes, 1.0f);
  keep[ignored] = 0.0f;
  mlir::Value mask = ctx.constant(Tensor::fromVector<float>({classes}, keep));
  return weight ? ctx.build<MulOp>({weight, mask}) : mask;
}

int64_t numClasses(ImportContext &ctx, mlir::Value scores) {
  std::vector<int64_t> shape = shapeOf(scores);
  if (shape.size() < 2) ctx.malformed("the scores need at least 2 dimensions (N, C)");
  if (shape[1] < 0) ctx.unsupported("a dynamic number of classes unsupported");
  return shape[1];
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
  int64_t classes = numClasses(ctx, logProb);
  int64_t rank = int64_t(shapeOf(logProb).size());
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
  std::string reduction = readReduction(ctx);
  mlir::Value scores = ctx.input(0), labels = ctx.input(1);
  mlir::Value weight = classWeights(ctx, numClasses(ctx, scores));
  bool wantsLogProb = ctx.node().output_size() > 1 && !ctx.node().output(1).empty();
  auto logSoftmax = [&] {
    return ctx.build<LogSoftmaxOp>({scores},
                                   {ctx.attr("axis", ctx.builder().getI64IntegerAttr(1))});
  };
  if (shapeOf(scores).size() == 2 && reduction == "mean" && !weight) {
    mlir::Value loss = ctx.build<SoftmaxCrossEntropyOp>({scores, labels});
    return {loss, wantsLogProb ? logSoftmax() : mlir::Value()};
  }
  mlir::Value logProb = logSoftmax();
  return {negativeLogLikelihood(ctx, logProb, labels, weight, reduction), logProb};
}

std::vector<mlir::Value> convertNegativeLogLikelihood(ImportContext &ctx) {
  ctx.expectAttributes({"ignore_index", "reduction"});
  std::string reduction = readReduction(ctx);
  mlir::Value logProb = ctx.input(0);
  mlir::Value weight = classWeights(ctx, numClasses(ctx, logProb));
  return {negativeLogLikelihood(ctx, logProb, ctx.input(1), weight, reduction)};
}

} // namespace

void registerLossOps(ConverterTable &table) {
  table["SoftmaxCrossEntropyLoss"] = convertSoftmaxCrossEntropy;
  table["NegativeLogLikelihoodLoss"] = convertNegativeLogLikelihood;
}

} // namespace nabla::onnx_io
