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

/// B's floats that stay in L2 (1 MB here) with room for A's rows and C.
constexpr int64_t kL2Floats = 128 * 1024;

/// A tile of whole rows: one vector of N lanes per row, which LLVM splits
/// into ceil(N / 16) registers, the last one partly used. Where N is no
/// multiple of the tile's width that costs fewer FMAs per row than the
/// tile's shifted edge: SimpleConvNet's N = 100 takes 7 registers per row
/// instead of the 8 that 2-vector tiles compute (128 columns). As many rows
/// as fit with their accumulators, B's vectors and one broadcast in the 32
/// registers (3 at N = 100). Each such tile walks all of B (K x N), so only
/// while B stays in L2 across tiles: K x N at most kL2Floats, or K dynamic
/// (a batch: SimpleConvNet's dW1 = X^T dY reduces over the 100 images; its
/// share of the one-thread training step 14.2% -> 12.9%). A larger B is cut
/// into blocks of K that do (reductionBlocks); `k` is one block's extent.
MatmulTile wholeRowTile(int64_t n, int64_t k, const MatmulTile &tile) {
  constexpr int kRegisters = 32;
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
MatmulTile vectorTile(int64_t n, int vector) {
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
  return tile;
}

/// The register tile of a product with N columns and a reduction of `k`
/// (0: dynamic): vectorTile's, or whole rows where they pay (wholeRowTile).
MatmulTile matmulTile(int64_t n, int64_t k, int vector) {
  return wholeRowTile(n, k, vectorTile(n, vector));
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

/// B's row stride (N floats) from which a column panel is copied into
/// contiguous rows before its tiles read it: at a multiple of 2 KB its rows
/// fall into a few of the caches' sets (1024 x 1024: a panel's 3 lines of
/// each row into 32 of L2's 2048 sets, 512 rows at most of 1024 stay), so
/// every tile read its panel from L3 again (37 ms against 14.4 at 1008^3).
constexpr int64_t kAliasingRowFloats = 512;

/// Whether `tileAccumulation` copies each column panel of B before its row
/// tiles read it: B's rows alias in the caches (kAliasingRowFloats) and the
/// copy, K x panel width, is small next to the panel's products (at least
/// 8 row tiles).
bool packsPanels(int64_t m, int64_t n, int64_t k, const MatmulTile &tile) {
  return n % kAliasingRowFloats == 0 && k >= 256 && m >= 8 * tile.rows && tile.rows > 1;
}

/// Tiles the matmul's output `s` (a Func or one of its specializations):
/// tiles of one column panel run consecutively, so the panel of B (K x tile
/// width) stays in L2 across them; a parallel task gets `rowTiles` tiles.
/// With `panelLoop` the panels run in turn, each one's row tiles in
/// parallel, so a copy of the panel can be computed at the panel loop (jo).
template <typename StageT>
void tileMatmulOutput(StageT &&s, const std::vector<Var> &args, const MatmulTile &tile,
                      int rowTiles, bool panelLoop = false) { // args: (j, i)
  TailStrategy edge = tile.exact ? TailStrategy::ShiftInwards : TailStrategy::GuardWithIf;
  Var jo("jo"), io("io"), ji("ji"), ii("ii"), jv("jv"), jl("jl"), band("row_band"), task("task");
  s.split(args[0], jo, ji, tile.width(), edge)
      .split(args[1], io, ii, tile.rows, TailStrategy::ShiftInwards)
      .split(io, band, Var("row_tiles"), rowTiles, TailStrategy::GuardWithIf)
      .split(ji, jv, jl, tile.vector)
      .reorder(jl, jv, ii, Var("row_tiles"), band, jo)
      .vectorize(jl)
      .unroll(jv)
      .unroll(ii);
  if (panelLoop) s.parallel(band);
  else s.fuse(band, jo, task).parallel(task);
}

/// The accumulation of one register tile, in a tile-sized buffer LLVM
/// keeps in registers: vectors along j, the tile's rows unrolled, k outside.
template <typename PureT, typename UpdateT>
void scheduleTileAccumulation(PureT &&pure, UpdateT &&update, const std::vector<Var> &args,
                              const MatmulTile &tile) { // args: (j, i)
  Var jv("ajv"), jl("ajl");
  std::vector<Halide::VarOrRVar> order = {jl, jv, args[1]}; // then k's variables, innermost first
  for (const auto &r : update.get_schedule().rvars()) // rfactor's are qualified: "k.k_in_block"
    order.push_back(RVar(r.var.substr(r.var.rfind('.') + 1)));
  pure.split(args[0], jv, jl, tile.vector, TailStrategy::GuardWithIf).vectorize(jl).unroll(args[1]);
  update.split(args[0], jv, jl, tile.vector, TailStrategy::GuardWithIf)
      .reorder(order)
      .vectorize(jl)
      .unroll(args[1]);
  if (tile.exact) { // the tile's width is constant: its vectors unroll too
    pure.unroll(jv);
    update.unroll(jv);
  }
  // LLVM carries a vector of N = 100 lanes across a loop's edges as
  // scalars (vinsertps, vmovshdup): inside nested k loops (a pool's planes
  // read as w, h, c) that cost 45% of the tile. One fused k loop pays it
  // once per tile; its index math is a few scalar ops per step of 21 FMAs.
  std::vector<RVar> k;
  for (size_t d = 3; d < order.size(); ++d) k.push_back(order[d].rvar);
  if ((tile.vector & (tile.vector - 1)) && k.size() >= 2) {
    RVar outer = k[0];
    for (size_t d = 1; d < k.size(); ++d) {
      RVar fused(outer.name() + "_" + k[d].name());
      update.fuse(outer, k[d], fused);
      outer = fused;
    }
  }
}

/// Cutting the reduction into blocks pays where whole-row tiles would win
/// but B (K x N floats) does not stay in L2: the fewest blocks (at least 2)
/// that split the outermost reduction variable of `update` evenly, each
/// block's rows of B in L2. 0 when B fits whole or no split keeps a block
/// in L2. SimpleConvNet's affine layer (4320 x 100, read as 30 channels x
/// 144): 5 blocks of 6 channels.
int reductionBlocks(const Halide::Stage &update, int64_t k, int64_t n, int vector) {
  if (k <= 0 || n <= 0 || k * n <= kL2Floats) return 0;
  bool wholeRowsPay = matmulTile(n, 1, vector).vector != matmulTile(n, k, vector).vector;
  if (!wholeRowsPay) return 0;
  int64_t extent = constantValue(update.get_schedule().rvars().back().extent);
  for (int64_t blocks = 2; blocks <= extent; ++blocks)
    if (extent % blocks == 0 && k / blocks * n <= kL2Floats) return int(blocks);
  return 0;
}

/// Iterations per task when a static count of `iterations` is cut into
/// tasks of about `perTask`: an even number of equal tasks, so two threads
/// end together (34 row tiles of 7 made 5 tasks: one thread ran 3 of them,
/// the other 2).
int evenTasks(int64_t iterations, int perTask) {
  int64_t tasks = (iterations + perTask - 1) / perTask;
  if (tasks <= 1) return perTask;
  tasks += tasks % 2;
  return int((iterations + tasks - 1) / tasks);
}

/// Whether the transposed copy of B (`transposedB`, a Transpose stage) is
/// made panel by panel inside the tasks of `tile`, each panel as its tiles
/// start: the source's rows of a panel are contiguous (SimpleConvNet's dX1 =
/// dY W1^T: 48 rows of W1's 100 floats), where one copy of all of B walks the
/// source down its columns, each task at a 400-byte stride past the caches'
/// prefetchers (6.7% of the one-thread training step, for a copy). Edge
/// tiles must shift inwards, so every panel is whole, and a panel at least
/// a block of the copy wide.
bool transposesPanels(const LoweredTensor *transposedB, const MatmulTile &tile, int vector) {
  return transposedB && tile.exact && tile.width() >= transposeBlock(vector);
}

/// Tiles `out` (j, i, ...) into register tiles, each accumulated by `acc`
/// over the whole reduction in a tile-sized buffer LLVM keeps in registers:
/// per step of k only A and B are loaded. Row tiles shift inwards, so with
/// a dynamic row count (`m` = 0; `rows` the count) the tiled schedule is
/// specialized to outputs of at least a tile's rows; smaller ones (batch 1)
/// run single rows in row tiles (rowTile), the accumulation specialized the
/// same way. `k`: the reduction's extent per tile (0: dynamic). B's
/// transposed copy, when the product reads one (`transposedB`), is made
/// panel by panel where that pays (transposesPanels): then true, and the
/// copy is scheduled.
bool tileAccumulation(Halide::Func out, Halide::Func acc, const Halide::Expr &rows, int64_t m,
                      int64_t n, int64_t k, int vector, const Halide::Func &b = {},
                      const LoweredTensor *transposedB = nullptr) {
  MatmulTile tile = matmulTile(n, k, vector);
  auto tilesPerTask = [&](const MatmulTile &tt) {
    return iterationsPerTask(2.0 * tt.width() * tt.rows * double(k > 0 ? k : 256));
  };
  // Each task's panel of B transposed as the task starts (the tasks are
  // whole panels, or bands of a panel's row tiles).
  auto transposeInTasks = [&] {
    return scheduleTransposeAt(*transposedB, vector, out, Var("task"));
  };
  out.compute_root();
  acc.compute_at(out, Var("row_tiles"));
  MatmulTile single = rowTile(n, tile);
  if (m > 0) {
    if (m == 1) tile = single;
    if (m < tile.rows) tile.rows = int(m);
    int64_t rowTiles = (m + tile.rows - 1) / tile.rows;
    bool pack = b.defined() && packsPanels(m, n, k, tile);
    tileMatmulOutput(out, out.args(), tile, evenTasks(rowTiles, tilesPerTask(tile)), pack);
    scheduleTileAccumulation(acc, acc.update(0), acc.args(), tile);
    if (pack) { // the panel's rows, tile width apart: every set of the caches in turn
      Halide::Func panel = Halide::Func(b).in(acc);
      panel.compute_at(out, Var("jo")).vectorize(panel.args()[0], vector, TailStrategy::RoundUp);
      panel.parallel(panel.args()[1], 64, TailStrategy::GuardWithIf);
      return false;
    }
    return transposesPanels(transposedB, tile, vector) && transposeInTasks();
  }
  Halide::Expr tiled = rows >= tile.rows;
  tileMatmulOutput(out.specialize(tiled), out.args(), tile, tilesPerTask(tile));
  scheduleTileAccumulation(acc.specialize(tiled), acc.update(0).specialize(tiled), acc.args(),
                           tile);
  tileMatmulOutput(out, out.args(), single, tilesPerTask(single));
  scheduleTileAccumulation(acc, acc.update(0), acc.args(), single);
  return transposesPanels(transposedB, tile, vector) &&
         transposesPanels(transposedB, single, vector) && transposeInTasks();
}

/// The accumulation's reduction cut into `blocks` (reductionBlocks) by
/// Halide's rfactor of `update` (the accumulation's update or its
/// specialization): the blocks' sums, stored (blocks x M x N floats), tiled
/// as an output one block after another, every tile of a block reading the
/// same rows of B; `update` then adds them up.
void tileReductionBlocks(Halide::Stage update, Halide::Func acc, int blocks,
                         const Halide::Expr &rows, int64_t m, int64_t n, int64_t k, int vector) {
  // A copy: the split and rfactor below rewrite the stage's reduction variables.
  const Halide::Internal::ReductionVariable outer = update.get_schedule().rvars().back();
  int64_t extent = constantValue(outer.extent);
  RVar block("k_block"), inBlock("k_in_block");
  update.split(RVar(outer.var), block, inBlock, int32_t(extent / blocks));
  Halide::Func partial = update.rfactor(block, Var("k_block_index"));
  Halide::Func sums = partial.in(acc); // pure: tiled like an output
  tileAccumulation(sums, partial, rows, m, n, k / blocks, vector);
}

} // namespace

/// out(j, i) = activation(acc(j, i)), acc(j, i) = sum_k A(i, k) B(k, j):
/// the output in register tiles (tileAccumulation), or, where B must be cut
/// into blocks of K to stay in L2, the blocks' sums (tileReductionBlocks),
/// which the output adds up with the bias tile by tile. Single rows (batch
/// 1) stream B once anyway: they are never cut.
void scheduleMatmulEpilogue(const LoweredTensor &t, int vector, std::set<std::string> &placed) {
  Halide::Func f = t.func, acc = t.stages.at(0).func;
  const LoweredTensor &product = t.stages[0];
  const LoweredTensor *transposedB = nullptr;
  for (const LoweredTensor &stage : product.stages)
    if (stage.kind == ScheduleKind::Transpose) transposedB = &stage;
  int64_t m = staticExtent(product, 0), n = staticExtent(product, 1);
  int64_t k = 1; // 0: dynamic
  for (const auto &r : acc.update(0).get_schedule().rvars()) k *= constantValue(r.extent);
  int blocks = m == 1 ? 0 : reductionBlocks(acc.update(0), k, n, vector);
  // B, unless A is the same Func (a copy of B's panel would then serve A too).
  Halide::Func b;
  if (product.operands.size() == 2 && product.operands[0].name() != product.operands[1].name())
    b = product.operands[1];
  if (!blocks) {
    if (tileAccumulation(f, acc, product.shape[0], m, n, k, vector, b, transposedB))
      placed.insert(transposedB->func.name());
    return;
  }

  // The sums' tile, which the output's tiles follow; its specialization to
  // at least a tile's rows when the row count is dynamic.
  MatmulTile tile = matmulTile(n, k / blocks, vector);
  if (m > 0 && m < tile.rows) tile.rows = int(m);
  auto merge = [&](auto &&out, auto &&pure, Halide::Stage update) {
    int tilesPerTask = iterationsPerTask(2.0 * tile.width() * tile.rows * blocks); // adds only
    tileMatmulOutput(out, f.args(), tile, tilesPerTask);
    pure.vectorize(acc.args()[0], vector, TailStrategy::GuardWithIf);
    tileReductionBlocks(update, acc, blocks, product.shape[0], m, n, k, vector);
    update.vectorize(acc.args()[0], vector, TailStrategy::GuardWithIf);
  };
  f.compute_root();
  acc.compute_at(f, Var("row_tiles"));
  if (m > 0) return merge(f, acc, acc.update(0));
  Halide::Expr tiled = product.shape[0] >= tile.rows;
  merge(f.specialize(tiled), acc.specialize(tiled), acc.update(0).specialize(tiled));
  MatmulTile single = rowTile(n, matmulTile(n, k, vector)); // as without blocks
  tileMatmulOutput(f, f.args(), single, iterationsPerTask(2.0 * single.width() * double(k)));
  scheduleTileAccumulation(acc, acc.update(0), acc.args(), single);
}

} // namespace nabla::halide
