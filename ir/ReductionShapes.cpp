// Result types of reductions, argmax, softmax and the losses.
#include "ir/Dialect.h"
#include "ir/ShapeHelpers.h"

using namespace mlir;
using namespace nabla;
using shape::kDynamic;

namespace {
/// The reduced shape, or failure after an error naming the bad axis.
FailureOr<llvm::SmallVector<int64_t>> reducedShape(const shape::Diag &diag, RankedTensorType input,
                                                   Attribute axesAttr, bool keepdims) {
  auto axes = diag.ints(axesAttr, "axes");
  if (failed(axes)) return failure();
  int64_t rank = input.getRank();
  llvm::SmallVector<bool> reduced(rank, axes->empty());
  for (int64_t axis : *axes) {
    auto normalized = diag.axis(axis, input, "axes");
    if (failed(normalized)) return failure();
    if (reduced[*normalized])
      return (void)diag.fail("axis " + llvm::Twine(axis) + " is listed twice in 'axes' " +
                             shape::list(*axes)),
             failure();
    reduced[*normalized] = true;
  }
  llvm::SmallVector<int64_t> out;
  for (int64_t i = 0; i < rank; ++i) {
    if (!reduced[i]) out.push_back(input.getDimSize(i));
    else if (keepdims) out.push_back(1);
  }
  return out;
}

bool boolAttr(BoolAttr attr) { return attr && attr.getValue(); }

/// Labels must be integer [N] or f32 [N, C] matching logits [N, C].
LogicalResult checkLabels(const shape::Diag &diag, RankedTensorType logits, Value labelsValue) {
  auto labels = diag.ranked(labelsValue, "labels");
  if (failed(labels)) return failure();
  if (labels->getElementType().isa<IntegerType>()) {
    if (labels->getRank() != 1 || !shape::compatible(labels->getDimSize(0), logits.getDimSize(0)))
      return diag.fail("integer labels must have shape [N] for logits [N, C]; got labels " +
                       shape::str(*labels) + " and logits " + shape::str(logits));
    return success();
  }
  if (labels->getRank() != 2 || !shape::compatible(labels->getDimSize(0), logits.getDimSize(0)) ||
      !shape::compatible(labels->getDimSize(1), logits.getDimSize(1)))
    return diag.fail("one-hot labels must have the logits' shape [N, C]; got labels " +
                     shape::str(*labels) + " and logits " + shape::str(logits));
  return success();
}
} // namespace

#define NABLA_REDUCE(Op)                                                                           \
  NABLA_INFER_RETURN_TYPES(Op) {                                                                   \
    auto input = diag.ranked(adaptor.getInput(), "input");                                         \
    if (failed(input)) return failure();                                                           \
    auto shape = reducedShape(diag, *input, adaptor.getAxesAttr(),                                 \
                              boolAttr(adaptor.getKeepdimsAttr()));                                \
    if (failed(shape)) return failure();                                                           \
    inferred.push_back(RankedTensorType::get(*shape, input->getElementType()));                    \
    return success();                                                                              \
  }
NABLA_REDUCE(ReduceSumOp)
NABLA_REDUCE(ReduceMeanOp)
NABLA_REDUCE(ReduceMaxOp)
#undef NABLA_REDUCE

NABLA_INFER_RETURN_TYPES(ArgmaxOp) {
  auto input = diag.ranked(adaptor.getInput(), "input");
  auto axisAttr = diag.integer(adaptor.getAxisAttr(), "axis");
  if (failed(input) || failed(axisAttr)) return failure();
  auto axis = diag.axis(*axisAttr, *input, "axis");
  if (failed(axis)) return failure();
  llvm::SmallVector<int64_t> out;
  for (int64_t i = 0; i < input->getRank(); ++i) {
    if (i != *axis) out.push_back(input->getDimSize(i));
    else if (boolAttr(adaptor.getKeepdimsAttr())) out.push_back(1);
  }
  inferred.push_back(RankedTensorType::get(out, IntegerType::get(context, 64)));
  return success();
}

#define NABLA_SOFTMAX(Op)                                                                          \
  NABLA_INFER_RETURN_TYPES(Op) {                                                                   \
    auto input = diag.ranked(adaptor.getInput(), "input");                                         \
    auto axis = diag.integer(adaptor.getAxisAttr(), "axis");                                       \
    if (failed(input) || failed(axis)) return failure();                                           \
    if (failed(diag.axis(*axis, *input, "axis"))) return failure();                                \
    inferred.push_back(*input);                                                                    \
    return success();                                                                              \
  }
NABLA_SOFTMAX(SoftmaxOp)
NABLA_SOFTMAX(LogSoftmaxOp)
#undef NABLA_SOFTMAX

NABLA_INFER_RETURN_TYPES(SoftmaxCrossEntropyOp) {
  auto logits = diag.ranked(adaptor.getLogits(), "logits", 2);
  if (failed(logits) || failed(checkLabels(diag, *logits, adaptor.getLabels()))) return failure();
  inferred.push_back(RankedTensorType::get({}, logits->getElementType()));
  return success();
}

NABLA_INFER_RETURN_TYPES(SoftmaxCrossEntropyBackwardOp) {
  auto logits = diag.ranked(adaptor.getLogits(), "logits", 2);
  auto grad = diag.ranked(adaptor.getGradLoss(), "grad_loss", 0);
  if (failed(logits) || failed(grad) || failed(checkLabels(diag, *logits, adaptor.getLabels())))
    return failure();
  inferred.push_back(*logits);
  return success();
}

NABLA_INFER_RETURN_TYPES(MseLossOp) {
  auto prediction = diag.ranked(adaptor.getPrediction(), "prediction");
  auto target = diag.ranked(adaptor.getTarget(), "target");
  if (failed(prediction) || failed(target)) return failure();
  bool same = prediction->getRank() == target->getRank();
  for (int64_t i = 0; same && i < prediction->getRank(); ++i)
    same = shape::compatible(prediction->getDimSize(i), target->getDimSize(i));
  if (!same)
    return diag.fail("prediction " + shape::str(*prediction) + " and target " +
                     shape::str(*target) + " must have the same shape");
  inferred.push_back(RankedTensorType::get({}, prediction->getElementType()));
  return success();
}
