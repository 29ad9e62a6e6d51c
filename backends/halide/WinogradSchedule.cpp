// The CPU schedule of a Winograd F(4x4, 3x3) conv (WinogradLowering.cpp),
// image by image so each image's transformed input and products stay in
// L2 (DeepConvNet's 16 -> 16 conv on 28 x 28: 113 KB each), every stage in
// vectors across channels:
//
//   1. the input with its zero border, channels innermost, and its
//      transform V, tile by tile: the rows' transforms, then the columns';
//   2. the products M = U V, in register tiles of (output channel vectors
//      x tiles), like the matmul's: per input channel, each tile loads its
//      filter vectors once and broadcasts V's value of each of its tiles
//      from memory into the FMAs;
//   3. the output transform, per vector of output channels and row of
//      tiles, then the output written along its rows in square blocks of
//      channels x columns, transposed through shuffles as the channel-lane
//      conv does (ConvSchedule.cpp).
//
// The filter transform is computed once per call, at root, in parallel.
#include "backends/halide/CpuScheduleParts.h"

namespace nabla::halide {

using Halide::RVar;
using Halide::TailStrategy;
using Halide::Var;
using Halide::VarOrRVar;

namespace {

/// Images per parallel task: their per-image buffers (bordered input,
/// transformed input, products) are allocated once per task, not once per
/// image; 2 balances 100 images over two threads better than 4 (13 tasks
/// against 12) and measured faster than both 1 and 4.
constexpr int kImagesPerTask = 2;

struct ProductTile {
  int channelVectors = 0, tiles = 0;
};

/// FMAs per load past which loads no longer limit a register tile: the
/// products of 32 -> 64 @14 took 1.24 ms in tiles of 4 x 4 (2 per load)
/// against 1.54 ms in tiles of 4 x 6 (2.4 per load, but 18 tiles computed
/// for 16; one thread, Halide's profiler).
constexpr double kEnoughFmasPerLoad = 2.0;

/// The register tile with the most FMAs per load (channelVectors filter
/// loads and `tiles` broadcasts per input channel, up to
/// kEnoughFmasPerLoad), counting the tiles that the last, shifted block
/// recomputes; ties go to more accumulators.
ProductTile productTile(int64_t tiles, int64_t channelVectors) {
  ProductTile best;
  double bestScore = 0;
  for (int cv = 1; cv <= channelVectors && cv <= kAccumulators; ++cv) {
    if (channelVectors % cv) continue;
    for (int tb = 1; cv * tb <= kAccumulators && tb <= tiles; ++tb) {
      double computed = double((tiles + tb - 1) / tb * tb);
      double perLoad = std::min(double(cv * tb) / double(cv + tb), kEnoughFmasPerLoad);
      double score = perLoad * (double(tiles) / computed);
      if (score > bestScore * 1.0001 ||
          (score > bestScore * 0.9999 && cv * tb > best.channelVectors * best.tiles)) {
        bestScore = score;
        best = {cv, tb};
      }
    }
  }
  return best;
}

/// Step 2: `stored` (o, t, b, a, n) tile by tile at its loop over tiles,
/// `products` accumulated inside each tile in a buffer of whole vectors
/// that LLVM keeps in registers.
void scheduleProducts(Halide::Func stored, Halide::Func products, int64_t tiles, int64_t outC,
                      int lanes) {
  ProductTile tile = productTile(tiles, outC / lanes);
  std::vector<Var> s = stored.args();
  Var ob("ob"), oi("oi"), ov("ov"), ol("ol"), to("to"), ti("ti");
  stored.bound(s[0], 0, int32_t(outC))
      .bound(s[1], 0, int32_t(tiles))
      .split(s[0], ob, oi, tile.channelVectors * lanes)
      .split(oi, ov, ol, lanes)
      .split(s[1], to, ti, tile.tiles, TailStrategy::ShiftInwards)
      .reorder(ol, ov, ti, to, ob, s[2], s[3], s[4])
      .vectorize(ol)
      .unroll(ov)
      .unroll(ti);

  std::vector<Var> p = products.args();
  Var pv("pv"), pl("pl");
  products.compute_at(stored, to)
      .split(p[0], pv, pl, lanes, TailStrategy::RoundUp)
      .vectorize(pl)
      .unroll(pv)
      .unroll(p[1]);
  Halide::Stage update = products.update(0);
  std::vector<VarOrRVar> order = {pl, pv, p[1]};
  for (const auto &rv : update.get_schedule().rvars()) order.push_back(RVar(rv.var));
  order.insert(order.end(), {p[2], p[3], p[4]});
  update.split(p[0], pv, pl, lanes, TailStrategy::RoundUp)
      .reorder(order)
      .vectorize(pl)
      .unroll(pv)
      .unroll(p[1]);
}

/// A transform pass f(channel, tile, x, y, n) (WinogradLowering.cpp): per
/// tile, vectors of `lanes` channels, the tile's x and y unrolled, so the
/// lowering's mux over them folds to one row of the transform.
void vectorizeTransformPass(Halide::Func f, int lanes) {
  std::vector<Var> a = f.args();
  Var co("co"), ci("ci");
  f.split(a[0], co, ci, lanes)
      .reorder(ci, a[2], a[3], co, a[1], a[4])
      .vectorize(ci)
      .unroll(a[2])
      .unroll(a[3]);
}

} // namespace

bool scheduleWinogradEpilogue(const LoweredTensor &t, int natural, std::set<std::string> &placed) {
  const LoweredTensor &conv = t.stages.at(0);
  const LoweredTensor &border = conv.stages.at(0), &filterRowsT = conv.stages.at(1),
                      &filterT = conv.stages.at(2), &inputRows = conv.stages.at(3),
                      &inputT = conv.stages.at(4), &products = conv.stages.at(5),
                      &stored = conv.stages.at(6), &outputColumns = conv.stages.at(7),
                      &outputTiles = conv.stages.at(8);
  int64_t outW = staticExtent(conv, 3), outH = staticExtent(conv, 2), outC = staticExtent(conv, 1);
  int64_t inC = staticExtent(inputT, 4), tiles = staticExtent(stored, 3);
  // Vectors of the target's width across channels (16 with AVX-512, 8 with
  // AVX2); the input's channels may come in vectors of 8.
  const int lanes = natural;
  if (lanes < int(kChannelLaneBlock) || outW < kChannelLaneBlock || !outH || !outC ||
      outC % lanes || !inC || inC % kChannelLaneBlock)
    return false;
  const int inLanes = inC % lanes == 0 ? lanes : int(kChannelLaneBlock);
  // The output is written in 8 x 8 blocks, which LLVM transposes in far
  // fewer shuffles than 16 x 16 ones (120 instead of 1,232 in the assembly
  // of DeepConvNet's 16 -> 16 conv).
  const int block = int(kChannelLaneBlock);
  const int tileSide = int(staticExtent(outputTiles, 1));

  // 3. The output: per image, for each vector of output channels, row of
  // tiles by row of tiles (so each channel's plane is written from top to
  // bottom: 5% faster for 32 -> 64 @14 on two threads than the channel
  // vectors inside the rows), the row's tiles assembled (channels
  // innermost), then written out along the rows in square blocks of
  // channels x columns, transposed through registers, the last block of a
  // row shifted inwards.
  Halide::Func out = t.func;
  std::vector<Var> a = out.args(); // (w, h, o, n)
  Var oo("oo"), ob("ob"), oi("oi"), wb("wb"), wi("wi"), ho("ho"), hi("hi");
  out.compute_root()
      .bound(a[0], 0, int32_t(outW))
      .bound(a[2], 0, int32_t(outC))
      .split(a[2], oo, oi, lanes)
      .split(oi, ob, oi, block)
      .split(a[0], wb, wi, block, TailStrategy::ShiftInwards)
      .split(a[1], ho, hi, tileSide, TailStrategy::GuardWithIf)
      .reorder(wi, oi, hi, wb, ob, ho, oo, a[3])
      .unroll(hi);
  // A task per kImagesPerTask images, which reuse one allocation of each
  // per-image buffer.
  Var chunk("chunk"), image("image");
  out.vectorize(wi)
      .unroll(oi)
      .split(a[3], chunk, image, kImagesPerTask, TailStrategy::GuardWithIf)
      .parallel(chunk);
  Halide::Func outBlock = Halide::Func(conv.func).in(out);
  std::vector<Var> sv = outBlock.args();
  outBlock.compute_at(out, wb)
      .reorder_storage(sv[2], sv[0], sv[1], sv[3])
      .vectorize(sv[2], block)
      .unroll(sv[0])
      .unroll(sv[1]);
  Halide::Func assembled = outputTiles.func; // (o, t, wi, hi, n)
  assembled.compute_at(out, ho);
  vectorizeTransformPass(assembled, lanes);
  Halide::Func columns = outputColumns.func; // (o, t, wi, a, n)
  columns.compute_at(assembled, assembled.args()[1]);
  vectorizeTransformPass(columns, lanes);

  // 1. The bordered input and its transform, per image, in vectors across
  // the input channels: per tile, the transform of its rows, then of their
  // columns.
  Halide::Func bordered = border.func;
  bordered.store_at(out, chunk).compute_at(out, image).vectorize(bordered.args()[0], inLanes);
  Halide::Func input = inputT.func; // (c, t, b, a, n)
  input.store_at(out, chunk).compute_at(out, image).bound(input.args()[1], 0, int32_t(tiles));
  vectorizeTransformPass(input, inLanes);
  Halide::Func rows = inputRows.func; // (c, t, b, i, n)
  rows.compute_at(input, input.args()[1]);
  vectorizeTransformPass(rows, inLanes);

  // 2. The products, per image.
  Halide::Func kept = stored.func;
  kept.store_at(out, chunk).compute_at(out, image);
  scheduleProducts(kept, products.func, tiles, outC, lanes);

  // The filter transform, once per call, a task per input channel (serial,
  // it was 4-7% of 32 -> 64 @14 on two threads): each pass reads what it
  // needs of its input once per vector of output channels.
  for (const LoweredTensor *pass : {&filterRowsT, &filterT}) {
    Halide::Func f = pass->func;
    std::vector<Var> u = f.args(); // (o, c, b, i) and (o, c, b, a)
    f.compute_root()
        .reorder(u[0], u[2], u[3], u[1])
        .parallel(u[1])
        .vectorize(u[0], lanes)
        .unroll(u[2])
        .unroll(u[3]);
  }
  for (const LoweredTensor &s : conv.stages) placed.insert(s.func.name());
  return true;
}

} // namespace nabla::halide
