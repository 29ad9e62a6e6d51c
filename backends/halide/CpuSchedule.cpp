#include "backends/halide/CpuSchedule.h"

#include "backends/halide/CpuScheduleParts.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace nabla::halide {

using Halide::RVar;
using Halide::TailStrategy;
using Halide::Var;
using Halide::VarOrRVar;

int64_t staticExtent(const LoweredTensor &t, int d) { return constantValue(t.shape.at(size_t(d))); }

int iterationsPerTask(double flops) {
  if (!(flops > 0)) return 1;
  return int(std::clamp(std::ceil(kTaskFlops / flops), 1.0, double(1 << 20)));
}

// A parallel task gets at least ~8K elements: an im2col matrix of 4-wide rows
// would otherwise spawn one task per row, and the thread pool's per-task cost
// would dwarf the copy.
void schedulePure(Halide::Func f, int vector, int64_t inner) {
  f.compute_root();
  std::vector<Var> args = f.args();
  if (args.empty()) return;
  f.vectorize(args[0], vector, TailStrategy::GuardWithIf);
  if (args.size() < 2) return;
  int rows = rowsPerTask(inner);
  if (rows > 1) f.parallel(args.back(), rows, TailStrategy::GuardWithIf);
  else f.parallel(args.back());
}

int rowsPerTask(int64_t inner) {
  constexpr int64_t kTaskElements = 8192;
  return inner > 0 ? int(std::max<int64_t>(1, kTaskElements / inner)) : 1;
}

// No races in parallel: every update writes only its own pure coordinates.
void scheduleUpdates(Halide::Func f, int vector, bool parallel, int registerTile,
                     const LoweredTensor *t) {
  std::vector<Var> args = f.args();
  // A register tile is computed whole, its vector dim too: a consumer
  // reading fewer lanes (a 5-tap filter row from 8 lanes) must not narrow it.
  for (int d = 0; registerTile > 0 && d <= registerTile; ++d)
    f.bound(args[size_t(d)], 0, int32_t(staticExtent(*t, t->rank() - 1 - d)));
  for (int u = 0; u < f.num_update_definitions(); ++u) {
    Halide::Stage s = f.update(u);
    std::vector<VarOrRVar> order;
    if (!args.empty()) {
      Var xo(args[0].name() + "_o"), xi(args[0].name() + "_i");
      s.split(args[0], xo, xi, vector, TailStrategy::GuardWithIf);
      order.push_back(xi);
      for (int d = 1; d <= registerTile; ++d) order.push_back(args[size_t(d)]);
      std::vector<Halide::Internal::ReductionVariable> rvars = s.get_schedule().rvars();
      size_t inside = t && !rvars.empty() ? size_t(t->pureDimsInsideReduction) : 0;
      for (size_t i = 0; i + 1 < rvars.size(); ++i) order.push_back(RVar(rvars[i].var));
      size_t firstOuter = size_t(registerTile) + 1;
      for (size_t i = firstOuter; i < firstOuter + inside; ++i) order.push_back(args[i]);
      if (!rvars.empty()) order.push_back(RVar(rvars.back().var));
      order.push_back(xo);
      for (size_t i = firstOuter + inside; i < args.size(); ++i) order.push_back(args[i]);
      s.reorder(order);
      s.vectorize(xi);
      for (int d = 1; d <= registerTile; ++d) s.unroll(args[size_t(d)]);
      if (parallel && args.size() >= 2) s.parallel(args.back());
    }
  }
}

int64_t innerElements(const LoweredTensor &t) {
  int64_t n = 1;
  for (int d = 1; d < t.rank(); ++d) n *= staticExtent(t, d);
  return n;
}

