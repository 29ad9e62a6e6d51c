// The register-tiled CPU schedule of conv2d and fused_conv2d (NCHW, direct).
//
// A tile is `rows` output rows x `vectors` vectors along the row x
// `channels` output channels, one accumulator register each. For every tap
// (input channel, kh, kw) it loads rows x vectors input vectors and
// broadcasts `channels` weights for rows x vectors x channels FMAs, the same
// structure as the matmul's tiles. Rows are covered by whole vectors: the
// lanes past the row's end compute values that are never stored, reading
// the zero border of the stored, padded input (see convolve()).
//
// A conv of multiples of 16 output channels on rows of 8 to 28 outputs whose
// lowering reads a channel-innermost copy of the filter (channelLanes) runs
// its vectors across output channels instead (scheduleChannelLanes).
//
// A conv that a tiling max pool reads once (--nabla-fuse-conv-pool) gets the
// same tiles inside the pool's loops instead: each tile covers whole windows,
// and the pool's maximum reads the accumulators before they leave registers.
#include "backends/halide/CpuScheduleParts.h"

#include <numeric>
#include <optional>

namespace nabla::halide {

using Halide::RVar;
using Halide::TailStrategy;
using Halide::Var;
using Halide::VarOrRVar;

namespace {

struct ConvTile {
  int vector = 0, vectors = 0, rows = 0, channels = 0;
};

/// Wider rows than this many vectors fall back to the generic schedule.
constexpr int kMaxRowVectors = 6;

/// The tile with the most FMAs per load, counting the rows a ShiftInwards
/// edge recomputes; ties go to more accumulators. The vector width is the
/// natural one unless half of it covers the row in as few vectors (fewer
/// wasted lanes for the same instructions). Tiles cover a multiple of
/// `rowMultiple` rows (a pool's window height: whole windows per tile).
std::optional<ConvTile> convTile(int64_t outW, int64_t outH, int64_t outC, int natural,
                                 int rowMultiple = 1) {
  if (outW == 0 || outH == 0 || outC == 0) return std::nullopt;
  ConvTile best;
  best.vector = natural;
  while (best.vector > 4 && (outW + best.vector / 2 - 1) / (best.vector / 2) ==
                                (outW + best.vector - 1) / best.vector)
    best.vector /= 2;
  best.vectors = int((outW + best.vector - 1) / best.vector);
  if (best.vectors > kMaxRowVectors) return std::nullopt;
  double bestScore = 0;
  for (int rows = rowMultiple; rows <= std::min<int64_t>(outH, 4); rows += rowMultiple)
    for (int channels = 1; channels <= outC && channels <= kAccumulators; ++channels) {
      int accumulators = rows * best.vectors * channels;
      if (outC % channels || accumulators > kAccumulators) continue;
      double computedRows = double((outH + rows - 1) / rows * rows);
      double score = accumulators / double(rows * best.vectors + channels) *
                     (double(outH) / computedRows);
      if (score > bestScore * 1.0001 ||
          (score > bestScore * 0.9999 && accumulators > best.rows * best.vectors * best.channels)) {
        bestScore = score;
        best.rows = rows;
        best.channels = channels;
      }
    }
  if (!best.rows) return std::nullopt;
  return best;
}

/// The tile of a flat convolution (LoweredTensor::flatAccumulation): rows
/// x outW outputs in whole vectors x output channels, the fewest rows that
/// fill whole vectors and cover whole windows of `rowMultiple`; the most
/// accumulators (at most 24) for those rows.
std::optional<ConvTile> flatConvTile(const LoweredTensor &conv, int64_t outW, int64_t outH,
                                     int64_t outC, int natural, int rowMultiple) {
  ConvTile best;
  best.vector = natural;
  best.rows = std::lcm(conv.flatTileRows, rowMultiple);
  // Edge tiles shift inwards: a tile must fit in the plane.
  if (best.rows > outH || best.rows * outW % natural) return std::nullopt;
  best.vectors = int(best.rows * outW / natural);
  for (int channels = 1; channels <= outC && channels * best.vectors <= kAccumulators; ++channels)
    if (outC % channels == 0) best.channels = channels;
  if (!best.channels) return std::nullopt;
  return best;
}

/// The register tile for `conv`'s accumulation over rows x outW outputs
/// per plane (see convTile and flatConvTile).
std::optional<ConvTile> tileFor(const LoweredTensor &conv, int64_t outW, int64_t outH,
                                int64_t outC, int natural, int rowMultiple = 1) {
  if (outW == 0 || outH == 0 || outC == 0) return std::nullopt;
  if (conv.flatAccumulation.defined())
    return flatConvTile(conv, outW, outH, outC, natural, rowMultiple);
  return convTile(outW, outH, outC, natural, rowMultiple);
}

/// The accumulation of one tile of `conv`, computed at `loop` of `consumer`
/// in a buffer of whole vectors (RoundUp) that LLVM keeps in registers
/// across all the taps. Its pure dims inside the image: (w, h, c), or (p, c)
/// for a flat accumulation.
void scheduleTileAccumulation(const LoweredTensor &conv, Halide::Func consumer, Var loop,
                              const ConvTile &tile) {
  Halide::Func acc = conv.flatAccumulation.defined() ? conv.flatAccumulation : conv.func;
  acc.compute_at(consumer, loop);
  std::vector<Var> a = acc.args();
  std::vector<Var> tiled(a.begin() + 1, a.end() - 1); // unrolled: rows (not flat), channels
  Var av("av"), al("al");
  acc.split(a[0], av, al, tile.vector, TailStrategy::RoundUp).vectorize(al).unroll(av);
  for (const Var &d : tiled) acc.unroll(d);
  Halide::Stage update = acc.update(0);
  std::vector<VarOrRVar> order = {al, av};
  order.insert(order.end(), tiled.begin(), tiled.end());
  for (const auto &rv : update.get_schedule().rvars()) order.push_back(RVar(rv.var));
  order.push_back(a.back());
  update.split(a[0], av, al, tile.vector, TailStrategy::RoundUp)
      .reorder(order)
      .vectorize(al)
      .unroll(av);
  for (const Var &d : tiled) update.unroll(d);
}

/// The FLOPs of `conv` over one outW x outH plane of one output channel:
/// two per tap (the extents of its accumulation's reduction) per output.
double flopsPerPlane(const LoweredTensor &conv, int64_t outW, int64_t outH) {
  Halide::Func acc = conv.flatAccumulation.defined() ? conv.flatAccumulation : conv.func;
  double taps = 1;
  for (const auto &rv : acc.update(0).get_schedule().rvars()) {
    int64_t extent = constantValue(rv.extent);
    taps *= double(extent > 0 ? extent : 1);
  }
  return 2.0 * taps * double(outW) * double(outH);
}

/// Images per batch from which a conv's bordered input is computed image
/// by image: a task per image then still leaves every thread several.
constexpr int64_t kImagesForTaskPerImage = 8;

/// A task per image (loop `n` of `f`) from kImagesForTaskPerImage images on
/// (specialized when the batch, `images`, is dynamic); below that the images
/// in turn, their blocks of channels (loop `channelBlocks`) in parallel.
void parallelOverImages(Halide::Func f, const Var &n, const Var &channelBlocks,
                        const Halide::Expr &images) {
  int64_t batch = constantValue(images);
  if (batch >= kImagesForTaskPerImage) {
    f.parallel(n);
    return;
  }
  if (batch == 0) f.specialize(images >= int32_t(kImagesForTaskPerImage)).parallel(n);
  f.parallel(channelBlocks);
}

/// Schedules a tiled conv output `f` (w, h, c, n) (the conv's epilogue, or
/// the pool computed over it): a task per (block of tile.channels channels,
/// image); inside it one tile of `rows` rows at a time, shifted inwards at
/// the bottom edge so every tile has the same constant size; rows of `width`
/// in vectors of `vector`, as one vector when narrower, else with `edge`
/// vectors at the row's end. Returns the loop over tiles, where the tile's
/// accumulation is computed. A parallel task takes `perTask` consecutive
/// (channel block, image) pairs; with `imageLoop`, the loop over images
/// stays (a bordered input is computed there): a task per image from
/// kImagesForTaskPerImage images on (specialized when the batch, `images`,
/// is dynamic), below that the images in turn, their channel blocks in
/// parallel.
Var tileOutput(Halide::Func f, int64_t width, int64_t outC, int rows, const ConvTile &tile,
               int vector, TailStrategy edge, bool unrollTile, int perTask, bool imageLoop,
               const Halide::Expr &images) {
  std::vector<Var> args = f.args();
  Var ho("ho"), hi("hi"), co("co"), ci("ci"), task("task");
  f.compute_root()
      .bound(args[0], 0, int32_t(width))
      .bound(args[2], 0, int32_t(outC))
      .split(args[1], ho, hi, rows, TailStrategy::ShiftInwards)
      .split(args[2], co, ci, tile.channels, TailStrategy::RoundUp) // channels divides outC
      .reorder(args[0], hi, ci, ho, co, args[3]);
  if (width <= vector) {
    f.vectorize(args[0]);
  } else {
    Var xv("wv"), xl("wl");
    f.split(args[0], xv, xl, vector, edge).vectorize(xl);
  }
  if (unrollTile) f.unroll(hi).unroll(ci);
  if (imageLoop) {
    parallelOverImages(f, args[3], co, images);
    return ho;
  }
  f.fuse(co, args[3], task);
  if (perTask > 1) f.parallel(task, perTask, TailStrategy::GuardWithIf);
  else f.parallel(task);
  return ho;
}

/// A conv's input with its zero border, computed image by image at the
/// loop over images of its output `f` (see tileOutput): it stays in L2
/// (DeepConvNet's 16 x 30 x 30: 58 KB) between its copy and the taps that
/// read it, instead of a batch's worth (5.8 MB) going through memory, which
/// two threads share.
void placeBorderedInput(const LoweredTensor &conv, Halide::Func f, int natural,
                        std::set<std::string> &placed) {
  Halide::Func padded = conv.stages.at(0).func;
  padded.compute_at(f, f.args()[3])
      .vectorize(padded.args()[0], std::min(natural, 8), TailStrategy::GuardWithIf);
  placed.insert(padded.name());
}

/// A conv whose vectors run across output channels (channelLanes): a tile
/// is kConvChannelLanes channels x whole rows of at most kChannelLanePixels
/// pixels, one accumulator register per pixel. Each tap loads the tile's
/// weights once and adds them times each pixel's input, broadcast from
/// memory by the FMA itself: a load per FMA, where row tiles (pixels in
/// vectors, channels broadcast) load an input vector per few FMAs and waste
/// the lanes past a 28-wide row's end. NCHW wants vectors along the row, so
/// the output is written in square blocks: each block of accumulators is
/// staged channel-innermost in a block-sized buffer and read back along the
/// row, which LLVM turns into shuffles (the transposed copies of
/// TransposeSchedule.cpp). False, scheduling nothing, unless the vectors
/// are kConvChannelLanes wide and the input has its stored border.
bool scheduleChannelLanes(const LoweredTensor &t, int natural, std::set<std::string> &placed) {
  const LoweredTensor &conv = t.stages.at(0);
  int64_t outW = staticExtent(conv, 3), outH = staticExtent(conv, 2), outC = staticExtent(conv, 1);
  int rows = outW ? int(kChannelLanePixels / outW) : 0;
  if (!conv.channelLanes || natural != kConvChannelLanes || !conv.borderedInput || !rows ||
      outH < rows)
    return false;
  const int lanes = int(kConvChannelLanes), block = int(kChannelLaneBlock);
  Halide::Func out = t.func, acc = conv.func;
  std::vector<Var> a = out.args(); // (w, h, c, n)
  Var ho("ho"), hi("hi"), cb("cb"), ci("ci"), wb("wb"), wi("wi"), cbb("cbb"), cbi("cbi");
  out.compute_root()
      .bound(a[0], 0, int32_t(outW))
      .bound(a[2], 0, int32_t(outC))
      .split(a[2], cb, ci, lanes) // lanes divides outC
      .split(a[1], ho, hi, rows, TailStrategy::ShiftInwards)
      .split(a[0], wb, wi, block, TailStrategy::ShiftInwards)
      .split(ci, cbb, cbi, block)
      .reorder(wi, cbi, wb, cbb, hi, ho, cb, a[3])
      .vectorize(wi)
      .unroll(cbi);
  parallelOverImages(out, a[3], cb, conv.shape[0]);

  // The tile: channels innermost in its buffer (registers), pixels unrolled.
  std::vector<Var> c = acc.args(); // (w, h, o, n)
  acc.compute_at(out, ho).reorder_storage(c[2], c[0], c[1], c[3]);
  acc.vectorize(c[2], lanes).unroll(c[0]).unroll(c[1]);
  Halide::Stage update = acc.update(0);
  std::vector<VarOrRVar> order = {c[2], c[0], c[1]};
  for (const auto &rv : update.get_schedule().rvars()) order.push_back(RVar(rv.var));
  order.push_back(c[3]);
  update.reorder(order).vectorize(c[2], lanes).unroll(c[0]).unroll(c[1]);

  // Each output block's accumulators, staged channel-innermost.
  Halide::Func staged = acc.in(out);
  std::vector<Var> sv = staged.args();
  staged.compute_at(out, wb)
      .reorder_storage(sv[2], sv[0], sv[1], sv[3])
      .vectorize(sv[2], block)
      .unroll(sv[0]);
  placeBorderedInput(conv, out, natural, placed);
  return true;
}

} // namespace

bool scheduleConvEpilogue(const LoweredTensor &t, int natural, std::set<std::string> &placed) {
  const LoweredTensor &conv = t.stages.at(0);
  if (scheduleChannelLanes(t, natural, placed)) return true;
  int64_t outW = staticExtent(conv, 3), outH = staticExtent(conv, 2), outC = staticExtent(conv, 1);
  std::optional<ConvTile> tile = tileFor(conv, outW, outH, outC, natural);
  if (!tile) return false;

  // Lanes past the row's end are guarded, unless a flat accumulation
  // computed whole rows: then edge vectors shift inwards (recomputing a few
  // outputs of a pure epilogue).
  TailStrategy edge = conv.flatAccumulation.defined() ? TailStrategy::ShiftInwards
                                                      : TailStrategy::GuardWithIf;
  int perTask = iterationsPerTask(tile->channels * flopsPerPlane(conv, outW, outH));
  Var tiles = tileOutput(t.func, outW, outC, tile->rows, *tile, tile->vector, edge, false,
                         perTask, conv.borderedInput, conv.shape[0]);
  scheduleTileAccumulation(conv, t.func, tiles, *tile);
  if (conv.borderedInput) placeBorderedInput(conv, t.func, natural, placed);
  return true;
}

bool scheduleConvPool(const LoweredTensor &pool, const LoweredTensor &epilogue, int natural,
                      std::set<std::string> &placed) {
  const LoweredTensor &conv = epilogue.stages.at(0);
  int64_t poolW = staticExtent(pool, 3), poolH = staticExtent(pool, 2),
          outC = staticExtent(conv, 1);
  int kh = int(pool.tilingWindow[0]), kw = int(pool.tilingWindow[1]);
  if (!kh || !kw || !poolW || !poolH || !staticExtent(conv, 3)) return false;
  // Only the rows and columns that whole windows cover are computed.
  std::optional<ConvTile> tile = tileFor(conv, poolW * kw, poolH * kh, outC, natural, kh);
  if (!tile) return false;

  // The pool's loops are the conv's own tiles of whole windows: each tile of
  // pooled rows reads the accumulators while they are still in registers.
  // The conv's activation is inlined into the pool's maximum.
  int perTask = iterationsPerTask(tile->channels * flopsPerPlane(conv, poolW * kw, poolH * kh));
  Var tiles = tileOutput(pool.func, poolW, outC, tile->rows / kh, *tile, natural,
                         TailStrategy::ShiftInwards, true, perTask, conv.borderedInput,
                         conv.shape[0]);
  scheduleTileAccumulation(conv, pool.func, tiles, *tile);
  if (conv.borderedInput) placeBorderedInput(conv, pool.func, natural, placed);
  return true;
}

} // namespace nabla::halide
