// Winograd F(4x4, 3x3) convolution (Lavin and Gray, "Fast Algorithms for
// Convolutional Neural Networks", 2016) of the stride-1, undilated,
// ungrouped 3x3 convs that --nabla-select-winograd marks (DeepConvNet's
// convs after the first, and their data gradients).
//
// Each 4x4 block of outputs ("tile") of each output channel is
//   Y = A^T [ sum_c (G g_oc G^T) * (B^T d_c B) ] A
// where d_c is the 6x6 input patch of channel c under the tile and * is the
// elementwise product. Per tile and channel pair that is 36 multiplies
// instead of 144: the sum over c is 36 independent matrix products (one
// per element e of the 6x6 transformed tile) of O x C filters by C x T
// input patches, which the CPU schedule (WinogradSchedule.cpp) tiles in
// registers like a GEMM. The interpolation points are 0, +-1, +-2 and
// infinity: the input and output transforms' coefficients are small
// integers, exact in binary; the filter transform's (multiples of 1/6)
// round once per transformed tap.
//
// Every stage keeps the channels innermost, so each runs in whole vectors
// across channels whatever the image's width: the input is bordered with
// zeros into (h, w, c) order, and the output is assembled tile by tile
// before the schedule writes it back in NCHW rows.
#include "backends/halide/Lowering.h"

#include <array>

