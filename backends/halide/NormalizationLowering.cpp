// Lowerings of batch normalization (training and inference, and its
// backward op) and of dropout, whose mask is CounterRng's integer hash
// written as Halide Exprs, so it matches runtime/CounterRng.h bit for bit.
#include "backends/halide/Lowering.h"

#include "ir/Dialect.h"

#include <tuple>

namespace nabla::halide {

using Halide::Expr;

namespace {

/// rng::mix32 on UInt(32) Exprs (wrapping multiplies, logical shifts).
Expr mix32(Expr x) {
  x = x ^ (x >> 16);
  x = x * Expr(uint32_t(0x7feb352dU));
  x = x ^ (x >> 15);
  x = x * Expr(uint32_t(0x846ca68bU));
  return x ^ (x >> 16);
}

/// rng::streamKey for a compile-time seed and a run-time step.
Expr streamKey(uint64_t seed, Expr step) {
  Expr inner = mix32(Halide::cast<uint32_t>(step) + Expr(uint32_t(0x9e3779b9U)));
  return mix32(Expr(uint32_t(seed)) ^ mix32(Expr(uint32_t(seed >> 32)) ^ inner));
}

/// Per-channel (dim 1) sums over every other dim of an [N, C, ...] tensor.
struct ChannelReduction {
  Halide::Var c{"c"};
  Halide::RDom r;
  std::vector<Expr> index; // the input element for (c, r)
  Expr count = 1;          // elements per channel
};

ChannelReduction channelReduction(const LoweredTensor &x) {
  ChannelReduction cr;
  std::vector<Halide::Range> ranges; // innermost NCHW dim first
  std::vector<int> dims;
  for (int d = x.rank() - 1; d >= 0; --d)
    if (d != 1) {
      ranges.emplace_back(0, x.shape[d]);
      dims.push_back(d);
      cr.count = cr.count * x.shape[d];
    }
  cr.r = Halide::RDom(ranges, "r");
  cr.index.assign(x.rank(), Expr());
  cr.index[1] = cr.c;
  for (size_t i = 0; i < dims.size(); ++i) cr.index[dims[i]] = cr.r[int(i)];
  return cr;
}

/// sum over the channel's elements of `term` (an Expr of cr.index).
LoweredTensor channelSum(const ChannelReduction &cr, Expr term, Expr channels,
                         const std::string &name, std::vector<LoweredTensor> stages = {}) {
  Halide::Func f = makeFunc(name);
  f(cr.c) = 0.0f;
  f(cr.c) += term;
  return {f, {channels}, ScheduleKind::Reduction, std::move(stages)};
}

/// Batch mean and biased variance per channel (two passes: stable).
std::pair<LoweredTensor, LoweredTensor> batchStatistics(const LoweredTensor &x) {
  ChannelReduction cr = channelReduction(x);
  Expr count = Halide::cast<float>(cr.count);
  LoweredTensor sum = channelSum(cr, x.at(cr.index), x.shape[1], "bn_sum");
  Halide::Func mean = makeFunc("bn_mean");
  mean(cr.c) = sum.func(cr.c) / count;
  LoweredTensor meanT{mean, {x.shape[1]}, ScheduleKind::Pointwise, {sum}};
  Expr centered = x.at(cr.index) - mean(cr.c);
  LoweredTensor sq = channelSum(cr, centered * centered, x.shape[1], "bn_sqdev", {meanT});
  Halide::Func var = makeFunc("bn_var");
  var(cr.c) = sq.func(cr.c) / count;
  return {meanT, LoweredTensor{var, {x.shape[1]}, ScheduleKind::Pointwise, {sq}}};
}

std::vector<LoweredTensor> lowerBatchNorm(BatchNormOp op, const std::vector<LoweredTensor> &in) {
  const LoweredTensor &x = in[0], &scale = in[1], &bias = in[2], &runMean = in[3],
                      &runVar = in[4];
  float eps = op.getEpsilon().convertToFloat(), momentum = op.getMomentum().convertToFloat();
  Halide::Var c("c");
  LoweredTensor mean = runMean, var = runVar, newMean = runMean, newVar = runVar;
  if (op.getTraining()) {
    std::tie(mean, var) = batchStatistics(x);
    Halide::Func nm = makeFunc("bn_new_running_mean"), nv = makeFunc("bn_new_running_var");
    nm(c) = momentum * runMean.at({c}) + (1.0f - momentum) * mean.at({c});
    nv(c) = momentum * runVar.at({c}) + (1.0f - momentum) * var.at({c});
    newMean = {nm, runMean.shape, ScheduleKind::Pointwise, {mean}};
    newVar = {nv, runVar.shape, ScheduleKind::Pointwise, {var}};
  } else {
    // Unchanged running statistics: copies, so they can be pipeline outputs.
    Halide::Func nm = makeFunc("bn_running_mean"), nv = makeFunc("bn_running_var");
    nm(c) = runMean.at({c});
    nv(c) = runVar.at({c});
    newMean = {nm, runMean.shape, ScheduleKind::Pointwise};
    newVar = {nv, runVar.shape, ScheduleKind::Pointwise};
  }
  auto v = makeVars(x.rank());
  Halide::Func y = makeFunc("batch_norm");
  Expr ch = v[1];
  defineAt(y, v) = scale.at({ch}) * (x.at(toExprs(v)) - mean.at({ch})) /
                       Halide::sqrt(var.at({ch}) + eps) +
                   bias.at({ch});
  std::vector<LoweredTensor> stages;
  if (op.getTraining()) stages = {mean, var};
  return {LoweredTensor{y, x.shape, ScheduleKind::Pointwise, stages}, newMean, newVar};
}

/// dbeta = sum dy, dgamma = sum dy * xhat,
/// dx = gamma * istd / M * (M * dy - dbeta - xhat * dgamma).
std::vector<LoweredTensor> lowerBatchNormBackward(BatchNormBackwardOp op,
                                                  const std::vector<LoweredTensor> &in) {
  const LoweredTensor &x = in[0], &scale = in[1], &dy = in[2];
  float eps = op.getEpsilon().convertToFloat();
  auto [mean, var] = batchStatistics(x);
  Halide::Func istd = makeFunc("bn_inv_std");
  Halide::Var c("c");
  istd(c) = 1.0f / Halide::sqrt(var.at({c}) + eps);
  LoweredTensor istdT{istd, {x.shape[1]}, ScheduleKind::Pointwise, {mean, var}};
  ChannelReduction cr = channelReduction(x);
  Expr xhatR = (x.at(cr.index) - mean.func(cr.c)) * istd(cr.c);
  LoweredTensor dbeta = channelSum(cr, dy.at(cr.index), x.shape[1], "bn_grad_bias");
  LoweredTensor dgamma =
      channelSum(cr, dy.at(cr.index) * xhatR, x.shape[1], "bn_grad_scale", {istdT});
  auto v = makeVars(x.rank());
  Expr ch = v[1];
  Expr xhat = (x.at(toExprs(v)) - mean.at({ch})) * istd(ch);
  Expr count = Halide::cast<float>(cr.count);
  Halide::Func dx = makeFunc("bn_grad_input");
  defineAt(dx, v) = scale.at({ch}) * istd(ch) / count *
                    (count * dy.at(toExprs(v)) - dbeta.func(ch) - xhat * dgamma.func(ch));
  return {LoweredTensor{dx, x.shape, ScheduleKind::Pointwise, {istdT, dbeta, dgamma}}, dgamma,
          dbeta};
}

std::vector<LoweredTensor> lowerDropout(DropoutOp op, const std::vector<LoweredTensor> &in) {
  const LoweredTensor &x = in[0];
  auto v = makeVars(x.rank());
  Halide::Func mask = makeFunc("dropout_mask");
  if (!op.getTraining()) {
    defineAt(mask, v) = 1.0f;
  } else {
    float ratio = op.getRatio().convertToFloat();
    Expr step = in.size() > 1 ? in[1].at({}) : Expr(int64_t(0));
    Expr key = streamKey(uint64_t(op.getSeed()), step);
    Expr linear = 0; // row-major element index, as the reference draws it
    for (int d = 0; d < x.rank(); ++d) linear = linear * x.shape[d] + v[d];
    Expr bits = mix32(Halide::cast<uint32_t>(linear) ^ key) >> 8;
    Expr uniform = Halide::cast<float>(bits) * (1.0f / 16777216.0f);
    defineAt(mask, v) = Halide::select(uniform >= ratio, 1.0f / (1.0f - ratio), 0.0f);
  }
  Halide::Func y = makeFunc("dropout");
  defineAt(y, v) = x.at(toExprs(v)) * defineAt(mask, v);
  LoweredTensor maskTensor{mask, x.shape, ScheduleKind::Pointwise};
  return {LoweredTensor{y, x.shape, ScheduleKind::Pointwise, {maskTensor}}, maskTensor};
}

} // namespace

void registerNormalizationLowerings(LoweringTable &table) {
  table.add<BatchNormOp>(lowerBatchNorm);
  table.add<BatchNormBackwardOp>(lowerBatchNormBackward);
  table.add<DropoutOp>(lowerDropout);
}

} // namespace nabla::halide
