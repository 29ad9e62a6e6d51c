// Lowering of dropout: the mask is CounterRng's integer hash written as
// Halide Exprs, so it matches runtime/CounterRng.h bit for bit.
// batch_norm and batch_norm_backward have no lowering yet (they are reported
// by checkLowerable like any other unsupported op).
#include "backends/halide/Lowering.h"

#include "ir/Dialect.h"

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
  table.add<DropoutOp>(lowerDropout);
}

} // namespace nabla::halide