namespace nabla::halide {

using Halide::Expr;

namespace {

constexpr int kOut = 4;               // m: outputs per tile side
constexpr int kTaps = 3;              // r: the filter's side
constexpr int kIn = kOut + kTaps - 1; // m + r - 1: the transformed tile's side

// B^T, G and A^T for the points 0, 1, -1, 2, -2 and infinity.
constexpr float kInputT[kIn][kIn] = {
    {4, 0, -5, 0, 1, 0},  {0, -4, -4, 1, 1, 0}, {0, 4, -4, -1, 1, 0},
    {0, -2, -1, 2, 1, 0}, {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1},
};
constexpr float kFilterT[kIn][kTaps] = {
    {1.f / 4, 0, 0},
    {-1.f / 6, -1.f / 6, -1.f / 6},
    {-1.f / 6, 1.f / 6, -1.f / 6},
    {1.f / 24, 1.f / 12, 1.f / 6},
    {1.f / 24, -1.f / 12, 1.f / 6},
    {0, 0, 1},
};
constexpr float kOutputT[kOut][kIn] = {
    {1, 1, 1, 1, 1, 0},
    {0, 1, -1, 2, -2, 0},
    {0, 1, 1, 4, 4, 0},
    {0, 1, -1, 8, -8, 1},
};

/// sum_k coefficients[k] * values[k], without the zero terms and the
/// multiplies by +-1.
template <size_t N> Expr combine(const float (&coefficients)[N], const std::vector<Expr> &values) {
  Expr sum;
  for (size_t k = 0; k < N; ++k) {
    float c = coefficients[k];
    if (c == 0) continue;
    bool subtract = c == -1 && sum.defined();
    Expr term = c == 1 || subtract ? values[k] : c == -1 ? -values[k] : values[k] * c;
    sum = !sum.defined() ? term : subtract ? sum - term : sum + term;
  }
  return sum;
}

/// Row `index` (a Var the schedule unrolls, so mux folds) of `matrix`
/// applied to `values`.
template <size_t R, size_t N>
Expr applyRow(const Expr &index, const float (&matrix)[R][N], const std::vector<Expr> &values) {
  std::vector<Expr> rows;
  for (size_t i = 0; i < R; ++i) rows.push_back(combine(matrix[i], values));
  return Halide::mux(index, rows);
}

} // namespace

bool winogradApplies(const LoweredTensor &input, const LoweredTensor &filter, const WindowAttrs &w,
                     int32_t groups) {
  int64_t inC = constantValue(input.shape[1]), outC = constantValue(filter.shape[0]);
  int64_t outH = constantValue(w.outputSize(0, input.shape[2]));
  int64_t outW = constantValue(w.outputSize(1, input.shape[3]));
  return groups == 1 && w.unitSteps() && w.kernel[0] == kTaps && w.kernel[1] == kTaps && inC > 0 &&
         inC % kChannelLaneBlock == 0 && outC > 0 && outC % kConvChannelLanes == 0 &&
         outH >= kOut && outW >= kChannelLaneBlock;
}

LoweredTensor convolveWinograd(const std::vector<LoweredTensor> &in, const WindowAttrs &w) {
  const LoweredTensor &x = in[0], &filter = in[1];
  Expr batch = x.shape[0], outC = filter.shape[0], inC = filter.shape[1];
  Expr outH = w.outputSize(0, x.shape[2]), outW = w.outputSize(1, x.shape[3]);
  int32_t tilesW = int32_t((constantValue(outW) + kOut - 1) / kOut);
  int32_t tilesH = int32_t((constantValue(outH) + kOut - 1) / kOut);
  Expr tiles = tilesH * tilesW, padH = int32_t(w.padBegin[0]), padW = int32_t(w.padBegin[1]);
  Expr height = x.shape[2], width = x.shape[3];

  // D(n, h, w, c): the input with a zero border all around (the tiles past
  // an edge read zeros), the channels innermost.
  auto d = makeVars(4, "b"); // n, h, w, c
  Expr row = d[1] - padH, column = d[2] - padW;
  Expr inside = row >= 0 && row < height && column >= 0 && column < width;
  Halide::Func bordered = makeFunc("winograd_bordered");
  defineAt(bordered, d) = Halide::select(
      inside,
      x.at({d[0], d[3], Halide::clamp(row, 0, height - 1), Halide::clamp(column, 0, width - 1)}),
      Halide::cast(x.type(), 0));
  LoweredTensor border{bordered,
                       {batch, tilesH * kOut + kTaps - 1, tilesW * kOut + kTaps - 1, inC},
                       ScheduleKind::Pointwise};

  // The filter transform G g G^T in two passes, the output channels
  // innermost: P(i, b, c, o) = (g G^T)[i][b], then U(a, b, c, o) = (G P)[a][b].
  auto q = makeVars(4, "q"); // i, b, c, o
  std::vector<Expr> taps;
  for (int k = 0; k < kTaps; ++k) taps.push_back(filter.at({q[3], q[2], q[0], k}));
  Halide::Func filterRowsT = makeFunc("winograd_filter_rows");
  defineAt(filterRowsT, q) = applyRow(q[1], kFilterT, taps);
  LoweredTensor transformedFilterRows{
      filterRowsT, {kTaps, kIn, inC, outC}, ScheduleKind::Pointwise};

  auto u = makeVars(4, "u"); // a, b, c, o
  std::vector<Expr> filterColumn;
  for (int i = 0; i < kTaps; ++i)
    filterColumn.push_back(transformedFilterRows.at({i, u[1], u[2], u[3]}));
  Halide::Func filterT = makeFunc("winograd_filter");
  defineAt(filterT, u) = applyRow(u[0], kFilterT, filterColumn);
  LoweredTensor transformedFilter{filterT, {kIn, kIn, inC, outC}, ScheduleKind::Pointwise};

  // The input transform B^T d B of tile t = th * tilesW + tw (the tiles
  // flattened, so a register tile of the products may span rows), in two
  // passes: R(n, i, b, t, c) = (d B)[i][b], then V(n, a, b, t, c) = (B^T R)[a][b].
  auto r = makeVars(5, "i"); // n, i, b, t, c (not "v": Halide names its own Vars v<k>)
  std::vector<Expr> patchRow;
  for (int j = 0; j < kIn; ++j)
    patchRow.push_back(
        border.at({r[0], (r[3] / tilesW) * kOut + r[1], (r[3] % tilesW) * kOut + j, r[4]}));
  Halide::Func rowsT = makeFunc("winograd_input_rows");
  defineAt(rowsT, r) = applyRow(r[2], kInputT, patchRow);
  LoweredTensor transformedRows{rowsT, {batch, kIn, kIn, tiles, inC}, ScheduleKind::Pointwise};

  auto v = makeVars(5, "j"); // n, a, b, t, c
  std::vector<Expr> rowColumn;
  for (int i = 0; i < kIn; ++i)
    rowColumn.push_back(transformedRows.at({v[0], i, v[2], v[3], v[4]}));
  Halide::Func inputT = makeFunc("winograd_input");
  defineAt(inputT, v) = applyRow(v[1], kInputT, rowColumn);
  LoweredTensor transformedInput{inputT, {batch, kIn, kIn, tiles, inC}, ScheduleKind::Pointwise};

  // M(n, a, b, t, o) = sum_c U(a, b, c, o) V(n, a, b, t, c): 36 GEMMs.
  auto m = makeVars(5, "m"); // n, a, b, t, o
  Halide::RDom rc(0, inC, "r");
  Halide::Func products = makeFunc("winograd_products");
  defineAt(products, m) = 0.0f;
  defineAt(products, m) += transformedFilter.at({m[1], m[2], rc.x, m[4]}) *
                           transformedInput.at({m[0], m[1], m[2], m[3], rc.x});
  std::vector<Expr> productShape = {batch, kIn, kIn, tiles, outC};
  LoweredTensor accumulated{products, productShape, ScheduleKind::Reduction};
  // A stored copy, which the CPU schedule computes tile by tile with the
  // accumulation of each tile in registers (as a conv's epilogue does).
  Halide::Func storedProducts = makeFunc("winograd_products_stored");
  defineAt(storedProducts, m) = accumulated.at(toExprs(m));
  LoweredTensor stored{storedProducts, productShape, ScheduleKind::Pointwise};

  // The output transform A^T M A in two passes too: C(n, a, wi, t, o) =
  // (M A)[a][wi], then Y(n, hi, wi, t, o) = (A^T C)[hi][wi] + bias(o).
  auto c = makeVars(5, "c"); // n, a, wi, t, o
  std::vector<Expr> productRow;
  for (int b = 0; b < kIn; ++b) productRow.push_back(stored.at({c[0], c[1], b, c[3], c[4]}));
  Halide::Func columnsT = makeFunc("winograd_output_columns");
  defineAt(columnsT, c) = applyRow(c[2], kOutputT, productRow);
  LoweredTensor transformedColumns{
      columnsT, {batch, kIn, kOut, tiles, outC}, ScheduleKind::Pointwise};

  auto y = makeVars(5, "y"); // n, hi, wi, t, o
  std::vector<Expr> columnOfTile;
  for (int a = 0; a < kIn; ++a)
    columnOfTile.push_back(transformedColumns.at({y[0], a, y[2], y[3], y[4]}));
  Expr value = applyRow(y[1], kOutputT, columnOfTile);
  if (in.size() > 2) value = in[2].at({y[4]}) + value;
  Halide::Func tileOutputs = makeFunc("winograd_tiles");
  defineAt(tileOutputs, y) = value;
  LoweredTensor outputTiles{tileOutputs, {batch, kOut, kOut, tiles, outC}, ScheduleKind::Pointwise};

  // The NCHW output, element (h, w) of tile (h / 4, w / 4).
  auto o = makeVars(4, "o"); // n, o, h, w
  Halide::Func out = makeFunc("winograd_output");
  defineAt(out, o) =
      outputTiles.at({o[0], o[2] % kOut, o[3] % kOut, (o[2] / kOut) * tilesW + o[3] / kOut, o[1]});
  std::vector<Expr> shape = {batch, outC, outH, outW};
  return {out,
          shape,
          ScheduleKind::Winograd,
          {border, transformedFilterRows, transformedFilter, transformedRows, transformedInput,
           accumulated, stored, transformedColumns, outputTiles}};
}

} // namespace nabla::halide
