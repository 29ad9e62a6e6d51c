// The filter gradient of a convolution whose output gradient a max pool
// routed, over windows that tile the image (SimpleConvNet: conv -> relu ->
// 2x2 max pool). The routed gradient is zero everywhere but at each
// window's winning pixel, so
//
//   dW[o, c, kh, kw] = sum over n, windows (ph, pw) of
//                      g[n, o, ph, pw] * x[n, c, oh + kh, ow + kw]
//
// with (oh, ow) the window's winner and g the pooled gradient: a quarter of
// the products of the sum over every pixel for 2x2 windows, and the routed
// tensor is never formed. The winners differ from channel to channel, so no
// vector runs across windows or channels; a vector runs along the taps of a
// patch row instead. x's planes are stored flattened with a zero border
// (row length Wp), where the row kh of the patch at (oh, ow) is the 8
// contiguous floats from (oh + kh) * Wp + ow: one unaligned load per tap row,
// its lanes past KW summing values nobody reads. The patches' offsets are
// computed image by image, one vector load each, so the loop over windows
// does one index load, one broadcast and KH FMAs per window and channel.
#include "backends/halide/Lowering.h"

namespace nabla::halide {

using Halide::Expr;

namespace {

/// Lanes per tap row: an AVX2 or half an AVX-512 vector. Filters narrower
/// than 5 taps would leave most lanes idle (the general lowering keeps them).
constexpr int64_t kTapLanes = 8;
constexpr int64_t kMinTaps = 5;
/// Accumulators of a register tile (tap rows x output channels): AVX-512's
/// 32 vector registers hold them with the loads and broadcasts beside.
constexpr int64_t kMaxAccumulators = 15;

} // namespace

std::optional<LoweredTensor> filterGradientFromPool(const LoweredTensor &input,
                                                    const LoweredTensor &routed,
                                                    const WindowAttrs &w, int64_t groups) {
  if (routed.routedFrom.size() != 2 || groups != 1 || !w.unitSteps()) return std::nullopt;
  int64_t kh = w.kernel[0], kw = w.kernel[1];
  int64_t height = constantValue(input.shape[2]), width = constantValue(input.shape[3]);
  int64_t outC = constantValue(routed.shape[1]);
  if (kw < kMinTaps || kw > kTapLanes || !height || !width || !outC) return std::nullopt;
  const LoweredTensor &indices = routed.routedFrom[0], &grad = routed.routedFrom[1];
  int32_t rowLength = int32_t(width + w.padBegin[1] + w.padEnd[1]);
  int32_t rows = int32_t(height + w.padBegin[0] + w.padEnd[0]);
  int32_t top = int32_t(w.padBegin[0]), left = int32_t(w.padBegin[1]);

  // x's bordered planes, flattened, with one more zero row: the 8 lanes of
  // the last patch's last row end inside it.
  LoweredTensor x = padSpatial(input, 0.0f);
  auto s = makeVars(3); // n, c, p = row * Wp + column
  Halide::Func planes = makeFunc("conv2d_filter_gradient_planes");
  defineAt(planes, s) = x.at({s[0], s[1], s[2] / rowLength - top, s[2] % rowLength - left});
  LoweredTensor flat{planes, {input.shape[0], input.shape[1], (rows + 1) * rowLength},
                     ScheduleKind::Pointwise};
  flat.rowBlock = rowLength; // computed row by row: the unravel folds

  // Each window's winning pixel as the offset of its patch in a plane.
  int32_t poolH = int32_t(routed.routingWindow[0]), poolW = int32_t(routed.routingWindow[1]);
  auto t = makeVars(4); // n, o, ph, pw
  Expr tap = Halide::unsafe_promise_clamped(indices.at(toExprs(t)), 0, poolH * poolW - 1);
  Expr oh = t[2] * poolH + tap / poolW, ow = t[3] * poolW + tap % poolW;
  Halide::Func corner = makeFunc("conv2d_filter_gradient_patches");
  defineAt(corner, t) = oh * rowLength + ow;
  LoweredTensor patches{corner, grad.shape, ScheduleKind::Pointwise};
  // Winners lie inside the conv's output: patches inside the bordered plane.
  int32_t lastPatch = (rows - int32_t(kh)) * rowLength + (rowLength - int32_t(kw));

  int32_t oTile = 1;
  for (int32_t tile = 1; tile * kh <= kMaxAccumulators; ++tile)
    if (outC % tile == 0) oTile = tile;
  auto v = makeVars(5); // o / oTile, c, o % oTile, kh, lane = kw
  Expr o = v[0] * oTile + v[2];
  Halide::RDom r(0, grad.shape[3], 0, grad.shape[2], 0, grad.shape[0], "r"); // pw, ph, n
  Expr patch = Halide::unsafe_promise_clamped(patches.at({r.z, o, r.y, r.x}), 0, lastPatch);
  Halide::Func sums = makeFunc("conv2d_backward_filter_pooled");
  defineAt(sums, v) = 0.0f;
  defineAt(sums, v) += grad.at({r.z, o, r.y, r.x}) *
                       flat.at({r.z, v[1], patch + v[3] * rowLength + v[4]});
  std::vector<Expr> sumsShape = {int32_t(outC / oTile), input.shape[1], oTile, int32_t(kh),
                                 int32_t(kTapLanes)};
  // Register tile: the tap rows of oTile channels. Per image, every input
  // channel of the task's output channels, the image's patches computed once.
  LoweredTensor lanes{sums, sumsShape, ScheduleKind::Reduction, {flat, patches}, 2};
  lanes.pureDimsInsideReduction = 1;
  lanes.imageOperands = {corner};

  auto u = makeVars(4); // o, c, kh, kw
  Halide::Func f = makeFunc("conv2d_backward_filter");
  defineAt(f, u) = lanes.at({u[0] / oTile, u[1], u[0] % oTile, u[2], u[3]});
  return LoweredTensor{f, {int32_t(outC), input.shape[1], int32_t(kh), int32_t(kw)},
                       ScheduleKind::Pointwise, {lanes}};
}

} // namespace nabla::halide