namespace {

/// A reshape or flatten: the innermost loop runs over blocks of the input's
/// row (t.rowBlock), each vectorized, so every block is one contiguous copy.
/// Every static dim is bounded to its whole extent: blocks then start at
/// multiples of the block and the simplifier knows each index's range, which
/// lets the index math fold.
void scheduleReinterpret(const LoweredTensor &t, int vector) {
  Halide::Func f = t.func;
  std::vector<Var> args = f.args();
  for (int d = 0; d < t.rank(); ++d)
    if (int64_t extent = staticExtent(t, d))
      f.bound(args[size_t(t.rank() - 1 - d)], 0, int32_t(extent));
  Var block("row_block"), x("x");
  f.compute_root()
      .split(args[0], block, x, int32_t(t.rowBlock), TailStrategy::RoundUp) // divides the row
      .vectorize(x, std::min<int>(vector, int(t.rowBlock)), TailStrategy::GuardWithIf);
  if (args.size() >= 2) f.parallel(args.back());
}

/// An activation over an accumulation with no tiled schedule of its own:
/// one output plane (or row) per task, the accumulation computed per task
/// inside it, so only a cache-sized piece of it ever exists.
void scheduleGenericEpilogue(const LoweredTensor &t, int vector) {
  const LoweredTensor &stage = t.stages.at(0);
  // A flat convolution's NCHW view is inlined; its accumulation is the Func.
  Halide::Func f = t.func,
               acc = stage.flatAccumulation.defined() ? stage.flatAccumulation : stage.func;
  f.compute_root();
  std::vector<Var> args = f.args();
  f.vectorize(args[0], vector, TailStrategy::GuardWithIf);
  Var task("task");
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

/// An activation over one accumulation (conv2d, matmul and their fused
/// forms): the accumulation is computed tile by tile inside it. Inputs of
/// the accumulation placed inside it go into `placed`.
void scheduleEpilogue(const LoweredTensor &t, int vector, std::set<std::string> &placed) {
  switch (t.stages.at(0).kind) {
  case ScheduleKind::Matmul:
    return scheduleMatmulEpilogue(t, vector, placed);
  case ScheduleKind::Convolution:
    if (scheduleConvEpilogue(t, vector, placed)) return;
    break;
  case ScheduleKind::Winograd:
    if (scheduleWinogradEpilogue(t, vector, placed)) return;
    break;
  default:
    break;
  }
  scheduleGenericEpilogue(t, vector);
}

void schedule(const LoweredTensor &t, const Halide::Target &target, std::set<std::string> &done);

void scheduleWithWidth(const LoweredTensor &t, int vector, const Halide::Target &target,
                       std::set<std::string> &done) {
  if (!done.insert(t.func.name()).second) return;
  if (t.kind == ScheduleKind::Epilogue) {
    // Its stage is scheduled here, inside it; the stage's own inputs at root
    // unless the epilogue's schedule placed them.
    done.insert(t.stages.at(0).func.name());
    scheduleEpilogue(t, vector, done);
    for (const LoweredTensor &input : t.stages[0].stages) schedule(input, target, done);
    return;
  }
  for (const LoweredTensor &stage : t.stages) schedule(stage, target, done);
  switch (t.kind) {
  case ScheduleKind::Input:
    return;
  case ScheduleKind::Pointwise:
    if (t.rowBlock > 0) return scheduleReinterpret(t, vector);
    schedulePure(t.func, vector, innerElements(t));
    return;
  case ScheduleKind::Reduction:
    schedulePure(t.func, vector, innerElements(t));
    scheduleUpdates(t.func, vector, true, t.registerTile, &t);
    return;
  case ScheduleKind::Matmul:
  case ScheduleKind::Convolution:
  case ScheduleKind::Winograd:
    // The lowerings always wrap these accumulations in an Epilogue; a bare
    // one still gets a correct, generic schedule.
    schedulePure(t.func, vector);
    scheduleUpdates(t.func, vector);
    return;
  case ScheduleKind::Epilogue:
    return; // handled above
  case ScheduleKind::HostCheck:
    Halide::Func(t.func).compute_root(); // a few labels: serial, scalar
    return;
  case ScheduleKind::Transpose:
    if (!scheduleTranspose(t, vector)) schedulePure(t.func, vector, innerElements(t));
    return;
  }
}

/// The natural vector width, or a narrower power of two (at least 4) that
/// divides the innermost extent when it is static and the natural width does
/// not: a 24-wide row then runs as three full 8-lane vectors instead of one
/// 16-lane vector and a scalar tail. Matmuls and convolutions choose their
/// own (their register tiles compute whole vectors past the edge).
int vectorWidth(const LoweredTensor &t, int natural) {
  ScheduleKind stage = t.kind == ScheduleKind::Epilogue ? t.stages.at(0).kind : t.kind;
  bool tiled = stage == ScheduleKind::Matmul || stage == ScheduleKind::Convolution ||
               stage == ScheduleKind::Winograd || stage == ScheduleKind::Transpose;
  if (tiled || t.rowBlock > 0 || t.shape.empty()) return natural; // rowBlock: whole rows
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

/// Who reads each listed tensor: its listed consumers, and whether a
/// listed tensor's stage (not itself listed) reads it too.
struct Readers {
  std::map<std::string, std::vector<const LoweredTensor *>> consumers;
  std::set<std::string> readByStage;

  /// The single listed tensor that reads `t`, if nothing else does.
  const LoweredTensor *onlyConsumer(const LoweredTensor &t) const {
    auto it = consumers.find(t.func.name());
    if (it == consumers.end() || it->second.size() != 1 || readByStage.count(t.func.name()))
      return nullptr;
    return it->second[0];
  }

  /// Whether only listed elementwise tensors (Pointwise, or an Epilogue)
  /// of `t`'s shape read `t`, at least one: each reads every element once at
  /// its own index, so `t` can be computed inside each of them.
  bool readOnlyElementwise(const LoweredTensor &t) const {
    auto it = consumers.find(t.func.name());
    if (it == consumers.end() || it->second.empty() || readByStage.count(t.func.name()))
      return false;
    for (const LoweredTensor *consumer : it->second) {
      bool elementwise = consumer->kind == ScheduleKind::Pointwise ||
                         consumer->kind == ScheduleKind::Epilogue;
      bool sameShape = consumer->rank() == t.rank();
      // Provably equal, not just the same Expr: a binary op's dynamic extent
      // is max(lhs, rhs) of two equal extents. Or both dynamic: a part of a
      // split step reads batches from several arguments, whose extents no
      // proof relates. Inlining stays correct where they differ (a value
      // broadcast along the dim is recomputed per read, and marked values
      // are cheap).
      for (int d = 0; sameShape && d < t.rank(); ++d)
        sameShape = Halide::Internal::can_prove(consumer->shape[d] == t.shape[d]) ||
                    (constantValue(consumer->shape[d]) <= 0 && constantValue(t.shape[d]) <= 0);
      if (!elementwise || !sameShape) return false;
    }
    return true;
  }
};

Readers readersOf(const std::vector<LoweredTensor> &tensors) {
  std::map<std::string, const LoweredTensor *> byName;
  for (const LoweredTensor &t : tensors) byName[t.func.name()] = &t;
  Readers readers;
  std::set<std::string> seen; // the results of one Tuple Func share it: one reader
  for (const LoweredTensor &t : tensors) {
    if (!seen.insert(t.func.name()).second) continue;
    for (const std::string &name : tensorsRead(t.func.function(), byName))
      if (name != t.func.name()) readers.consumers[name].push_back(&t);
    for (const LoweredTensor &stage : t.stages)
      for (const std::string &name : tensorsRead(stage.func.function(), byName))
        readers.readByStage.insert(name);
  }
  return readers;
}

bool isOutput(const LoweredTensor &t, const std::vector<Halide::Func> &outputs) {
  for (const Halide::Func &f : outputs)
    if (f.name() == t.func.name()) return true;
  return false;
}

/// Elementwise fusion: the tensors --nabla-fuse-elementwise and
/// --nabla-fuse-loop-groups marked, and the values behind a loop group's
/// output copies, when their lowering agrees: a Pointwise Func read only by
/// Pointwise Funcs (or Epilogues) over the same shape. Left unscheduled,
/// Halide inlines them into their consumers: a chain like the Adam update
/// becomes one loop, with no intermediate tensor written or read back.
/// Views (reshapes that only split dims) are inlined into every consumer:
/// reading through one costs nothing.
std::set<std::string> inlinableTensors(const std::vector<LoweredTensor> &tensors,
                                       const Readers &readers,
                                       const std::vector<Halide::Func> &outputs) {
  std::set<std::string> inlinable;
  for (const LoweredTensor &t : tensors) {
    if (isOutput(t, outputs)) continue;
    bool marked = t.inlineIntoConsumer || t.loopGroup >= 0;
    if (t.view || (marked && t.kind == ScheduleKind::Pointwise && readers.readOnlyElementwise(t)))
      inlinable.insert(t.func.name());
  }
  return inlinable;
}

/// Multi-output fusion: the output copies of each --nabla-fuse-loop-groups
/// group, when they are Pointwise over one static shape, run in one loop
/// (scheduleLoopGroup); they then count as done.
void scheduleLoopGroups(const std::vector<LoweredTensor> &tensors,
                        const std::vector<Halide::Func> &outputs, const Halide::Target &target,
                        std::set<std::string> &done) {
  std::map<int64_t, std::vector<const LoweredTensor *>> groups;
  for (const LoweredTensor &t : tensors)
    if (t.loopGroup >= 0 && isOutput(t, outputs) && t.kind == ScheduleKind::Pointwise &&
        t.rowBlock == 0 && !t.view)
      groups[t.loopGroup].push_back(&t);
  for (const auto &[id, members] : groups) {
    const LoweredTensor &first = *members[0];
    bool sameStaticShape = members.size() >= 2;
    for (const LoweredTensor *m : members)
      for (int d = 0; sameStaticShape && d < first.rank(); ++d)
        sameStaticShape = m->rank() == first.rank() && staticExtent(*m, d) > 0 &&
                          staticExtent(*m, d) == staticExtent(first, d);
    if (!sameStaticShape) continue;
    int natural = std::max(target.natural_vector_size(first.type()), 1);
    bool shift = first.rank() > 0 && staticExtent(first, first.rank() - 1) >= natural;
    scheduleLoopGroup(members, shift ? natural : vectorWidth(first, natural), shift);
    for (const LoweredTensor *m : members) done.insert(m->func.name());
  }
}

/// Conv-pool fusion: a convolution --nabla-fuse-conv-pool marked, read only
/// by a max pool whose windows tile it, is computed inside the pool
/// (scheduleConvPool) when the lowering agrees. Schedules each such pair;
/// the pool, the conv and its accumulation then count as done.
void scheduleConvPools(const std::vector<LoweredTensor> &tensors, const Readers &readers,
                       const std::vector<Halide::Func> &outputs, const Halide::Target &target,
                       std::set<std::string> &done) {
  for (const LoweredTensor &conv : tensors) {
    const LoweredTensor *pool = readers.onlyConsumer(conv);
    if (!conv.inlineIntoConsumer || conv.kind != ScheduleKind::Epilogue ||
        conv.stages.at(0).kind != ScheduleKind::Convolution || !pool ||
        !pool->tilingWindow[0] || isOutput(conv, outputs))
      continue;
    int natural = std::max(target.natural_vector_size(pool->type()), 1);
    if (!scheduleConvPool(*pool, conv, natural, done)) continue;
    for (const std::string &name :
         {pool->func.name(), conv.func.name(), conv.stages[0].func.name()})
      done.insert(name);
    for (const LoweredTensor &input : conv.stages[0].stages) schedule(input, target, done);
  }
}

/// `image` computed inside `acc`'s loop over images (its outermost reduction
/// loop), in `acc`'s parallel task (the pure dim outside that loop,
/// scheduleUpdates), an image at a time in a buffer the task keeps.
void computePerImage(const LoweredTensor &image, Halide::Func acc, const Halide::Target &target) {
  Halide::Func f = image.func;
  std::vector<Halide::Internal::ReductionVariable> rvars = acc.update(0).get_schedule().rvars();
  f.store_at(acc, acc.args().back()).compute_at(acc, RVar(rvars.back().var));
  int natural = std::max(target.natural_vector_size(image.type()), 1);
  if (image.rowBlock == 0) {
    f.vectorize(f.args()[0], vectorWidth(image, natural), TailStrategy::GuardWithIf);
    return;
  }
  // A flattened view, row by row: the unravel folds into contiguous loads.
  int width = natural;
  while (width > 4 && image.rowBlock % width != 0) width /= 2;
  Var row("row"), x("x");
  f.split(f.args()[0], row, x, int32_t(image.rowBlock), TailStrategy::RoundUp)
      .vectorize(x, width, TailStrategy::GuardWithIf);
}

/// What a reduction's stage reads image by image (imageOperands): a listed
/// pointwise tensor that nothing else reads, or one of the stage's own
/// stages, into which such listed tensors are then inlined. Computed per
/// image (computePerImage); they then count as done.
void scheduleImageOperands(const std::vector<LoweredTensor> &tensors, const Readers &readers,
                           const std::vector<Halide::Func> &outputs,
                           const Halide::Target &target, std::set<std::string> &done) {
  std::map<std::string, const LoweredTensor *> byName;
  for (const LoweredTensor &t : tensors) byName[t.func.name()] = &t;
  // The listed pointwise tensor `name` if only `consumer` reads it.
  auto readOnlyBy = [&](const std::string &name,
                        const LoweredTensor &consumer) -> const LoweredTensor * {
    auto listed = byName.find(name);
    auto read = readers.consumers.find(name);
    if (listed == byName.end() || read == readers.consumers.end()) return nullptr;
    const LoweredTensor &t = *listed->second;
    bool only = read->second.size() == 1 && read->second[0] == &consumer;
    if (!only || t.kind != ScheduleKind::Pointwise || isOutput(t, outputs) ||
        done.count(name))
      return nullptr;
    return &t;
  };
  auto scheduled = [&](const LoweredTensor &t) {
    done.insert(t.func.name());
    for (const LoweredTensor &input : t.stages) schedule(input, target, done);
  };
  for (const LoweredTensor &t : tensors)
    for (const LoweredTensor &stage : t.stages)
      for (const Halide::Func &operand : stage.imageOperands) {
        const LoweredTensor *image = readOnlyBy(operand.name(), t);
        if (!image) {
          auto own = std::find_if(stage.stages.begin(), stage.stages.end(), [&](const auto &s) {
            return s.func.name() == operand.name();
          });
          if (own == stage.stages.end()) continue;
          image = &*own;
          for (const auto &[name, callee] : Halide::Internal::find_direct_calls(operand.function()))
            if (const LoweredTensor *inlined = readOnlyBy(name, t)) scheduled(*inlined);
        }
        computePerImage(*image, stage.func, target);
        scheduled(*image);
      }
}

} // namespace

void scheduleForCpu(const std::vector<LoweredTensor> &tensors,
                    const std::vector<Halide::Func> &outputs, const Halide::Target &target) {
  // Inlined tensors count as scheduled: schedule() skips them. Their own
  // stages (a pool gradient's window argmax) are still stored.
  Readers readers = readersOf(tensors);
  std::set<std::string> inlined = inlinableTensors(tensors, readers, outputs), done = inlined;
  scheduleConvPools(tensors, readers, outputs, target, done);
  scheduleLoopGroups(tensors, outputs, target, done);
  scheduleImageOperands(tensors, readers, outputs, target, done);
  for (const LoweredTensor &t : tensors) {
    if (inlined.count(t.func.name()))
      for (const LoweredTensor &stage : t.stages) schedule(stage, target, done);
    schedule(t, target, done);
  }
}

} // namespace nabla::halide
