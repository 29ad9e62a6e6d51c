#include "backends/halide/CpuSchedule.h"

#include <set>

namespace nabla::halide {

using Halide::RVar;
using Halide::TailStrategy;
using Halide::Var;
using Halide::VarOrRVar;

namespace {

/// Pure definition: root, vectorize dim 0, parallel over the outermost dim.
void schedulePure(Halide::Func f, int vector) {
  f.compute_root();
  std::vector<Var> args = f.args();
  if (args.empty()) return;
  f.vectorize(args[0], vector, TailStrategy::GuardWithIf);
  if (args.size() >= 2) f.parallel(args.back());
}

/// Gather-style updates `f(vars) op= g(vars, r)`: the vector lanes run over
/// dim 0 with the reduction loops outside them, so each lane accumulates its
/// own output element; parallel over the outermost pure dim (no races: every
/// update writes only its own pure coordinates).
void scheduleUpdates(Halide::Func f, int vector) {
  std::vector<Var> args = f.args();
  for (int u = 0; u < f.num_update_definitions(); ++u) {
    Halide::Stage s = f.update(u);
    std::vector<VarOrRVar> order;
    if (!args.empty()) {
      Var xo(args[0].name() + "_o"), xi(args[0].name() + "_i");
      s.split(args[0], xo, xi, vector, TailStrategy::GuardWithIf);
      order.push_back(xi);
      for (const auto &rv : s.get_schedule().rvars()) order.push_back(RVar(rv.var));
      order.push_back(xo);
      for (size_t i = 1; i < args.size(); ++i) order.push_back(args[i]);
      s.reorder(order);
      s.vectorize(xi);
      if (args.size() >= 2) s.parallel(args.back());
    }
  }
}

/// C(j, i) = sum_k A(i, k) B(k, j): tiles of `vector` x 4 outputs stay in
/// registers across the whole k loop; rows of tiles run in parallel.
void scheduleMatmul(Halide::Func f, int vector) {
  schedulePure(f, vector);
  std::vector<Var> args = f.args(); // (j, i)
  Var jo("jo"), ji("ji"), io("io"), ii("ii");
  Halide::Stage s = f.update(0);
  RVar k(s.get_schedule().rvars().at(0).var);
  s.tile(args[0], args[1], jo, io, ji, ii, vector, 4, TailStrategy::GuardWithIf)
      .reorder(ji, ii, k, jo, io)
      .vectorize(ji)
      .unroll(ii)
      .parallel(io);
}

void schedule(const LoweredTensor &t, int vector, std::set<std::string> &done) {
  if (!done.insert(t.func.name()).second) return;
  for (const LoweredTensor &stage : t.stages) schedule(stage, vector, done);
  switch (t.kind) {
  case ScheduleKind::Input:
    return;
  case ScheduleKind::Pointwise:
    schedulePure(t.func, vector);
    return;
  case ScheduleKind::Reduction:
    schedulePure(t.func, vector);
    scheduleUpdates(t.func, vector);
    return;
  case ScheduleKind::Matmul:
    scheduleMatmul(t.func, vector);
    return;
  }
}

} // namespace

void scheduleForCpu(const std::vector<LoweredTensor> &tensors, const Halide::Target &target) {
  std::set<std::string> done;
  for (const LoweredTensor &t : tensors) {
    int vector = target.natural_vector_size(t.type());
    schedule(t, std::max(vector, 1), done);
  }
}

} // namespace nabla::halide
