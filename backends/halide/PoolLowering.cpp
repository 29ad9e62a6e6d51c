// Lowerings of max/avg pooling and their backward ops (gather-style: each
// input pixel sums the gradients of the windows that route to it, so
// overlapping windows need no scatter).
#include "backends/halide/HostChecks.h"
#include "backends/halide/Lowering.h"

#include "ir/Dialect.h"

#include <functional>
#include <limits>

namespace nabla::halide {

using Halide::Expr;

namespace {

const Expr kMinusInfinity = Expr(-std::numeric_limits<float>::infinity());

template <typename OpT> WindowAttrs poolWindow(OpT op) {
  return windowAttrs(ints(op.getKernelShapeAttr()), op.getStridesAttr(), op.getPadsAttr(),
                     nullptr);
}

/// The pooled shape of an NCHW input.
std::vector<Expr> pooledShape(const WindowAttrs &w, const std::vector<Expr> &input) {
  return {input[0], input[1], w.outputSize(0, input[2]), w.outputSize(1, input[3])};
}

/// avg_pool's divisor for the window at (oh, ow): the whole window with
/// count_include_pad, else only its cells inside the [H, W] image (ONNX).
Expr avgDivisor(const WindowAttrs &w, bool includePad, Expr oh, Expr ow, Expr height,
                Expr width) {
  if (includePad) return Expr(float(w.kernel[0] * w.kernel[1]));
  Expr h0 = windowInput(w, 0, oh, 0), w0 = windowInput(w, 1, ow, 0);
  Expr rows = Halide::min(h0 + int32_t(w.kernel[0]), height) - Halide::max(h0, 0);
  Expr cols = Halide::min(w0 + int32_t(w.kernel[1]), width) - Halide::max(w0, 0);
  return Halide::cast<float>(rows * cols);
}

/// The two fields of a window's maximum (windowArgmax).
constexpr int kMaxValue = 0, kMaxTap = 1;

/// (value, first row-major tap kh * KW + kw) of each window's maximum, over
/// in-image cells only (padding reads -inf and never wins).
Halide::Func windowArgmax(const LoweredTensor &input, const WindowAttrs &w) {
  LoweredTensor x = padSpatial(input, kMinusInfinity);
  auto v = makeVars(4);
  Halide::RDom r(0, int32_t(w.kernel[1]), 0, int32_t(w.kernel[0]), "r"); // kw inner: row-major
  Expr value = x.at({v[0], v[1], windowInput(w, 0, v[2], r.y), windowInput(w, 1, v[3], r.x)});
  Halide::Func best = makeFunc("max_pool_argmax");
  defineAt(best, v) = Halide::Tuple(kMinusInfinity, -1);
  Halide::FuncRef cur = defineAt(best, v);
  defineAt(best, v) = Halide::tuple_select(
      value > cur[kMaxValue], Halide::Tuple(value, r.y * int32_t(w.kernel[1]) + r.x),
      Halide::Tuple(cur[kMaxValue], cur[kMaxTap]));
  return best;
}

/// windowArgmax where windows tile the image: the taps unrolled into one
/// pure definition (no padding, no reduction loop) that vectorizes along
/// the row like any pointwise op. The same first-maximum rule: a tap wins
/// only if it exceeds every earlier one.
Halide::Func tilingWindowArgmax(const LoweredTensor &x, const WindowAttrs &w) {
  auto v = makeVars(4);
  Expr index = -1, best = kMinusInfinity;
  for (int32_t i = 0; i < int32_t(w.kernel[0]); ++i)
    for (int32_t j = 0; j < int32_t(w.kernel[1]); ++j) {
      Expr value = x.at({v[0], v[1], windowInput(w, 0, v[2], i), windowInput(w, 1, v[3], j)});
      Expr wins = value > best;
      index = Halide::select(wins, i * int32_t(w.kernel[1]) + j, index);
      best = Halide::select(wins, value, best);
    }
  Halide::Func f = makeFunc("max_pool_argmax");
  defineAt(f, v) = Halide::Tuple(best, index);
  return f;
}

/// Windows that tile the image stay inside it: the maximum of the window's
/// taps needs no padding and no reduction loop, and a schedule may compute
/// the input tile by tile inside it.
LoweredTensor tilingMaxPool(const LoweredTensor &x, const WindowAttrs &w) {
  auto v = makeVars(4);
  Expr best;
  for (int32_t i = 0; i < int32_t(w.kernel[0]); ++i)
    for (int32_t j = 0; j < int32_t(w.kernel[1]); ++j) {
      Expr tap = x.at({v[0], v[1], windowInput(w, 0, v[2], i), windowInput(w, 1, v[3], j)});
      best = best.defined() ? Halide::max(best, tap) : tap;
    }
  Halide::Func f = makeFunc("max_pool2d");
  defineAt(f, v) = best;
  LoweredTensor pooled{f, pooledShape(w, x.shape), ScheduleKind::Pointwise};
  pooled.tilingWindow = {w.kernel[0], w.kernel[1]};
  return pooled;
}

LoweredTensor lowerMaxPool(MaxPool2DOp op, const std::vector<LoweredTensor> &in) {
  WindowAttrs w = poolWindow(op);
  if (poolWindowsTile(op)) return tilingMaxPool(in[0], w);
  LoweredTensor x = padSpatial(in[0], kMinusInfinity);
  auto v = makeVars(4);
  Halide::RDom r(0, int32_t(w.kernel[1]), 0, int32_t(w.kernel[0]), "r");
  Halide::Func f = makeFunc("max_pool2d");
  defineAt(f, v) = kMinusInfinity;
  defineAt(f, v) = Halide::max(Expr(defineAt(f, v)),
                               x.at({v[0], v[1], windowInput(w, 0, v[2], r.y),
                                     windowInput(w, 1, v[3], r.x)}));
  return {f, pooledShape(w, in[0].shape), ScheduleKind::Reduction};
}

LoweredTensor lowerAvgPool(AvgPool2DOp op, const std::vector<LoweredTensor> &in) {
  WindowAttrs w = poolWindow(op);
  LoweredTensor x = padSpatial(in[0], 0.0f);
  auto v = makeVars(4);
  Halide::RDom r(0, int32_t(w.kernel[1]), 0, int32_t(w.kernel[0]), "r");
  Halide::Func f = makeFunc("avg_pool2d");
  defineAt(f, v) = 0.0f;
  defineAt(f, v) += x.at({v[0], v[1], windowInput(w, 0, v[2], r.y), windowInput(w, 1, v[3], r.x)});
  defineAt(f, v) = Expr(defineAt(f, v)) / avgDivisor(w, op.getCountIncludePad(), v[2], v[3],
                                                      in[0].shape[2], in[0].shape[3]);
  return {f, pooledShape(w, in[0].shape), ScheduleKind::Reduction};
}

/// The tap (kh * KW + kw) of the first maximum of window (n, c, oh, ow).
using WinningTap = std::function<Expr(Expr n, Expr c, Expr oh, Expr ow)>;

/// The gradient of a max pool over an input of `inputShape`: each pixel
/// gathers the gradients of the windows whose winning tap it is.
LoweredTensor routeToWinners(const WinningTap &winningTap, const LoweredTensor &dy,
                             const WindowAttrs &w, const std::vector<Expr> &inputShape,
                             bool tiling, std::vector<LoweredTensor> stages) {
  auto v = makeVars(4); // n, c, h, w
  Halide::Func f = makeFunc("max_pool2d_backward");
  int32_t kh = int32_t(w.kernel[0]), kw = int32_t(w.kernel[1]);
  if (tiling) {
    // Windows tile the image (SimpleConvNet's 2x2 pool): a pointwise select.
    // The pixel's own window routes its gradient here when this is the
    // window's first maximum. (Pixels past the last whole window belong to
    // none: their window index is out of range.) --nabla-fuse-elementwise
    // may inline it into its consumer (relu's mask).
    Expr oh = v[2] / kh, ow = v[3] / kw;
    Expr inWindow = oh < dy.shape[2] && ow < dy.shape[3];
    Expr ohc = Halide::min(oh, dy.shape[2] - 1), owc = Halide::min(ow, dy.shape[3] - 1);
    Expr winner = winningTap(v[0], v[1], ohc, owc) == (v[2] % kh) * kw + v[3] % kw;
    defineAt(f, v) = Halide::select(inWindow && winner, dy.at({v[0], v[1], ohc, owc}), 0.0f);
    return {f, inputShape, ScheduleKind::Pointwise, std::move(stages)};
  }
  Halide::RDom r(0, kw, 0, kh, "r");
  WindowSource oh = windowSource(w, 0, v[2], r.y, dy.shape[2]);
  WindowSource ow = windowSource(w, 1, v[3], r.x, dy.shape[3]);
  // Window (oh, ow) reads this pixel at tap (r.y, r.x): it routes its
  // gradient here when that tap is its first maximum.
  Expr winner = winningTap(v[0], v[1], oh.position, ow.position) == r.y * kw + r.x;
  defineAt(f, v) = 0.0f;
  defineAt(f, v) += Halide::select(oh.valid && ow.valid && winner,
                                   dy.at({v[0], v[1], oh.position, ow.position}), 0.0f);
  return {f, inputShape, ScheduleKind::Reduction, std::move(stages)};
}

LoweredTensor lowerMaxPoolBackward(MaxPool2DBackwardOp op, const std::vector<LoweredTensor> &in) {
  const LoweredTensor &input = in[0], &dy = in[1];
  WindowAttrs w = poolWindow(op);
  bool tiling = poolWindowsTile(op);
  Halide::Func best = tiling ? tilingWindowArgmax(input, w) : windowArgmax(input, w);
  LoweredTensor stage{best, pooledShape(w, input.shape),
                      tiling ? ScheduleKind::Pointwise : ScheduleKind::Reduction};
  auto tap = [best](Expr n, Expr c, Expr oh, Expr ow) { return best(ow, oh, c, n)[kMaxTap]; };
  return routeToWinners(tap, dy, w, input.shape, tiling, {stage});
}

/// One Func of (value, tap) for both results, each a field of it.
std::vector<LoweredTensor> lowerMaxPoolWithIndices(MaxPool2DWithIndicesOp op,
                                                   const std::vector<LoweredTensor> &in) {
  WindowAttrs w = poolWindow(op);
  bool tiling = poolWindowsTile(op);
  Halide::Func best = tiling ? tilingWindowArgmax(in[0], w) : windowArgmax(in[0], w);
  LoweredTensor value{best, pooledShape(w, in[0].shape),
                      tiling ? ScheduleKind::Pointwise : ScheduleKind::Reduction};
  if (tiling) value.tilingWindow = {w.kernel[0], w.kernel[1]};
  value.tupleElement = kMaxValue;
  LoweredTensor taps = value;
  taps.tupleElement = kMaxTap;
  return {value, taps};
}

LoweredTensor lowerMaxPoolIndicesBackward(MaxPool2DIndicesBackwardOp op,
                                          const std::vector<LoweredTensor> &in) {
  const LoweredTensor &dy = in[1];
  // Taps from the pool itself are in range; others are checked (the host
  // checks an argument's, and the pipeline then has no assertions).
  bool fromPool = op.getIndices().getDefiningOp<MaxPool2DWithIndicesOp>() != nullptr;
  LoweredTensor indices =
      fromPool ? in[0] : checkedIndices(in[0], int32_t(windowTaps(op)), indexRangeMessage(op));
  std::vector<int64_t> image = ints(op.getImageSizeAttr());
  auto tap = [indices](Expr n, Expr c, Expr oh, Expr ow) { return indices.at({n, c, oh, ow}); };
  std::vector<LoweredTensor> stages;
  if (!fromPool) stages.push_back(indices);
  WindowAttrs w = poolWindow(op);
  LoweredTensor routed =
      routeToWinners(tap, dy, w, {dy.shape[0], dy.shape[1], int32_t(image[0]), int32_t(image[1])},
                     poolWindowsTile(op), stages);
  if (fromPool && poolWindowsTile(op)) {
    routed.routedFrom = {indices, dy};
    routed.routingWindow = {w.kernel[0], w.kernel[1]};
  }
  return routed;
}

LoweredTensor lowerAvgPoolBackward(AvgPool2DBackwardOp op, const std::vector<LoweredTensor> &in) {
  const LoweredTensor &dy = in[0];
  WindowAttrs w = poolWindow(op);
  std::vector<int64_t> image = ints(op.getImageSizeAttr());
  Expr height = int32_t(image[0]), width = int32_t(image[1]);
  auto v = makeVars(4);
  Halide::RDom r(0, int32_t(w.kernel[1]), 0, int32_t(w.kernel[0]), "r");
  WindowSource oh = windowSource(w, 0, v[2], r.y, dy.shape[2]);
  WindowSource ow = windowSource(w, 1, v[3], r.x, dy.shape[3]);
  Expr share = dy.at({v[0], v[1], oh.position, ow.position}) /
               avgDivisor(w, op.getCountIncludePad(), oh.position, ow.position, height, width);
  Halide::Func f = makeFunc("avg_pool2d_backward");
  defineAt(f, v) = 0.0f;
  defineAt(f, v) += Halide::select(oh.valid && ow.valid, share, 0.0f);
  return {f, {dy.shape[0], dy.shape[1], height, width}, ScheduleKind::Reduction};
}

} // namespace

void registerPoolLowerings(LoweringTable &table) {
  table.add1<MaxPool2DOp>(lowerMaxPool);
  table.add1<AvgPool2DOp>(lowerAvgPool);
  table.add1<MaxPool2DBackwardOp>(lowerMaxPoolBackward);
  table.add<MaxPool2DWithIndicesOp>(lowerMaxPoolWithIndices);
  table.add1<MaxPool2DIndicesBackwardOp>(lowerMaxPoolIndicesBackward);
  table.add1<AvgPool2DBackwardOp>(lowerAvgPoolBackward);
}

} // namespace nabla::halide
