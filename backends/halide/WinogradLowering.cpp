// Winograd F(2x2, 3x3) convolution (Lavin and Gray, "Fast Algorithms for
// Convolutional Neural Networks", 2016) of the stride-1, undilated,
// ungrouped 3x3 convs that --nabla-select-winograd marks (DeepConvNet's
// convs after the first, and their data gradients).
//
// Each 2x2 block of outputs ("tile") of each output channel is
//   Y = A^T [ sum_c (G g_oc G^T) * (B^T d_c B) ] A
// where d_c is the 4x4 input patch of channel c under the tile and * is the
// elementwise product. Per tile and channel pair that is 16 multiplies
// instead of 36: the sum over c is 16 independent matrix products
// (one per element e of the 4x4 transformed tile) of O x C filters by
// C x T input patches, which the CPU schedule (WinogradSchedule.cpp) tiles
// in registers like a GEMM. The transforms' coefficients are 0, +-1 and
// +-1/2, exact in binary floating point.
#include "backends/halide/Lowering.h"

#include <array>

namespace nabla::halide {

using Halide::Expr;

namespace {

using Row = std::array<Expr, 4>;

/// B^T d for a column d of 4 input values.
Row transformInput(const Row &d) { return {d[0] - d[2], d[1] + d[2], d[2] - d[1], d[1] - d[3]}; }

/// G g for a column g of 3 filter taps.
Row transformFilter(const Expr &g0, const Expr &g1, const Expr &g2) {
  return {g0, (g0 + g1 + g2) * 0.5f, (g0 - g1 + g2) * 0.5f, g2};
}

/// A^T m for a column m of 4 products: the 2 outputs.
std::array<Expr, 2> transformOutput(const Row &m) {
  return {m[0] + m[1] + m[2], m[1] - m[2] - m[3]};
}

/// Element `index` (a Var the schedule unrolls, so mux folds) of `values`.
Expr pick(const Expr &index, const Row &values) {
  return Halide::mux(index, {values[0], values[1], values[2], values[3]});
}
Expr pick(const Expr &index, const std::array<Expr, 2> &values) {
  return Halide::mux(index, {values[0], values[1]});
}

/// The NCHW input `x` with a zero border, as large as its readers need:
/// zeros, then `x` copied into the interior in vectors of `lanes` columns
/// (at most its width), the last one of a row shifted back inside it.
/// (padSpatial's read, clamped and selected per element, is a gather when
/// vectorized, and a guarded tail would copy element by element.)
LoweredTensor zeroBordered(const LoweredTensor &x, int32_t lanes) {
  auto p = makeVars(4, "b"); // n, c, h, w
  Halide::Func bordered = makeFunc("winograd_bordered");
  defineAt(bordered, p) = Halide::cast(x.type(), 0);
  Expr width = x.shape[3];
  Halide::RDom r(0, lanes, 0, (width + lanes - 1) / lanes, 0, x.shape[2], "r"); // lane, vector, h
  Expr column = Halide::min(r.y * lanes, width - lanes) + r.x;
  bordered(column, r.z, p[1], p[0]) = x.at({p[0], p[1], r.z, column});
  return {bordered, x.shape, ScheduleKind::Pointwise};
}

} // namespace

bool winogradApplies(const LoweredTensor &input, const LoweredTensor &filter, const WindowAttrs &w,
                     int32_t groups) {
  int64_t inC = constantValue(input.shape[1]), outC = constantValue(filter.shape[0]);
  int64_t outH = constantValue(w.outputSize(0, input.shape[2]));
  int64_t outW = constantValue(w.outputSize(1, input.shape[3]));
  return groups == 1 && w.unitSteps() && w.kernel[0] == 3 && w.kernel[1] == 3 && inC > 0 &&
         outC > 0 && outC % kConvChannelLanes == 0 && outH >= 2 && outW >= kChannelLaneBlock;
}

LoweredTensor convolveWinograd(const std::vector<LoweredTensor> &in, const WindowAttrs &w) {
  const LoweredTensor &filter = in[1];
  Expr outC = filter.shape[0], inC = filter.shape[1];
  Expr outH = w.outputSize(0, in[0].shape[2]), outW = w.outputSize(1, in[0].shape[3]);
  int32_t tilesW = int32_t((constantValue(outW) + 1) / 2);
  int32_t tilesH = int32_t((constantValue(outH) + 1) / 2);
  int32_t padH = int32_t(w.padBegin[0]), padW = int32_t(w.padBegin[1]);

  // The input with a zero border all around, stored per image by the
  // schedule: the tiles past an odd edge read zeros, and the transform
  // loads contiguous vectors instead of clamping per lane. Its interior is
  // copied in vectors as wide as its rows allow.
  int32_t width = int32_t(constantValue(in[0].shape[3]));
  LoweredTensor x = zeroBordered(in[0], width >= kConvChannelLanes   ? int32_t(kConvChannelLanes)
                                        : width >= kChannelLaneBlock ? int32_t(kChannelLaneBlock)
                                                                     : width);

  // U(a, b, c, o) = (G g G^T)[a][b], output channels innermost.
  auto u = makeVars(4, "u"); // a, b, c, o
  Row filterRows;
  for (int i = 0; i < 3; ++i) {
    Row columns = transformFilter(filter.at({u[3], u[2], i, 0}), filter.at({u[3], u[2], i, 1}),
                                  filter.at({u[3], u[2], i, 2}));
    filterRows[size_t(i)] = pick(u[1], columns);
  }
  Halide::Func filterT = makeFunc("winograd_filter");
  defineAt(filterT, u) = pick(u[0], transformFilter(filterRows[0], filterRows[1], filterRows[2]));
  LoweredTensor transformedFilter{filterT, {4, 4, inC, outC}, ScheduleKind::Pointwise};

  // V(n, a, b, c, t) = (B^T d B)[a][b] of tile t = th * tilesW + tw: the
  // tiles flattened, so a register tile of the products may span rows and
  // reads its tiles' values at consecutive addresses.
  auto v = makeVars(5, "i"); // n, a, b, c, t (not "v": Halide names its own Vars v<k>)
  Expr th = v[4] / tilesW, tw = v[4] % tilesW;
  Row rows;
  for (int i = 0; i < 4; ++i) {
    Row d;
    for (int j = 0; j < 4; ++j)
      d[size_t(j)] = x.at({v[0], v[3], 2 * th + (i - padH), 2 * tw + (j - padW)});
    rows[size_t(i)] = pick(v[2], transformInput(d));
  }
  Halide::Func inputT = makeFunc("winograd_input");
  defineAt(inputT, v) = pick(v[1], transformInput(rows));
  Expr tiles = tilesH * tilesW;
  LoweredTensor transformedInput{
      inputT, {in[0].shape[0], 4, 4, inC, tiles}, ScheduleKind::Pointwise};

  // M(n, a, b, t, o) = sum_c U(a, b, c, o) V(n, a, b, c, t): 16 GEMMs.
  auto m = makeVars(5, "m"); // n, a, b, t, o
  Halide::RDom r(0, inC, "r");
  Halide::Func products = makeFunc("winograd_products");
  defineAt(products, m) = 0.0f;
  defineAt(products, m) += transformedFilter.at({m[1], m[2], r.x, m[4]}) *
                           transformedInput.at({m[0], m[1], m[2], r.x, m[3]});
  std::vector<Expr> productShape = {in[0].shape[0], 4, 4, tiles, outC};
  LoweredTensor accumulated{products, productShape, ScheduleKind::Reduction};
  // A stored copy, which the CPU schedule computes tile by tile with the
  // accumulation of each tile in registers (as a conv's epilogue does).
  Halide::Func storedProducts = makeFunc("winograd_products_stored");
  defineAt(storedProducts, m) = accumulated.at(toExprs(m));
  LoweredTensor stored{storedProducts, productShape, ScheduleKind::Pointwise};

  // Y(n, o, h, w) = bias(o) + (A^T M A)[h % 2][w % 2] of tile (h / 2, w / 2).
  auto y = makeVars(4, "y"); // n, o, h, w
  Expr tile = (y[2] / 2) * tilesW + y[3] / 2;
  Row columns;
  for (int a = 0; a < 4; ++a) {
    Row e;
    for (int b = 0; b < 4; ++b) e[size_t(b)] = stored.at({y[0], a, b, tile, y[1]});
    columns[size_t(a)] = pick(y[3] % 2, transformOutput(e));
  }
  Expr value = pick(y[2] % 2, transformOutput(columns));
  if (in.size() > 2) value = in[2].at({y[1]}) + value;
  Halide::Func out = makeFunc("winograd_output");
  defineAt(out, y) = value;
  std::vector<Expr> shape = {in[0].shape[0], outC, outH, outW};
  return {out,
          shape,
          ScheduleKind::Winograd,
          {x, transformedFilter, transformedInput, accumulated, stored}};
}

} // namespace nabla::halide
