// Lowerings of the convolution ops: direct conv2d (bias, stride, pads,
// dilation, groups), its data and filter gradients, and im2col/col2im. The
// backward ops are written gather-style (each output element sums what it
// receives) so every update is race-free and vectorizable.
#include "backends/halide/Lowering.h"

#include "ir/Dialect.h"

#include <optional>

namespace nabla::halide {

using Halide::Expr;

namespace {

bool hasPadding(const WindowAttrs &w) {
  return w.padBegin[0] || w.padBegin[1] || w.padEnd[0] || w.padEnd[1];
}

/// The input, zero-padded only when the window reaches outside it.
LoweredTensor zeroPadded(const LoweredTensor &x, const WindowAttrs &w) {
  return hasPadding(w) ? padSpatial(x, 0.0f) : x;
}

LoweredTensor lowerConv(Conv2DOp op, const std::vector<LoweredTensor> &in) {
  WindowAttrs w = windowAttrs(filterKernel(op.getFilter()), op.getStridesAttr(), op.getPadsAttr(),
                              op.getDilationsAttr());
  return epilogue("conv2d", convolve(in, w, int32_t(op.getGroups()), markedWinograd(op)),
                  identity);
}

/// The data gradient of a stride-1, undilated, ungrouped conv whose pads are
/// smaller than its kernel is itself such a conv: of dy, with the filter's
/// channels swapped and its taps flipped, padded by kernel - 1 - pad. It then
/// runs on the register-tiled forward schedule (DeepConvNet's 3x3 convs).
std::optional<LoweredTensor> backwardDataAsConv(const LoweredTensor &dy,
                                                const LoweredTensor &filter, const WindowAttrs &w,
                                                int32_t groups, bool winograd) {
  WindowAttrs flipped = w;
  for (int i = 0; i < 2; ++i) {
    if (w.stride[i] != 1 || w.dilation[i] != 1 || w.padBegin[i] >= w.kernel[i] ||
        w.padEnd[i] >= w.kernel[i])
      return std::nullopt;
    flipped.padBegin[i] = w.kernel[i] - 1 - w.padBegin[i];
    flipped.padEnd[i] = w.kernel[i] - 1 - w.padEnd[i];
  }
  if (groups != 1) return std::nullopt;
  auto v = makeVars(4); // c, o, kh, kw
  int32_t kh = int32_t(w.kernel[0]), kw = int32_t(w.kernel[1]);
  Halide::Func swapped = makeFunc("conv2d_filter_flipped");
  defineAt(swapped, v) = filter.at({v[1], v[0], kh - 1 - v[2], kw - 1 - v[3]});
  LoweredTensor flippedFilter{swapped,
                              {filter.shape[1], filter.shape[0], filter.shape[2], filter.shape[3]},
                              ScheduleKind::Pointwise};
  LoweredTensor acc = convolve({dy, flippedFilter}, flipped, 1, winograd);
  acc.stages.push_back(flippedFilter);
  return epilogue("conv2d_backward_data", std::move(acc), identity);
}

LoweredTensor lowerConvBackwardData(Conv2DBackwardDataOp op,
                                    const std::vector<LoweredTensor> &in) {
  const LoweredTensor &dy = in[0], &filter = in[1];
  WindowAttrs w = windowAttrs(filterKernel(op.getFilter()), op.getStridesAttr(), op.getPadsAttr(),
                              op.getDilationsAttr());
  std::vector<int64_t> image = ints(op.getImageSizeAttr());
  int32_t groups = int32_t(op.getGroups());
  if (auto asConv = backwardDataAsConv(dy, filter, w, groups, markedWinograd(op))) return *asConv;
  Expr groupIn = filter.shape[1], groupOut = filter.shape[0] / groups;
  auto v = makeVars(4); // n, c, h, w
  Halide::RDom r(0, int32_t(w.kernel[1]), 0, int32_t(w.kernel[0]), 0, groupOut, "r"); // kw, kh, o
  WindowSource oh = windowSource(w, 0, v[2], r.y, dy.shape[2]);
  WindowSource ow = windowSource(w, 1, v[3], r.x, dy.shape[3]);
  Expr o = (v[1] / groupIn) * groupOut + r.z;
  Expr contribution = dy.at({v[0], o, oh.position, ow.position}) *
                      filter.at({o, v[1] % groupIn, r.y, r.x});
  Halide::Func f = makeFunc("conv2d_backward_data");
  defineAt(f, v) = 0.0f;
  defineAt(f, v) += Halide::select(oh.valid && ow.valid, contribution, 0.0f);
  std::vector<Expr> shape = {dy.shape[0], groupIn * groups, int32_t(image[0]), int32_t(image[1])};
  return {f, shape, ScheduleKind::Reduction};
}

/// Whether rows of `outW` outputs waste a fifth of the lanes of the 16-lane
/// vectors that cover them, or more: then flattened planes pay for their
/// shifted copies of the input (DeepConvNet's 28-wide rows waste 12.5%: its
/// training step ran 7% slower with flattened filter gradients).
bool rowsWasteLanes(int64_t outW) {
  constexpr int64_t kLanes = 16;
  return outW > 0 && (outW + kLanes - 1) / kLanes * kLanes * 4 >= outW * 5;
}

/// For a stride-1, undilated window: per tap column kw, a copy of the
/// zero-bordered input `x` shifted left by kw and cut to `outW` columns,
/// flattened (n, c, kw, q = row * OW + column). Tap (kh, kw) of output
/// p = oh * OW + ow is then element p + kh * OW of copy kw: over flattened
/// output planes every tap is one contiguous vector load. The copies hold
/// KW times the input (SimpleConvNet: 13 KB per image).
LoweredTensor shiftedInput(const LoweredTensor &input, const WindowAttrs &w, int32_t outW) {
  LoweredTensor x = padSpatial(input, 0.0f);
  int32_t kh = int32_t(w.kernel[0]), kw = int32_t(w.kernel[1]);
  Expr taps = w.outputSize(0, input.shape[2]) + (kh - 1); // input rows the taps read
  auto s = makeVars(4); // n, c, kw, q = row * OW + column
  Halide::Func shifted = makeFunc("conv2d_shifted_input");
  defineAt(shifted, s) = x.at({s[0], s[1], s[3] / outW - int32_t(w.padBegin[0]),
                               s[3] % outW - int32_t(w.padBegin[1]) + s[2]});
  LoweredTensor copies{shifted, {input.shape[0], input.shape[1], kw, taps * outW},
                       ScheduleKind::Pointwise};
  copies.rowBlock = outW; // computed row by row: the unravel folds
  return copies;
}

/// A gradient that a tiling max pool routed has non-zeros only at the
/// windows' winners: filterGradientFromPool sums over those alone.
///
/// dW[o, c, kh, kw] sums N*OH*OW products, while the output has only
/// O*C*KH*KW elements (750 for SimpleConvNet, too few to vectorize over). The
/// sum is split by algorithm: `partial` keeps kLanes running sums per output,
/// one per residue of ow modulo kLanes, so its vector lanes run along
/// contiguous ow; a short second reduction adds the lanes. Where rows waste
/// lanes but planes fill whole vectors (SimpleConvNet's 24 x 24) and steps
/// are 1, the lanes run along the flattened plane instead
/// (p = oh * OW + ow), every vector full, x read from its shifted copies
/// (shiftedInput) and dy from its planes flattened image by image. Otherwise
/// a row wider than a vector but not a multiple of it ends with a vector
/// shifted inwards, whose lanes that the previous vector already covered
/// read dy as zero, and shorter rows read dy from a stored copy with a zero
/// border. x is then read from one (padding, and taps past the row's end),
/// so no load clamps or selects per lane, which would turn it into a gather.
///
/// Register tile: for each tap row kh, `oTile` output channels x KW taps
/// (at most 25 accumulators): per vector of ow, oTile dy loads and KW x loads
/// feed oTile * KW FMAs. The partial sums are laid out (o / oTile, kh, c,
/// o % oTile, kw, lane) so the generic reduction schedule unrolls the two
/// tile dims inside the reduction, loops over kh and c per image and runs
/// tasks over blocks of channels.
LoweredTensor lowerConvBackwardFilter(Conv2DBackwardFilterOp op,
                                      const std::vector<LoweredTensor> &in) {
  WindowAttrs w = windowAttrs(ints(op.getKernelShapeAttr()), op.getStridesAttr(), op.getPadsAttr(),
                              op.getDilationsAttr());
  if (auto pooled = filterGradientFromPool(in[0], in[1], w, op.getGroups())) return *pooled;
  int64_t rowLength = constantValue(in[1].shape[3]);
  int64_t planeLength = rowLength * constantValue(in[1].shape[2]);
  // 16 lanes (one AVX-512 vector) unless a row is shorter and 8 lanes would
  // cover it in as many vectors.
  const int32_t kLanes =
      rowLength >= 16 || (rowLength && 2 * ((rowLength + 15) / 16) <= (rowLength + 7) / 8) ? 16
                                                                                            : 8;
  // Rows that waste lanes, in planes that fill whole vectors (SimpleConvNet's
  // 24 x 24): the lanes run along the flattened plane p = oh * OW + ow
  // instead, every vector full, the taps read from the shifted copies of x.
  bool flat = w.unitSteps() && rowLength % kLanes != 0 && rowsWasteLanes(rowLength) &&
              planeLength && planeLength % kLanes == 0;
  bool shifted = !flat && rowLength > kLanes && rowLength % kLanes != 0;
  bool dyRowsFill = flat || (rowLength && (rowLength % kLanes == 0 || shifted));
  LoweredTensor dy = dyRowsFill ? in[1] : padSpatial(in[1], 0.0f);
  int32_t groups = int32_t(op.getGroups());
  Expr groupIn = in[0].shape[1] / groups, groupOut = dy.shape[1] / groups;
  Expr outW = dy.shape[3];
  int32_t kh = int32_t(w.kernel[0]), kw = int32_t(w.kernel[1]);
  int64_t outC = constantValue(dy.shape[1]);
  int32_t oTile = 1;
  for (int32_t t = 1; outC && t * kw <= 25; ++t)
    if (outC % t == 0) oTile = t;

  auto v = makeVars(6); // o / oTile, kh, c, o % oTile, kw, lane
  Expr o = v[0] * oTile + v[3];
  Expr channel = (o / groupOut) * groupIn + v[2];
  Expr product;
  std::vector<LoweredTensor> stored;
  if (flat) {
    int32_t width = int32_t(rowLength);
    Halide::RDom r(0, int32_t(planeLength / kLanes), 0, dy.shape[0], "r"); // pv, n
    Expr p = r.x * kLanes + v[5];
    LoweredTensor copies = shiftedInput(in[0], w, width);
    // dy's planes flattened, computed image by image (imageOperands) row by
    // row, where the unravel folds: read at (p / OW, p % OW) directly, every
    // lane would be a gather.
    auto q = makeVars(3); // n, o, p
    Halide::Func planes = makeFunc("conv2d_backward_filter_dy_planes");
    defineAt(planes, q) = dy.at({q[0], q[1], q[2] / width, q[2] % width});
    LoweredTensor dyPlanes{planes, {dy.shape[0], dy.shape[1], int32_t(planeLength)},
                           ScheduleKind::Pointwise};
    dyPlanes.rowBlock = rowLength;
    product = dyPlanes.at({r.y, o, p}) * copies.at({r.y, channel, v[4], p + v[1] * width});
    stored = {copies, dyPlanes};
  } else {
    LoweredTensor x = padSpatial(in[0], 0.0f);
    // owv, oh, n
    Halide::RDom r(0, (outW + kLanes - 1) / kLanes, 0, dy.shape[2], 0, dy.shape[0], "r");
    Expr start = r.x * kLanes;
    Expr ow = (shifted ? Halide::min(start, outW - kLanes) : start) + v[5];
    Expr gradient = dy.at({r.z, o, r.y, ow});
    if (shifted) gradient = Halide::select(ow >= start, gradient, 0.0f);
    product = gradient * x.at({r.z, channel, windowInput(w, 0, r.y, v[1]),
                               windowInput(w, 1, ow, v[4])});
    stored = {x};
    if (!dyRowsFill) stored.push_back(dy);
  }
  Halide::Func partial = makeFunc("conv2d_backward_filter_lanes");
  defineAt(partial, v) = 0.0f;
  defineAt(partial, v) += product;
  std::vector<Expr> partialShape = {dy.shape[1] / oTile, kh, groupIn, oTile, kw, kLanes};
  int registerTile = oTile * kw <= 25 ? 2 : 0;
  LoweredTensor lanes{partial, partialShape, ScheduleKind::Reduction, stored, registerTile};
  // Per image, every tap row and input channel: the image's x and dy are
  // read from cache KH * C times instead of from memory.
  lanes.pureDimsInsideReduction = 2;
  if (flat) lanes.imageOperands = {stored[1].func};
  else if (dyRowsFill) lanes.imageOperands = {dy.func};

  auto u = makeVars(4); // o, c, kh, kw
  Halide::RDom lane(0, kLanes, "lane");
  Halide::Func f = makeFunc("conv2d_backward_filter");
  defineAt(f, u) = 0.0f;
  defineAt(f, u) += lanes.at({u[0] / oTile, u[2], u[1], u[0] % oTile, u[3], lane});
  std::vector<Expr> filter = {dy.shape[1], groupIn, kh, kw};
  return {f, filter, ScheduleKind::Reduction, {lanes}};
}

LoweredTensor lowerIm2Col(Im2ColOp op, const std::vector<LoweredTensor> &in) {
  WindowAttrs w = windowAttrs(ints(op.getKernelShapeAttr()), op.getStridesAttr(), op.getPadsAttr(),
                              op.getDilationsAttr());
  LoweredTensor x = zeroPadded(in[0], w);
  Expr outH = w.outputSize(0, in[0].shape[2]), outW = w.outputSize(1, in[0].shape[3]);
  int32_t kh = int32_t(w.kernel[0]), kw = int32_t(w.kernel[1]);
  auto v = makeVars(2); // row = (n, oh, ow), col = (c, kh, kw)
  Expr ow = v[0] % outW, oh = (v[0] / outW) % outH, n = v[0] / (outW * outH);
  Expr tapW = v[1] % kw, tapH = (v[1] / kw) % kh, c = v[1] / (kw * kh);
  Halide::Func f = makeFunc("im2col");
  defineAt(f, v) = x.at({n, c, windowInput(w, 0, oh, tapH), windowInput(w, 1, ow, tapW)});
  std::vector<Expr> shape = {in[0].shape[0] * outH * outW, in[0].shape[1] * (kh * kw)};
  return {f, shape, ScheduleKind::Pointwise};
}

LoweredTensor lowerCol2Im(Col2ImOp op, const std::vector<LoweredTensor> &in) {
  const LoweredTensor &cols = in[0];
  WindowAttrs w = windowAttrs(ints(op.getKernelShapeAttr()), op.getStridesAttr(), op.getPadsAttr(),
                              op.getDilationsAttr());
  std::vector<int64_t> image = ints(op.getImageSizeAttr());
  Expr outH = w.outputSize(0, int32_t(image[0])), outW = w.outputSize(1, int32_t(image[1]));
  int32_t kh = int32_t(w.kernel[0]), kw = int32_t(w.kernel[1]);
  auto v = makeVars(4); // n, c, h, w
  Halide::RDom r(0, kw, 0, kh, "r");
  WindowSource oh = windowSource(w, 0, v[2], r.y, outH);
  WindowSource ow = windowSource(w, 1, v[3], r.x, outW);
  Expr row = (v[0] * outH + oh.position) * outW + ow.position;
  Expr col = (v[1] * kh + r.y) * kw + r.x;
  Halide::Func f = makeFunc("col2im");
  defineAt(f, v) = 0.0f;
  defineAt(f, v) += Halide::select(oh.valid && ow.valid, cols.at({row, col}), 0.0f);
  std::vector<Expr> shape = {cols.shape[0] / (outH * outW), cols.shape[1] / (kh * kw),
                             int32_t(image[0]), int32_t(image[1])};
  return {f, shape, ScheduleKind::Reduction};
}

/// Rows of an output plane per register tile of the flat convolution: the
/// fewest (at most 4) whose outputs fill whole 16-lane vectors, or 0 when
/// row vectors waste less than a fifth of their lanes anyway (or none fit).
int flatTileRows(int64_t outW) {
  if (!rowsWasteLanes(outW)) return 0;
  for (int rows = 1; rows <= 4; ++rows)
    if (rows * outW % 16 == 0) return rows;
  return 0;
}

/// convolve() for stride-1, undilated convs whose rows waste a fifth of
/// their vector lanes or more (SimpleConvNet's 24-wide rows in 16-lane
/// vectors: 32 lanes computed per 24 outputs). The accumulation runs over
/// p = oh * OW + ow, the plane flattened: its vectors are always full. Its
/// taps read the shifted copies of the input (shiftedInput): one contiguous
/// vector load each.
LoweredTensor convolveFlat(const std::vector<LoweredTensor> &in, const WindowAttrs &w,
                           int32_t groups, int64_t outW, int rows) {
  const LoweredTensor &filter = in[1];
  int32_t kh = int32_t(w.kernel[0]), kw = int32_t(w.kernel[1]), width = int32_t(outW);
  Expr outH = w.outputSize(0, in[0].shape[2]);
  LoweredTensor copies = shiftedInput(in[0], w, width);

  Expr outChannels = filter.shape[0], groupIn = filter.shape[1];
  Expr groupOut = outChannels / groups;
  auto v = makeVars(3); // n, o, p
  Halide::RDom r(0, kw, 0, kh, 0, groupIn, "r"); // kw, kh, c
  Expr channel = (v[1] / groupOut) * groupIn + r.z;
  Expr tap = copies.at({v[0], channel, r.x, v[2] + r.y * width}) * filter.at({v[1], r.z, r.y, r.x});
  Halide::Func flat = makeFunc("conv2d_acc");
  defineAt(flat, v) = in.size() > 2 ? in[2].at({v[1]}) : Expr(0.0f);
  defineAt(flat, v) += tap;

  // The NCHW view of the flat planes, inlined into the epilogue.
  auto u = makeVars(4); // n, o, oh, ow
  Halide::Func view = makeFunc("conv2d_planes");
  defineAt(view, u) = flat(u[2] * width + u[3], u[1], u[0]);
  std::vector<Expr> shape = {in[0].shape[0], outChannels, outH, width};
  LoweredTensor conv{view, shape, ScheduleKind::Convolution, {copies}};
  conv.flatAccumulation = flat;
  conv.flatTileRows = rows;
  return conv;
}

/// The filter (O, C, KH, KW) as (C, KH, KW, O): output channels innermost.
LoweredTensor filterWithChannelsInnermost(const LoweredTensor &filter) {
  auto u = makeVars(4); // c, kh, kw, o
  Halide::Func copy = makeFunc("conv2d_filter_channels_innermost");
  defineAt(copy, u) = filter.at({u[3], u[0], u[1], u[2]});
  return {copy, {filter.shape[1], filter.shape[2], filter.shape[3], filter.shape[0]},
          ScheduleKind::Pointwise};
}

} // namespace

LoweredTensor convolve(const std::vector<LoweredTensor> &in, const WindowAttrs &w, int32_t groups,
                       bool winograd) {
  if (winograd && winogradApplies(in[0], in[1], w, groups)) return convolveWinograd(in, w);
  int64_t outW = constantValue(w.outputSize(1, in[0].shape[3]));
  int64_t outH = constantValue(w.outputSize(0, in[0].shape[2]));
  int rows = w.unitSteps() ? flatTileRows(outW) : 0;
  if (rows && outH >= rows) return convolveFlat(in, w, groups, outW, rows);
  const LoweredTensor &filter = in[1];
  // The input with a zero border, stored (a stage of the accumulation): the
  // schedule's register tiles cover whole vectors and may compute a few
  // outputs past the edge (their lanes are never stored), whose reads then
  // land in the border; and the taps load contiguous vectors instead of
  // clamping and selecting per lane.
  LoweredTensor x = padSpatial(in[0], 0.0f);
  Expr outChannels = filter.shape[0], groupIn = filter.shape[1];
  Expr groupOut = outChannels / groups;
  auto v = makeVars(4); // n, o, oh, ow
  Halide::RDom r(0, int32_t(w.kernel[1]), 0, int32_t(w.kernel[0]), 0, groupIn, "r"); // kw, kh, c
  Expr channel = (v[1] / groupOut) * groupIn + r.z;
  // Output channels in vectors read the filter from a copy in which they
  // are innermost: each tap's weights of a channel block are one load.
  std::optional<LoweredTensor> lanes;
  int64_t outC = constantValue(outChannels);
  if (groups == 1 && outC > 0 && outC % kConvChannelLanes == 0 && outW >= kChannelLaneBlock &&
      outW <= kChannelLanePixels && outH > 0)
    lanes = filterWithChannelsInnermost(filter);
  Expr weight = lanes ? lanes->at({r.z, r.y, r.x, v[1]}) : filter.at({v[1], r.z, r.y, r.x});
  Expr tap = x.at({v[0], channel, windowInput(w, 0, v[2], r.y), windowInput(w, 1, v[3], r.x)}) *
             weight;
  Halide::Func f = makeFunc("conv2d_acc");
  defineAt(f, v) = in.size() > 2 ? in[2].at({v[1]}) : Expr(0.0f);
  defineAt(f, v) += tap;
  std::vector<Expr> shape = {in[0].shape[0], outChannels, w.outputSize(0, in[0].shape[2]),
                             w.outputSize(1, in[0].shape[3])};
  LoweredTensor conv{f, shape, ScheduleKind::Convolution, {x}};
  conv.borderedInput = true;
  if (lanes) conv.stages.push_back(*lanes);
  conv.channelLanes = lanes.has_value();
  return conv;
}

void registerConvLowerings(LoweringTable &table) {
  table.add1<Conv2DOp>(lowerConv);
  table.add1<Conv2DBackwardDataOp>(lowerConvBackwardData);
  table.add1<Conv2DBackwardFilterOp>(lowerConvBackwardFilter);
  table.add1<Im2ColOp>(lowerIm2Col);
  table.add1<Col2ImOp>(lowerCol2Im);
}

} // namespace nabla::halide
