// The CPU schedule of a Winograd F(2x2, 3x3) conv (WinogradLowering.cpp),
// image by image so each image's transformed input and products stay in
// L2 (DeepConvNet's 16 -> 16 conv on 28 x 28: 200 KB each):
//
//   1. the input with its zero border, and its transform V, vectorized
//      along a row of tiles;
//   2. the products M = U V, in register tiles of (output channel vectors
//      x tiles), like the matmul's: per input channel, each tile loads its
//      filter vectors once and broadcasts V's value of each of its tiles
//      from memory into the FMAs;
//   3. the output transform, vectorized across output channels (M's
//      innermost dim), in square blocks of channels x columns that are
//      written out along the row through shuffles, as the channel-lane conv
//      does (ConvSchedule.cpp).
//
// The filter transform is computed once per call, at root.
#include "backends/halide/CpuScheduleParts.h"

namespace nabla::halide {

using Halide::RVar;
using Halide::TailStrategy;
using Halide::Var;
using Halide::VarOrRVar;

namespace {

/// Images per parallel task: their per-image buffers (transformed input,
/// products: 200 KB each for DeepConvNet's 16 -> 16 conv) are allocated once
/// per task, not once per image (a training step runs six such convs).
constexpr int kImagesPerTask = 4;

struct ProductTile {
  int channelVectors = 0, tiles = 0;
};

/// The register tile with the most FMAs per load (channelVectors filter
/// loads and `tiles` broadcasts per input channel), counting the tiles that
/// the last, shifted block recomputes; ties go to more accumulators.
ProductTile productTile(int64_t tiles, int64_t channelVectors) {
  ProductTile best;
  double bestScore = 0;
  for (int cv = 1; cv <= channelVectors && cv <= kAccumulators; ++cv) {
    if (channelVectors % cv) continue;
    for (int tb = 1; cv * tb <= kAccumulators && tb <= tiles; ++tb) {
      double computed = double((tiles + tb - 1) / tb * tb);
      double score = double(cv * tb) / double(cv + tb) * (double(tiles) / computed);
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

} // namespace

bool scheduleWinogradEpilogue(const LoweredTensor &t, int natural, std::set<std::string> &placed) {
  const LoweredTensor &conv = t.stages.at(0);
  int64_t outW = staticExtent(conv, 3), outH = staticExtent(conv, 2), outC = staticExtent(conv, 1);
  // Vectors of the target's width across output channels (16 with AVX-512,
  // 8 with AVX2).
  const int lanes = natural;
  if (lanes < int(kChannelLaneBlock) || outW < kChannelLaneBlock || !outH || !outC ||
      outC % lanes)
    return false;
  // Output blocks of a whole vector of channels where rows are that wide.
  const int block = outW >= lanes ? lanes : int(kChannelLaneBlock);
  const LoweredTensor &padded = conv.stages.at(0), &filterT = conv.stages.at(1),
                      &inputT = conv.stages.at(2), &products = conv.stages.at(3),
                      &stored = conv.stages.at(4);
  int64_t tiles = staticExtent(stored, 3), tilesW = (outW + 1) / 2;

  // 3. The output: per image, for each pair of rows (a row of tiles),
  // square blocks of channels x columns of both rows, the last block of a
  // row shifted inwards. A block's tiles read each product once for both
  // rows and both columns of the tile.
  Halide::Func out = t.func;
  std::vector<Var> a = out.args(); // (w, h, o, n)
  Var ob("ob"), oi("oi"), wb("wb"), wi("wi"), ho("ho"), hi("hi");
  out.compute_root()
      .bound(a[0], 0, int32_t(outW))
      .bound(a[2], 0, int32_t(outC))
      .split(a[2], ob, oi, block)
      .split(a[0], wb, wi, block, TailStrategy::ShiftInwards);
  if (outH % 2 == 0) {
    out.split(a[1], ho, hi, 2).reorder(wi, oi, hi, wb, ob, ho, a[3]).unroll(hi);
  } else {
    out.reorder(wi, oi, wb, ob, a[1], a[3]);
  }
  // A task per kImagesPerTask images, which reuse one allocation of each
  // per-image buffer.
  Var chunk("chunk"), image("image");
  out.vectorize(wi)
      .unroll(oi)
      .split(a[3], chunk, image, kImagesPerTask, TailStrategy::GuardWithIf)
      .parallel(chunk);
  Halide::Func staged = Halide::Func(conv.func).in(out);
  std::vector<Var> sv = staged.args();
  staged.compute_at(out, wb)
      .reorder_storage(sv[2], sv[0], sv[1], sv[3])
      .vectorize(sv[2], block)
      .unroll(sv[0])
      .unroll(sv[1]);

  // 1. The bordered input and its transform, per image: the transform's
  // vectors run along a row of tiles, so its loop over tiles is split at
  // the rows' ends and the tile's row and column fold.
  Halide::Func border = padded.func;
  std::vector<Var> bv = border.args();
  border.store_at(out, chunk)
      .compute_at(out, image)
      .vectorize(bv[0], lanes, TailStrategy::ShiftInwards);
  const auto &copy = border.update(0).get_schedule().rvars(); // (lane, vector, h)
  // Halide cannot prove that the lanes of a shifted index write distinct
  // elements; they do, and a shifted vector rewrites the values it overlaps.
  border.update(0).allow_race_conditions().vectorize(RVar(copy[0].var));
  Halide::Func input = inputT.func;
  std::vector<Var> v = input.args(); // (t, c, b, a, n)
  Var th("th"), tw("tw");
  input.store_at(out, chunk)
      .compute_at(out, image)
      .bound(v[0], 0, int32_t(tiles))
      .split(v[0], th, tw, int32_t(tilesW))
      .reorder(tw, v[2], v[3], th, v[1], v[4])
      .vectorize(tw)
      .unroll(v[2])
      .unroll(v[3]);

  // 2. The products, per image.
  Halide::Func kept = stored.func;
  kept.store_at(out, chunk).compute_at(out, image);
  scheduleProducts(kept, products.func, tiles, outC, lanes);

  Halide::Func filter = filterT.func;
  std::vector<Var> u = filter.args(); // (o, c, b, a)
  filter.compute_root()
      .reorder(u[0], u[2], u[3], u[1])
      .vectorize(u[0], lanes)
      .unroll(u[2])
      .unroll(u[3]);
  for (const LoweredTensor *s : {&padded, &filterT, &inputT, &products, &stored})
    placed.insert(s->func.name());
  return true;
}

} // namespace nabla::halide
