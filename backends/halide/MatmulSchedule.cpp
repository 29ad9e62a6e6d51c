// The register-tiled CPU schedule of matmul and fused_matmul.
#include "backends/halide/CpuScheduleParts.h"

#include <algorithm>
#include <cmath>

namespace nabla::halide {

using Halide::RVar;
using Halide::TailStrategy;
using Halide::Var;

namespace {

/// A matmul's register tile: `vectors` vectors of `vector` lanes along j
/// (the output's columns) by `rows` rows along i, one accumulator register
/// each. `exact`: the tile fits inside the output, so edge tiles can shift
/// inwards (recomputing a few outputs) and every tile has the same constant
/// size: no guard is left in the k loop.
struct MatmulTile {
  int vector, vectors = 3, rows = 8;
  bool exact = true;
  int width() const { return vector * vectors; }
};

/// A tile of whole rows: one vector of N lanes per row, which LLVM splits
/// into ceil(N / 16) registers, the last one partly used. Where N is no
/// multiple of the tile's width that costs fewer FMAs per row than the
/// tile's shifted edge: SimpleConvNet's N = 100 takes 7 registers per row
/// instead of the 8 that 2-vector tiles compute (128 columns). As many rows
/// as fit with their accumulators, B's vectors and one broadcast in the 32
/// registers (3 at N = 100). Each such tile walks all of B (K x N), so only
/// while B stays in L2 across tiles: K x N at most 128K floats, or K dynamic
/// (a batch: SimpleConvNet's dW1 = X^T dY reduces over the 100 images; its
/// share of the one-thread training step 14.2% -> 12.9%). The forward
/// affine's B (4320 x 100, 1.7 MB) does not: 0.84 ms against 0.78.
MatmulTile wholeRowTile(int64_t n, int64_t k, const MatmulTile &tile) {
  constexpr int kRegisters = 32;
  constexpr int64_t kL2Floats = 128 * 1024;
  int64_t registersPerRow = (n + tile.vector - 1) / tile.vector;
  int64_t tileRegistersPerRow = (n + tile.width() - 1) / tile.width() * tile.vectors;
  if (n % tile.vector == 0 || registersPerRow >= tileRegistersPerRow) return tile;
  if (k > 0 && k * n > kL2Floats) return tile;
  int64_t rows = (kRegisters - 1 - registersPerRow) / registersPerRow;
  if (rows < 2) return tile;
  return {int(n), 1, int(std::min<int64_t>(rows, tile.rows)), true};
}

/// 3 vectors x 8 rows: 24 of the 32 AVX-512 registers accumulate, and each
/// step of k loads 3 vectors of B and broadcasts 8 values of A for 24 FMAs.
/// When that computes over 5% more columns than 2 vectors x 8 rows (edge
/// tiles shift inwards and recompute), the narrower tile: SimpleConvNet's
/// N = 100 computes 128 columns instead of 144, 0.6 ms instead of 1.0 for
/// its 100x4320x100 affine. More rows per tile measured slower on both
/// shapes (2 x 12: 0.75 ms; each row of A is its own stream of loads).
/// Outputs narrower than two vectors get one (down to 4 lanes) by 12 rows.
/// `k`: the reduction's extent, 0 when dynamic (see wholeRowTile).
MatmulTile matmulTile(int64_t n, int64_t k, int vector) {
  MatmulTile tile{vector};
  if (n == 0) { // dynamic: guarded edge tiles
    tile.exact = false;
    return tile;
  }
  while (tile.vector > 4 && n < tile.vector) tile.vector /= 2;
  auto computed = [&](int vectors) {
    int64_t width = int64_t(vectors) * tile.vector;
    return (n + width - 1) / width * width;
  };
  if (n < 2 * tile.vector) {
    tile.vectors = 1;
    tile.rows = 12;
  } else if (n < 3 * tile.vector || double(computed(3)) > 1.05 * double(computed(2))) {
    tile.vectors = 2;
  }
  tile.exact = n >= tile.width();
  return wholeRowTile(n, k, tile);
}

/// The tile of a single row (batch 1), where reading B is the work: each
/// step of k takes B's row whole, so B streams through once, front to back,
/// in the widest vectors that cut N exactly. SimpleConvNet's N = 100: 25
/// vectors of 4 lanes, its 1.73 MB of B in ~17 us, against ~26 us for
/// 2 x 16-lane tiles, which walk B four times at a 400-byte stride. At most
/// 28 accumulators (the rest of the 32 registers hold the broadcast of A);
/// wider rows split into equal tiles. Otherwise `tile` with one row.
MatmulTile rowTile(int64_t n, MatmulTile tile) {
  constexpr int kRowAccumulators = 28;
  tile.rows = 1;
  int vector = tile.vector;
  while (vector > 4 && n % vector) vector /= 2;
  if (n == 0 || n % vector) return tile;
  int64_t vectors = n / vector;
  int64_t perTile = kRowAccumulators;
  while (vectors % perTile) --perTile;
  if (perTile * vector < 16) return tile; // narrower than one 16-lane vector: as before
  return {vector, int(perTile), 1, true};
}

/// Tiles the matmul's output `s` (a Func or one of its specializations):
/// tiles of one column panel run consecutively, so the panel of B (K x tile
/// width) stays in L2 across them; a parallel task gets `rowTiles` tiles.
template <typename StageT>
void tileMatmulOutput(StageT &&s, const std::vector<Var> &args, const MatmulTile &tile,
                      int rowTiles) { // args: (j, i)
  TailStrategy edge = tile.exact ? TailStrategy::ShiftInwards : TailStrategy::GuardWithIf;
  Var jo("jo"), io("io"), ji("ji"), ii("ii"), jv("jv"), jl("jl"), band("row_band"), task("task");
  s.split(args[0], jo, ji, tile.width(), edge)
      .split(args[1], io, ii, tile.rows, TailStrategy::ShiftInwards)
      .split(io, band, Var("row_tiles"), rowTiles, TailStrategy::GuardWithIf)
      .split(ji, jv, jl, tile.vector)
      .reorder(jl, jv, ii, Var("row_tiles"), band, jo)
      .vectorize(jl)
      .unroll(jv)
      .unroll(ii)
      .fuse(band, jo, task)
      .parallel(task);
}

/// The accumulation of one register tile, in a tile-sized buffer LLVM
/// keeps in registers: vectors along j, the tile's rows unrolled, k outside.
template <typename PureT, typename UpdateT>
void scheduleTileAccumulation(PureT &&pure, UpdateT &&update, const std::vector<Var> &args,
                              const MatmulTile &tile) { // args: (j, i)
  Var jv("ajv"), jl("ajl");
  std::vector<Halide::VarOrRVar> order = {jl, jv, args[1]}; // then k's variables, innermost first
  for (const auto &r : update.get_schedule().rvars()) order.push_back(RVar(r.var));
  pure.split(args[0], jv, jl, tile.vector, TailStrategy::GuardWithIf).vectorize(jl).unroll(args[1]);
  update.split(args[0], jv, jl, tile.vector, TailStrategy::GuardWithIf)
      .reorder(order)
      .vectorize(jl)
      .unroll(args[1]);
  if (tile.exact) { // the tile's width is constant: its vectors unroll too
    pure.unroll(jv);
    update.unroll(jv);
  }
}

} // namespace

/// out(j, i) = activation(acc(j, i)), acc(j, i) = sum_k A(i, k) B(k, j).
/// The output is cut into register tiles; each tile's accumulation runs over
/// the whole k range in a tile-sized buffer of its own, which LLVM promotes
/// to registers: per step of k only A and B are loaded. Row tiles shift
/// inwards, so with a dynamic row count the tiled schedule is specialized to
/// outputs of at least a tile's rows; smaller ones (batch 1) run single rows
/// in row tiles (rowTile), the accumulation specialized the same way.
void scheduleMatmulEpilogue(const LoweredTensor &t, int vector) {
  Halide::Func f = t.func, acc = t.stages.at(0).func;
  const LoweredTensor &product = t.stages[0];
  int64_t m = staticExtent(product, 0);
  int64_t k = 1; // 0: dynamic
  for (const auto &r : acc.update(0).get_schedule().rvars()) k *= constantValue(r.extent);
  MatmulTile tile = matmulTile(staticExtent(product, 1), k, vector);
  auto rowTilesFor = [&](const MatmulTile &tt) {
    return iterationsPerTask(2.0 * tt.width() * tt.rows * double(k > 0 ? k : 256));
  };
  f.compute_root();
  acc.compute_at(f, Var("row_tiles"));
  MatmulTile single = rowTile(staticExtent(product, 1), tile);
  if (m > 0) {
    if (m == 1) tile = single;
    if (m < tile.rows) tile.rows = int(m);
    tileMatmulOutput(f, f.args(), tile, rowTilesFor(tile));
    scheduleTileAccumulation(acc, acc.update(0), acc.args(), tile);
    return;
  }
  Halide::Expr tiled = product.shape[0] >= tile.rows;
  tileMatmulOutput(f.specialize(tiled), f.args(), tile, rowTilesFor(tile));
  scheduleTileAccumulation(acc.specialize(tiled), acc.update(0).specialize(tiled), acc.args(),
                           tile);
  tileMatmulOutput(f, f.args(), single, rowTilesFor(single));
  scheduleTileAccumulation(acc, acc.update(0), acc.args(), single);
}

} // namespace nabla::halide
