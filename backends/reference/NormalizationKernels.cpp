// Reference kernels for the normalization ops: batch_norm (training and
// inference), its training-mode backward op, and dropout.
//
// Batch norm views its input [N, C, d2, d3, ...] as [N, C, S] with S the
// product of the dimensions after the channel (1 for [N, C], H*W for NCHW);
// per-channel statistics run over the M = N*S elements of a channel.
#include "backends/reference/Kernels.h"
#include "ir/Dialect.h"
#include "runtime/CounterRng.h"

#include "mlir/IR/BuiltinAttributes.h"

#include <cmath>
#include <limits>

using namespace mlir;

namespace nabla::reference {

namespace {
/// The [N, C, S] view of a channel-major tensor, with its checked parameters.
struct ChannelView {
  int64_t n, c, s;
  int64_t perChannel() const { return n * s; }
  /// Flat index of element `k` (0 <= k < N*S) of channel `ch`.
  int64_t at(int64_t ch, int64_t k) const { return ((k / s) * c + ch) * s + k % s; }
};

ChannelView channelView(Operation *op, const RefTensor &x) {
  if (x.rank() < 2) kernelError(op, "input " + x.describe() + " must have rank >= 2");
  int64_t s = 1;
  for (int64_t d = 2; d < x.rank(); ++d) s *= x.dim(d);
  return {x.dim(0), x.dim(1), s};
}

/// Per-channel parameters are [C]; their types may leave C dynamic, so the
/// run-time sizes are checked here.
void checkChannelParam(Operation *op, const RefTensor &param, const char *name,
                       const ChannelView &v) {
  if (param.shape != Shape{v.c})
    kernelError(op, std::string(name) + " " + param.describe() + " must have one entry per " +
                        "channel: [" + std::to_string(v.c) + "]");
}

/// Batch mean and biased variance (divided by M, as the forward pass
/// normalizes with) of every channel.
struct BatchStats {
  std::vector<double> mean, var;
};

BatchStats batchStats(Operation *op, const RefTensor &x, const ChannelView &v) {
  int64_t m = v.perChannel();
  if (m == 0)
    kernelError(op, "input " + x.describe() + " has no elements per channel to take statistics of");
  BatchStats stats{std::vector<double>(size_t(v.c)), std::vector<double>(size_t(v.c))};
  for (int64_t ch = 0; ch < v.c; ++ch) {
    double sum = 0.0;
    for (int64_t k = 0; k < m; ++k) sum += x[v.at(ch, k)];
    double mean = sum / double(m);
    // Two passes (mean first, then squared deviations) instead of
    // E[x^2] - E[x]^2, which cancels catastrophically for large means.
    double squares = 0.0;
    for (int64_t k = 0; k < m; ++k) squares += (x[v.at(ch, k)] - mean) * (x[v.at(ch, k)] - mean);
    stats.mean[size_t(ch)] = mean;
    stats.var[size_t(ch)] = squares / double(m);
  }
  return stats;
}

double attrValue(const APFloat &value) { return FloatAttr::getValueAsDouble(value); }

std::vector<RefTensor> batchNorm(BatchNormOp op, ArrayRef<RefTensor> in) {
  const RefTensor &x = in[0], &scale = in[1], &bias = in[2], &runningMean = in[3],
                  &runningVar = in[4];
  ChannelView v = channelView(op, x);
  checkChannelParam(op, scale, "scale", v);
  checkChannelParam(op, bias, "bias", v);
  checkChannelParam(op, runningMean, "running_mean", v);
  checkChannelParam(op, runningVar, "running_var", v);
  double epsilon = attrValue(op.getEpsilon());

  RefTensor newMean = runningMean, newVar = runningVar;
  std::vector<double> mean(runningMean.data), var(runningVar.data);
  if (op.getTraining()) {
    BatchStats stats = batchStats(op, x, v);
    mean = stats.mean;
    var = stats.var;
    double momentum = attrValue(op.getMomentum());
    for (int64_t ch = 0; ch < v.c; ++ch) {
      newMean[ch] = momentum * runningMean[ch] + (1.0 - momentum) * mean[size_t(ch)];
      newVar[ch] = momentum * runningVar[ch] + (1.0 - momentum) * var[size_t(ch)];
    }
  }

  RefTensor y(x.shape);
  for (int64_t ch = 0; ch < v.c; ++ch) {
    double invStd = 1.0 / std::sqrt(var[size_t(ch)] + epsilon);
    for (int64_t k = 0; k < v.perChannel(); ++k) {
      int64_t i = v.at(ch, k);
      y[i] = scale[ch] * (x[i] - mean[size_t(ch)]) * invStd + bias[ch];
    }
  }
  return {y, newMean, newVar};
}

/// The gradient of training-mode batch norm, with x_hat = (x - mean) * inv_std
/// and M elements per channel:
///   dbias  = sum dy
///   dscale = sum dy * x_hat
///   dx     = scale * inv_std / M * (M * dy - dbias - x_hat * dscale)
/// (the batch mean and variance depend on x, which gives the two subtracted
/// terms).
std::vector<RefTensor> batchNormBackward(BatchNormBackwardOp op, ArrayRef<RefTensor> in) {
  const RefTensor &x = in[0], &scale = in[1], &dy = in[2];
  ChannelView v = channelView(op, x);
  checkChannelParam(op, scale, "scale", v);
  if (dy.shape != x.shape)
    kernelError(op, "grad_output " + dy.describe() + " must have the input's shape " +
                        x.describe());
  double epsilon = attrValue(op.getEpsilon());
  BatchStats stats = batchStats(op, x, v);
  int64_t m = v.perChannel();

  RefTensor dx(x.shape), dscale(Shape{v.c}), dbias(Shape{v.c});
  for (int64_t ch = 0; ch < v.c; ++ch) {
    double mean = stats.mean[size_t(ch)];
    double invStd = 1.0 / std::sqrt(stats.var[size_t(ch)] + epsilon);
    double sumDy = 0.0, sumDyXhat = 0.0;
    for (int64_t k = 0; k < m; ++k) {
      int64_t i = v.at(ch, k);
      sumDy += dy[i];
      sumDyXhat += dy[i] * (x[i] - mean) * invStd;
    }
    dbias[ch] = sumDy;
    dscale[ch] = sumDyXhat;
    for (int64_t k = 0; k < m; ++k) {
      int64_t i = v.at(ch, k);
      double xhat = (x[i] - mean) * invStd;
      dx[i] = scale[ch] * invStd / double(m) * (double(m) * dy[i] - sumDy - xhat * sumDyXhat);
    }
  }
  return {dx, dscale, dbias};
}

/// Inverted dropout. The keep decision for element i is
/// rng::dropoutKeep(streamKey(seed, step), i, ratio) with i the row-major
/// flat index: the same function every backend evaluates, so all draw the
/// same mask.
std::vector<RefTensor> dropout(DropoutOp op, ArrayRef<RefTensor> in) {
  const RefTensor &x = in[0];
  if (!op.getTraining()) return {x, RefTensor(x.shape, 1.0)};

  if (uint64_t(x.numel()) > uint64_t(std::numeric_limits<uint32_t>::max()) + 1)
    kernelError(op, "input " + x.describe() +
                        " has more elements than the 32-bit counter of the dropout mask covers");
  // The step operand is optional; without it every call draws the mask of
  // step 0. The i64 value wraps to uint64 as the compiled kernels do.
  uint64_t step = op.getStep() ? uint64_t(int64_t(in[1][0])) : 0;
  uint32_t key = rng::streamKey(op.getSeed(), step);
  // The draw compares in f32 against the f32 attribute; the scale is
  // computed in double from that same f32 value.
  float ratio = op.getRatio().convertToFloat();
  double keptScale = 1.0 / (1.0 - double(ratio));

  RefTensor y(x.shape), mask(x.shape);
  for (int64_t i = 0; i < x.numel(); ++i) {
    mask[i] = rng::dropoutKeep(key, uint32_t(i), ratio) ? keptScale : 0.0;
    y[i] = x[i] * mask[i];
  }
  return {y, mask};
}
} // namespace

void registerNormalizationKernels(KernelTable &table) {
  table.add<BatchNormOp>(batchNorm);
  table.add<BatchNormBackwardOp>(batchNormBackward);
  table.add<DropoutOp>(dropout);
}

} // namespace nabla::reference
