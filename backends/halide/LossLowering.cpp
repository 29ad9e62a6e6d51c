// Lowerings of the losses (softmax cross-entropy with its backward op, MSE).
// Scalar results are rank-0 Funcs; the batch sum runs serially in f32.
#include "backends/halide/HostChecks.h"
#include "backends/halide/Lowering.h"

#include "ir/Dialect.h"

namespace nabla::halide {

using Halide::Expr;

namespace {

/// The labels, checked against [0, classes): an out-of-range label stops the
/// pipeline with an error naming it (as the reference interpreter does).
LoweredTensor checkedLabels(mlir::Operation *op, const LoweredTensor &labels, Expr classes) {
  return checkedIndices(labels, classes, indexRangeMessage(op));
}

/// labels[n] as a class index. The clamp only tells bounds inference the
/// reads stay inside the row.
Expr classIndex(const LoweredTensor &checked, Expr n, Expr classes) {
  return Halide::clamp(checked.at({n}), 0, classes - 1);
}

bool hasIndexLabels(mlir::Value labels) {
  return labels.getType().cast<mlir::ShapedType>().getElementType().isa<mlir::IntegerType>();
}

LoweredTensor lowerCrossEntropy(SoftmaxCrossEntropyOp op, const std::vector<LoweredTensor> &in) {
  const LoweredTensor &logits = in[0], &labels = in[1];
  LoweredTensor logProbs = softmaxAlong(logits, 1, /*log=*/true);
  Expr batch = logits.shape[0], classes = logits.shape[1];
  Halide::Func f = makeFunc("softmax_cross_entropy");
  f() = 0.0f;
  std::vector<LoweredTensor> stages = {logProbs};
  if (hasIndexLabels(op.getLabels())) {
    stages.push_back(checkedLabels(op, labels, classes));
    Halide::RDom n(0, batch, "n");
    f() -= logProbs.at({n, classIndex(stages.back(), n, classes)});
  } else {
    Halide::RDom r(0, classes, 0, batch, "r"); // r.x: class (inner), r.y: sample
    f() -= labels.at({r.y, r.x}) * logProbs.at({r.y, r.x});
  }
  f() = f() / Halide::cast<float>(batch);
  return {f, {}, ScheduleKind::Reduction, stages};
}

LoweredTensor lowerCrossEntropyBackward(SoftmaxCrossEntropyBackwardOp op,
                                        const std::vector<LoweredTensor> &in) {
  const LoweredTensor &logits = in[0], &labels = in[1], &gradLoss = in[2];
  LoweredTensor probs = softmaxAlong(logits, 1, /*log=*/false);
  Expr batch = logits.shape[0], classes = logits.shape[1];
  auto v = makeVars(2); // (n, c)
  std::vector<LoweredTensor> stages = {probs};
  Expr target;
  if (hasIndexLabels(op.getLabels())) {
    stages.push_back(checkedLabels(op, labels, classes));
    target = Halide::select(v[1] == classIndex(stages.back(), v[0], classes), 1.0f, 0.0f);
  } else {
    target = labels.at({v[0], v[1]});
  }
  Halide::Func f = makeFunc("softmax_cross_entropy_backward");
  defineAt(f, v) = gradLoss.at({}) * (probs.at(toExprs(v)) - target) / Halide::cast<float>(batch);
  return {f, logits.shape, ScheduleKind::Pointwise, stages};
}

LoweredTensor lowerMse(MseLossOp, const std::vector<LoweredTensor> &in) {
  const LoweredTensor &prediction = in[0], &target = in[1];
  int rank = prediction.rank();
  Halide::Func f = makeFunc("mse_loss");
  f() = 0.0f;
  if (rank > 0) {
    std::vector<Halide::Range> ranges; // innermost NCHW dim first
    for (int d = rank - 1; d >= 0; --d) ranges.emplace_back(0, prediction.shape[d]);
    Halide::RDom r(ranges, "r");
    std::vector<Expr> index;
    for (int d = 0; d < rank; ++d) index.push_back(r[rank - 1 - d]);
    Expr diff = prediction.at(index) - target.at(index);
    f() += diff * diff;
  } else {
    Expr diff = prediction.at({}) - target.at({});
    f() += diff * diff;
  }
  Expr samples = rank >= 2 ? prediction.shape[0] : Expr(1);
  f() = 0.5f * f() / Halide::cast<float>(samples);
  return {f, {}, ScheduleKind::Reduction};
}

} // namespace

void registerLossLowerings(LoweringTable &table) {
  table.add1<SoftmaxCrossEntropyOp>(lowerCrossEntropy);
  table.add1<SoftmaxCrossEntropyBackwardOp>(lowerCrossEntropyBackward);
  table.add1<MseLossOp>(lowerMse);
}

} // namespace nabla::halide
