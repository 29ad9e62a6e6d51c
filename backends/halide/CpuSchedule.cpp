#include "backends/halide/CpuSchedule.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace nabla::halide {

using Halide::RVar;
using Halide::TailStrategy;
using Halide::Var;
using Halide::VarOrRVar;

namespace {

/// The static extent of NCHW dim `d` of `t`, or 0.
int64_t staticExtent(const LoweredTensor &t, int d) {
  Halide::Expr simplified = Halide::Internal::simplify(t.shape.at(size_t(d)));
  const int64_t *extent = Halide::Internal::as_const_int(simplified);
  return extent ? *extent : 0;
}

/// Elements of `t` per index of its outermost dim (0 when not all static).
int64_t innerElements(const LoweredTensor &t) {
  int64_t n = 1;
  for (int d = 1; d < t.rank(); ++d) n *= staticExtent(t, d);
  return n;
}

/// Pure definition: root, vectorize dim 0, parallel over the outermost dim.
/// A parallel task gets at least ~8K elements: an im2col matrix of 4-wide
/// rows would otherwise spawn one task per row, and the thread pool's
/// per-task cost would dwarf the copy.
void schedulePure(Halide::Func f, int vector, int64_t inner = 0) {
  f.compute_root();
  std::vector<Var> args = f.args();
  if (args.empty()) return;
  f.vectorize(args[0], vector, TailStrategy::GuardWithIf);
  if (args.size() < 2) return;
  constexpr int64_t kTaskElements = 8192;
  int64_t rowsPerTask = inner > 0 ? std::max<int64_t>(1, kTaskElements / inner) : 1;
  if (rowsPerTask > 1) f.parallel(args.back(), int32_t(rowsPerTask), TailStrategy::GuardWithIf);
  else f.parallel(args.back());
}

/// Gather-style updates `f(vars) op= g(vars, r)`: the vector lanes run over
/// dim 0 with the reduction loops outside them, so each lane accumulates its
/// own output element; parallel over the outermost pure dim (no races: every
/// update writes only its own pure coordinates).
///
/// `registerTile` more pure dims (after dim 0, static extents) go inside the
/// reduction loops too, unrolled: their accumulators then stay in registers
/// and each value the reduction reads is reused across them.
void scheduleUpdates(Halide::Func f, int vector, bool parallel = true, int registerTile = 0,
                     const LoweredTensor *t = nullptr) {
  std::vector<Var> args = f.args();
  for (int d = 1; d <= registerTile; ++d)
    f.bound(args[size_t(d)], 0, int32_t(staticExtent(*t, t->rank() - 1 - d)));
  for (int u = 0; u < f.num_update_definitions(); ++u) {
    Halide::Stage s = f.update(u);
    std::vector<VarOrRVar> order;
    if (!args.empty()) {
      Var xo(args[0].name() + "_o"), xi(args[0].name() + "_i");
      s.split(args[0], xo, xi, vector, TailStrategy::GuardWithIf);
      order.push_back(xi);
      for (int d = 1; d <= registerTile; ++d) order.push_back(args[size_t(d)]);
      for (const auto &rv : s.get_schedule().rvars()) order.push_back(RVar(rv.var));
      order.push_back(xo);
      for (size_t i = size_t(registerTile) + 1; i < args.size(); ++i) order.push_back(args[i]);
      s.reorder(order);
      s.vectorize(xi);
      for (int d = 1; d <= registerTile; ++d) s.unroll(args[size_t(d)]);
      if (parallel && args.size() >= 2) s.parallel(args.back());
    }
  }
}

/// A matmul's register tile: `vectors` vectors of `vector` lanes along j
/// (the output's columns) by `rows` rows along i, one accumulator register
/// each. `exact`: the tile fits inside the output, so edge tiles can shift
/// inwards (recomputing a few outputs) and every tile has the same constant
/// size: no guard is left in the k loop.
struct MatmulTile {
  int vector, vectors = 2, rows = 12;
  bool exact = true;
  int width() const { return vector * vectors; }
};

/// 24 of the 32 AVX-512 registers accumulate: 2 vectors x 12 rows, 3 x 8 or
/// 4 x 6, whichever computes the fewest columns of the output (edge tiles
/// shift inwards and recompute), the narrowest on a tie so the panel of B a
/// tile sweeps stays small in L2 (SimpleConvNet's N = 100: 2 x 12 computes
/// 128 columns, 3 x 8 144). Each step of k then loads 2-4 vectors of B and
/// broadcasts 6-12 values of A for 24 FMAs. Outputs narrower than two
/// vectors get one (narrower, down to 4 lanes, if need be) by 12 rows.
MatmulTile matmulTile(int64_t n, int vector) {
  MatmulTile tile{vector};
  if (n == 0) { // dynamic: guarded edge tiles
    tile.exact = false;
    return tile;
  }
  while (tile.vector > 4 && n < tile.vector) tile.vector /= 2;
  if (n < 2 * tile.vector) {
    tile.vectors = 1;
  } else {
    int64_t best = 0;
    for (auto [vectors, rows] : {std::pair{2, 12}, {3, 8}, {4, 6}}) {
      int64_t width = int64_t(vectors) * tile.vector;
      if (n < width) break;
      int64_t computed = (n + width - 1) / width * width;
      if (best == 0 || computed < best) {
        best = computed;
        tile.vectors = vectors;
        tile.rows = rows;
      }
    }
  }
  tile.exact = n >= tile.width();
  return tile;
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

/// out(j, i) = activation(acc(j, i)), acc(j, i) = sum_k A(i, k) B(k, j).
/// The output is cut into register tiles; each tile's accumulation runs over
/// the whole k range in a tile-sized buffer of its own, which LLVM promotes
/// to registers: per step of k only A and B are loaded. Row tiles shift
/// inwards, so with a dynamic row count the tiled schedule is specialized to
/// outputs of at least a tile's rows, and smaller ones (batch 1) tile single rows.
void scheduleMatmulEpilogue(const LoweredTensor &t, int vector) {
  Halide::Func f = t.func, acc = t.stages.at(0).func;
  const LoweredTensor &product = t.stages[0];
  MatmulTile tile = matmulTile(staticExtent(product, 1), vector);
  int64_t m = staticExtent(product, 0), k = 0;
  if (const int64_t *extent = Halide::Internal::as_const_int(
          Halide::Internal::simplify(acc.update(0).get_schedule().rvars().at(0).extent)))
    k = *extent;
  auto rowTilesFor = [&](const MatmulTile &tt) { // ~1 MFLOP per parallel task
    double tileFlops = 2.0 * tt.width() * tt.rows * double(k > 0 ? k : 256);
    return int(std::clamp(std::ceil(1e6 / tileFlops), 1.0, 1024.0));
  };
  f.compute_root();
  MatmulTile single = tile;
  single.rows = 1;
  if (m > 0) {
    if (m < tile.rows) tile.rows = int(m);
    tileMatmulOutput(f, f.args(), tile, rowTilesFor(tile));
  } else {
    tileMatmulOutput(f.specialize(product.shape[0] >= tile.rows), f.args(), tile,
                     rowTilesFor(tile));
    tileMatmulOutput(f, f.args(), single, rowTilesFor(single));
  }

  std::vector<Var> accArgs = acc.args();
  acc.compute_at(f, Var("row_tiles"));
  Var ajv("ajv"), ajl("ajl");
  acc.split(accArgs[0], ajv, ajl, tile.vector, TailStrategy::GuardWithIf)
      .vectorize(ajl)
      .unroll(accArgs[1]);
  Halide::Stage update = acc.update(0);
  RVar r(update.get_schedule().rvars().at(0).var);
  update.split(accArgs[0], ajv, ajl, tile.vector, TailStrategy::GuardWithIf)
      .reorder(ajl, ajv, accArgs[1], r)
      .vectorize(ajl)
      .unroll(accArgs[1]);
  if (tile.exact) { // the tile's width is constant: its vectors unroll too
    acc.unroll(ajv);
    update.unroll(ajv);
  }
}

/// conv(ow, oh, o, n) += x * w: each task computes an output row for a
/// block of output channels, with rows of `vector` lanes along ow. The block
/// of (ow vectors) x (channels) accumulators stays in registers across all
/// KH*KW*C taps; each tap loads a row of the input once for every channel of
/// the block. Needs static OW and O (the loops are unrolled); otherwise falls
/// back to the generic reduction schedule. `parallel`: over (channel block, n).
void scheduleConvolution(const LoweredTensor &t, int vector, bool parallel) {
  Halide::Func f = t.func;
  int64_t outW = staticExtent(t, 3), outC = staticExtent(t, 1);
  std::vector<Var> args = f.args(); // (ow, oh, o, n)
  if (outW == 0 || outC == 0) {
    f.vectorize(args[0], vector, TailStrategy::GuardWithIf);
    scheduleUpdates(f, vector, parallel);
    return;
  }
  int64_t rowVectors = (outW + vector - 1) / vector;
  int64_t block = 1; // channels per register tile: <= 24 accumulators
  for (int64_t b = 8; b >= 1; --b)
    if (outC % b == 0 && b * rowVectors <= 24) {
      block = b;
      break;
    }
  // Constant loop extents let the tile loops unroll. (Computed inside an
  // epilogue, the consumer's bounded loops already make them constant.)
  if (parallel) f.bound(args[0], 0, int32_t(outW)).bound(args[2], 0, int32_t(outC));
  f.vectorize(args[0], vector, TailStrategy::GuardWithIf);
  Halide::Stage s = f.update(0);
  Var wo("wo"), wi("wi"), co("co"), ci("ci"), task("task");
  std::vector<VarOrRVar> order = {wi, wo, ci};
  for (const auto &rv : s.get_schedule().rvars()) order.push_back(RVar(rv.var));
  order.insert(order.end(), {args[1], co, args[3]});
  s.split(args[0], wo, wi, vector, TailStrategy::GuardWithIf)
      .split(args[2], co, ci, int32_t(block), TailStrategy::RoundUp) // block divides outC
      .reorder(order)
      .vectorize(wi)
      .unroll(wo)
      .unroll(ci);
  if (parallel) s.fuse(co, args[3], task).parallel(task);
}

/// An activation over one accumulation (fused_conv2d, fused_matmul): the
/// accumulation is computed per parallel task inside the activation's loops,
/// so only a cache-sized tile of the pre-activation tensor ever exists.
void scheduleEpilogue(const LoweredTensor &t, int vector) {
  if (t.stages.at(0).kind == ScheduleKind::Matmul) return scheduleMatmulEpilogue(t, vector);
  Halide::Func f = t.func, acc = t.stages.at(0).func;
  f.compute_root();
  std::vector<Var> args = f.args();
  f.vectorize(args[0], vector, TailStrategy::GuardWithIf);
  Var task("task");
  if (t.stages[0].kind == ScheduleKind::Convolution) {
    // One register tile's worth of rows and channels per call of the
    // accumulation: (w, h, c, n) as in scheduleConvolution, bounded the same.
    const LoweredTensor &conv = t.stages[0];
    int64_t outW = staticExtent(conv, 3), outC = staticExtent(conv, 1);
    if (outW && outC) {
      f.bound(args[0], 0, int32_t(outW)).bound(args[2], 0, int32_t(outC));
      int64_t rowVectors = (outW + vector - 1) / vector, block = 1;
      for (int64_t b = 8; b >= 1; --b)
        if (outC % b == 0 && b * rowVectors <= 24) {
          block = b;
          break;
        }
      Var co("co"), ci("ci");
      f.split(args[2], co, ci, int32_t(block), TailStrategy::RoundUp) // block divides outC
          .reorder(args[0], ci, args[1], co, args.back())
          .fuse(co, args.back(), task)
          .parallel(task);
      acc.compute_at(f, args[1]);
      scheduleConvolution(conv, vector, false);
      return;
    }
  }
  if (args.size() >= 3) {
    // (w, h, c, n): one output plane per task.
    f.fuse(args[args.size() - 2], args.back(), task);
  } else {
    task = args.back();
  }
  f.parallel(task);
  acc.compute_at(f, task);
  acc.vectorize(acc.args()[0], vector, TailStrategy::GuardWithIf);
  scheduleUpdates(acc, vector, false);
}

void schedule(const LoweredTensor &t, const Halide::Target &target, std::set<std::string> &done);

void scheduleWithWidth(const LoweredTensor &t, int vector, const Halide::Target &target,
                       std::set<std::string> &done) {
  if (!done.insert(t.func.name()).second) return;
  if (t.kind == ScheduleKind::Epilogue) {
    // Its stage is scheduled here, inside it; the stage's own inputs at root.
    done.insert(t.stages.at(0).func.name());
    for (const LoweredTensor &input : t.stages[0].stages) schedule(input, target, done);
    scheduleEpilogue(t, vector);
    return;
  }
  for (const LoweredTensor &stage : t.stages) schedule(stage, target, done);
  switch (t.kind) {
  case ScheduleKind::Input:
    return;
  case ScheduleKind::Pointwise:
    schedulePure(t.func, vector, innerElements(t));
    return;
  case ScheduleKind::Reduction:
    schedulePure(t.func, vector, innerElements(t));
    scheduleUpdates(t.func, vector, true, t.registerTile, &t);
    return;
  case ScheduleKind::Matmul:
    // multiply() always wraps its accumulation in an Epilogue; a bare one
    // still gets a correct, generic schedule.
    schedulePure(t.func, vector);
    scheduleUpdates(t.func, vector);
    return;
  case ScheduleKind::Convolution:
    Halide::Func(t.func).compute_root();
    scheduleConvolution(t, vector, true);
    return;
  case ScheduleKind::Epilogue:
    return; // handled above
  }
}

/// The natural vector width, or a narrower power of two (at least 4) that
/// divides the innermost extent when it is static and the natural width does
/// not: a 24-wide conv row then runs as three full 8-lane vectors instead of
/// one 16-lane vector and a scalar tail. Matmuls keep the natural width: their
/// tiles cover the tail once per row of tiles.
int vectorWidth(const LoweredTensor &t, int natural) {
  bool matmul = t.kind == ScheduleKind::Matmul ||
                (t.kind == ScheduleKind::Epilogue && t.stages.at(0).kind == ScheduleKind::Matmul);
  if (matmul || t.shape.empty()) return natural;
  int64_t extent = staticExtent(t, t.rank() - 1);
  if (extent == 0) return natural;
  for (int width = natural; width >= 4; width /= 2)
    if (extent % width == 0) return width;
  return natural;
}

void schedule(const LoweredTensor &t, const Halide::Target &target, std::set<std::string> &done) {
  int natural = std::max(target.natural_vector_size(t.type()), 1);
  scheduleWithWidth(t, vectorWidth(t, natural), target, done);
}

/// The listed tensors that `f` reads, looking through the unlisted helper
/// Funcs that lowerings inline (such as the zero-padding of a conv input).
std::set<std::string> tensorsRead(const Halide::Internal::Function &f,
                                  const std::map<std::string, const LoweredTensor *> &listed) {
  std::set<std::string> read;
  for (const auto &[name, callee] : Halide::Internal::find_direct_calls(f)) {
    if (name == f.name()) continue;
    if (listed.count(name)) {
      read.insert(name);
    } else {
      std::set<std::string> through = tensorsRead(callee, listed);
      read.insert(through.begin(), through.end());
    }
  }
  return read;
}

/// Elementwise fusion: the tensors --nabla-fuse-elementwise marked, when
/// their lowering agrees: a Pointwise Func read by exactly one other Func,
/// itself Pointwise (or an Epilogue) over the same shape, so each element is
/// read once. Left unscheduled, Halide inlines them into their consumer: a
/// chain like the Adam update becomes one loop, with no intermediate tensor
/// written or read back.
std::set<std::string> inlinableTensors(const std::vector<LoweredTensor> &tensors,
                                       const std::vector<Halide::Func> &outputs) {
  std::map<std::string, const LoweredTensor *> byName;
  for (const LoweredTensor &t : tensors) byName[t.func.name()] = &t;
  std::map<std::string, std::vector<const LoweredTensor *>> consumers;
  std::set<std::string> unknownConsumer; // read by a listed tensor's stage
  for (const LoweredTensor &t : tensors) {
    for (const std::string &name : tensorsRead(t.func.function(), byName))
      if (name != t.func.name()) consumers[name].push_back(&t);
    for (const LoweredTensor &stage : t.stages)
      for (const std::string &name : tensorsRead(stage.func.function(), byName))
        unknownConsumer.insert(name);
  }
  std::set<std::string> inlinable;
  for (const LoweredTensor &t : tensors) {
    const std::string &name = t.func.name();
    auto it = consumers.find(name);
    if (!t.inlineIntoConsumer || t.kind != ScheduleKind::Pointwise || it == consumers.end() ||
        it->second.size() != 1 ||
        unknownConsumer.count(name))
      continue;
    const LoweredTensor &consumer = *it->second[0];
    bool elementwise = consumer.kind == ScheduleKind::Pointwise ||
                       consumer.kind == ScheduleKind::Epilogue;
    bool sameShape = consumer.rank() == t.rank();
    for (int d = 0; sameShape && d < t.rank(); ++d)
      sameShape = Halide::Internal::equal(consumer.shape[d], t.shape[d]);
    bool output = false;
    for (const Halide::Func &f : outputs) output |= f.name() == name;
    if (elementwise && sameShape && !output) inlinable.insert(name);
  }
  return inlinable;
}

} // namespace

void scheduleForCpu(const std::vector<LoweredTensor> &tensors,
                    const std::vector<Halide::Func> &outputs, const Halide::Target &target) {
  // Inlined tensors count as scheduled: schedule() skips them.
  std::set<std::string> done = inlinableTensors(tensors, outputs);
  for (const LoweredTensor &t : tensors) schedule(t, target, done);
}

} // namespace nabla::halide
