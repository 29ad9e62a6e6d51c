// Reference kernels for the loss ops: softmax cross-entropy (forward and its
// gradient with respect to the logits) and the mean squared error.
//
// Labels arrive either as integer class indices [N] or as f32 rows [N, C];
// both are turned into one dense target row per sample, so the forward and
// backward kernels share one definition of the target and cannot disagree.
#include "backends/reference/Kernels.h"
#include "ir/Dialect.h"

#include "mlir/IR/BuiltinTypes.h"

#include <cmath>
#include <limits>
#include <sstream>

using namespace mlir;

namespace nabla::reference {

namespace {
/// Prints a label value exactly as it was given ("3", "2.5", "-1", "1e+20").
std::string formatLabel(double value) {
  std::ostringstream os;
  os.precision(std::numeric_limits<double>::max_digits10);
  os << value;
  return os.str();
}

/// The logits' run-time [N, C], checked to be a non-empty batch of at least
/// one class (the mean over an empty batch would be 0/0).
std::pair<int64_t, int64_t> batchAndClasses(Operation *op, const RefTensor &logits) {
  int64_t n = logits.dim(0), c = logits.dim(1);
  if (n == 0) kernelError(op, "logits " + logits.describe() + " hold an empty batch");
  if (c == 0) kernelError(op, "logits " + logits.describe() + " have no classes");
  return {n, c};
}

/// The dense target t[N, C]: the one-hot form of integer class indices, or
/// the f32 label rows themselves. Integer labels are validated here (an
/// out-of-range index would otherwise read past a row).
RefTensor denseTargets(Operation *op, Value labelsValue, const RefTensor &labels, int64_t n,
                       int64_t c) {
  bool integerLabels =
      labelsValue.getType().cast<ShapedType>().getElementType().isa<IntegerType>();
  if (!integerLabels) {
    if (labels.shape != Shape{n, c})
      kernelError(op, "one-hot labels " + labels.describe() + " must have the logits' shape " +
                          shapeToString(Shape{n, c}));
    return labels;
  }
  if (labels.shape != Shape{n})
    kernelError(op, "integer labels " + labels.describe() + " must have shape " +
                        shapeToString(Shape{n}) + " for logits " + shapeToString(Shape{n, c}));
  RefTensor targets(Shape{n, c}, 0.0);
  for (int64_t i = 0; i < n; ++i) {
    double label = labels[i];
    if (!(label >= 0 && label < double(c) && label == std::floor(label)))
      kernelError(op, "label " + formatLabel(label) + " of sample " + std::to_string(i) +
                          " is not a class index in 0.." + std::to_string(c - 1) +
                          " (C = " + std::to_string(c) + ")");
    targets[i * c + int64_t(label)] = 1.0;
  }
  return targets;
}

/// log(sum_c exp(row[c])), shifted by the row maximum so that no exp
/// overflows (logits of 1e4 are fine) and at least one term is exp(0) = 1.
double logSumExp(const double *row, int64_t c) {
  double m = row[0];
  for (int64_t j = 1; j < c; ++j) m = std::max(m, row[j]);
  // All -inf (every probability 0) or some +inf: no finite shift exists and
  // the result is infinite either way.
  if (std::isinf(m)) return m;
  double sum = 0.0;
  for (int64_t j = 0; j < c; ++j) sum += std::exp(row[j] - m);
  return m + std::log(sum);
}

RefTensor softmaxCrossEntropy(SoftmaxCrossEntropyOp op, ArrayRef<RefTensor> in) {
  const RefTensor &logits = in[0];
  auto [n, c] = batchAndClasses(op, logits);
  RefTensor t = denseTargets(op, op.getLabels(), in[1], n, c);
  double total = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const double *row = &logits.data[size_t(i * c)];
    double lse = logSumExp(row, c);
    for (int64_t j = 0; j < c; ++j) {
      double weight = t[i * c + j];
      // 0 * log 0 counts as 0 (the limit), so a class with zero target
      // weight and a -inf logit (probability exactly 0) adds nothing.
      if (weight != 0.0) total -= weight * (row[j] - lse);
    }
  }
  return RefTensor::scalar(total / double(n));
}

/// grad_loss * (softmax(logits) - t) / N, as the op documents. This is the
/// exact gradient of the forward kernel whenever every target row sums to 1
/// (one-hot rows, integer labels, probability rows).
RefTensor softmaxCrossEntropyBackward(SoftmaxCrossEntropyBackwardOp op, ArrayRef<RefTensor> in) {
  const RefTensor &logits = in[0];
  auto [n, c] = batchAndClasses(op, logits);
  RefTensor t = denseTargets(op, op.getLabels(), in[1], n, c);
  double scale = in[2][0] / double(n);
  RefTensor grad(logits.shape);
  for (int64_t i = 0; i < n; ++i) {
    const double *row = &logits.data[size_t(i * c)];
    double lse = logSumExp(row, c);
    for (int64_t j = 0; j < c; ++j)
      grad[i * c + j] = scale * (std::exp(row[j] - lse) - t[i * c + j]);
  }
  return grad;
}

RefTensor mseLoss(MseLossOp op, ArrayRef<RefTensor> in) {
  const RefTensor &y = in[0], &t = in[1];
  if (y.shape != t.shape)
    kernelError(op, "prediction " + y.describe() + " and target " + t.describe() +
                        " must have the same shape");
  // A single sample (rank 0 or 1) is not averaged: the textbook's
  // mean_squared_error of one 10-vector.
  int64_t n = y.rank() >= 2 ? y.dim(0) : 1;
  if (n == 0) kernelError(op, "prediction " + y.describe() + " holds an empty batch");
  double sum = 0.0;
  for (int64_t i = 0; i < y.numel(); ++i) sum += (y[i] - t[i]) * (y[i] - t[i]);
  return RefTensor::scalar(0.5 * sum / double(n));
}
} // namespace

void registerLossKernels(KernelTable &table) {
  table.add1<SoftmaxCrossEntropyOp>(softmaxCrossEntropy);
  table.add1<SoftmaxCrossEntropyBackwardOp>(softmaxCrossEntropyBackward);
  table.add1<MseLossOp>(mseLoss);
}

} // namespace nabla::reference
