#include "backends/halide/GpuSchedule.h"

#include <cstdlib>
#include <set>
#include <stdexcept>

namespace nabla::halide {

using Halide::TailStrategy;
using Halide::Var;

namespace {

constexpr int kThreadsX = 16, kThreadsY = 16, kThreads1D = 256;

/// Whether update `u` of `f` writes f(pure vars...) with every pure var in
/// its own position: only then can those vars become GPU block/thread loops
/// (each thread then owns its output elements across the reduction).
bool updateIsGatherStyle(const Halide::Func &f, int u) {
  std::vector<Var> pure = f.args();
  std::vector<Halide::Expr> lhs = f.update_args(u);
  if (lhs.size() != pure.size()) return false;
  for (size_t d = 0; d < pure.size(); ++d) {
    const auto *v = lhs[d].as<Halide::Internal::Variable>();
    if (!v || v->name != pure[d].name()) return false;
  }
  return true;
}

/// Tiles one stage's pure dims over blocks and threads.
template <typename StageT> void tileStage(StageT &&stage, const std::vector<Var> &args) {
  switch (args.size()) {
  case 0:
    stage.gpu_single_thread();
    return;
  case 1: {
    Var block("gpu_b0"), thread("gpu_t0");
    stage.gpu_tile(args[0], block, thread, kThreads1D, TailStrategy::GuardWithIf);
    return;
  }
  default: {
    Var bx("gpu_bx"), by("gpu_by"), tx("gpu_tx"), ty("gpu_ty");
    stage.gpu_tile(args[0], args[1], bx, by, tx, ty, kThreadsX, kThreadsY,
                   TailStrategy::GuardWithIf);
    if (args.size() > 2) {
      // Halide has three block dims: the outer dims become one.
      Var outer = args[2];
      for (size_t d = 3; d < args.size(); ++d) {
        Var fused("gpu_bz" + std::to_string(d));
        stage.fuse(outer, args[d], fused);
        outer = fused;
      }
      stage.gpu_blocks(outer);
    }
  }
  }
}

void scheduleFunc(Halide::Func f) {
  f.compute_root();
  std::vector<Var> args = f.args();
  tileStage(f, args);
  for (int u = 0; u < f.num_update_definitions(); ++u)
    // A scatter-style update (none in inference graphs) stays on the host:
    // slower, still correct, Halide copies the buffer between the two.
    if (updateIsGatherStyle(f, u)) tileStage(f.update(u), args);
}

/// The update's reduction variable (the matmul's contraction index).
Halide::RVar contractionOf(Halide::Func acc) {
  for (const Halide::Internal::Dim &d : acc.update().get_schedule().dims())
    if (d.is_rvar()) return Halide::RVar(d.var);
  throw std::logic_error("matmul accumulation without a reduction variable");
}

/// A matmul (or fused matmul) epilogue as a shared-memory tiled GEMM: a
/// block computes a 16 x 16 tile of the output; its accumulators live in
/// shared memory, one per thread; the contraction runs in slices of 16, and
/// for each slice the block's threads first copy the slices of A and B
/// it needs into shared memory (Func::in, computed at the slice loop: Halide
/// puts it in shared memory and adds the barriers), so each element of A and
/// B is read from global memory once per block instead of once per thread.
void scheduleMatmul(const LoweredTensor &t) {
  const LoweredTensor &product = t.stages.at(0);
  Halide::Func out = t.func, acc = product.func;
  std::vector<Var> o = out.args(), a = acc.args(); // (j, i): column, row
  Var bx("gpu_bx"), by("gpu_by"), tx("gpu_tx"), ty("gpu_ty");
  out.compute_root().gpu_tile(o[0], o[1], bx, by, tx, ty, kThreadsX, kThreadsY,
                              TailStrategy::GuardWithIf);
  acc.compute_at(out, bx).gpu_threads(a[0], a[1]);
  Halide::RVar k = contractionOf(acc), ko("k_slice"), ki("k_in_slice");
  acc.update()
      .split(k, ko, ki, kThreadsX, TailStrategy::GuardWithIf)
      .reorder(ki, a[0], a[1], ko)
      .gpu_threads(a[0], a[1]);
  std::set<std::string> staged;
  for (const Halide::Func &operand : product.operands) {
    if (!staged.insert(operand.name()).second) continue; // A and B the same Func
    Halide::Func slice = Halide::Func(operand).in(acc);
    std::vector<Var> s = slice.args();
    slice.compute_at(acc, ko).gpu_threads(s[0], s[1]);
  }
}

/// Whether scheduleMatmul applies: with NABLA_GPU_MATMUL=shared, to a rank-2
/// matmul epilogue whose operands the lowering recorded. Not by default: on
/// an H200 it was slower at SimpleConvNet's sizes than the per-thread
/// schedule of the other epilogues (forward at batch 100: 0.273 vs 0.186 ms;
/// the im2col training step 6.8 vs 5.2 ms; the direct one 1.43 vs 1.52 ms).
/// A 100-row output makes 7 x 7 blocks, far fewer than the 132
/// multiprocessors, and each thread's accumulator in shared memory is read
/// and written back at every step of k.
bool isMatmulEpilogue(const LoweredTensor &t) {
  static const bool shared = [] {
    const char *choice = std::getenv("NABLA_GPU_MATMUL");
    return choice && std::string(choice) == "shared";
  }();
  return shared && t.kind == ScheduleKind::Epilogue && t.rank() == 2 &&
         t.stages.at(0).kind == ScheduleKind::Matmul && t.stages[0].operands.size() == 2;
}

/// The innermost GPU thread loop tileStage() makes for a Func of `rank` dims.
Var innermostThread(size_t rank) { return Var(rank == 1 ? "gpu_t0" : "gpu_tx"); }

void schedule(const LoweredTensor &t, std::set<std::string> &done) {
  if (t.kind == ScheduleKind::Input || !done.insert(t.func.name()).second) return;
  if (t.kind == ScheduleKind::HostCheck) { // the kernels read its device copy
    Halide::Func(t.func).compute_root();
    return;
  }
  if (isMatmulEpilogue(t)) {
    const LoweredTensor &acc = t.stages.at(0);
    done.insert(acc.func.name());
    for (const LoweredTensor &input : acc.stages) schedule(input, done);
    scheduleMatmul(t);
    return;
  }
  if (t.kind == ScheduleKind::Epilogue && t.rank() > 0) {
    // Each thread accumulates its own output element in a register: one
    // kernel for the accumulation and its activation, nothing stored between.
    const LoweredTensor &acc = t.stages.at(0);
    done.insert(acc.func.name());
    for (const LoweredTensor &input : acc.stages) schedule(input, done);
    scheduleFunc(t.func);
    // A flat convolution's NCHW view is inlined; its accumulation is the Func.
    Halide::Func accumulation =
        acc.flatAccumulation.defined() ? acc.flatAccumulation : Halide::Func(acc.func);
    accumulation.compute_at(t.func, innermostThread(size_t(t.rank())));
    return;
  }
  for (const LoweredTensor &stage : t.stages) schedule(stage, done);
  scheduleFunc(t.func);
}

} // namespace

void scheduleForGpu(const std::vector<LoweredTensor> &tensors,
                    const std::vector<Halide::Func> &outputs, const Halide::Target &target) {
  (void)target; // Default_GPU: the target's GPU feature picks the API
  std::set<std::string> done;
  for (const LoweredTensor &t : tensors) schedule(t, done);
  for (const Halide::Func &f : outputs) // normally listed already; harmless otherwise
    if (!done.count(f.name())) scheduleFunc(f);
}

} // namespace nabla::halide
