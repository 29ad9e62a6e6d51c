// The CPU schedule of a loop group (--nabla-fuse-loop-groups): the outputs of
// an optimizer's update of one parameter (its new value and moments) in one
// loop nest with Halide's compute_with. Each member is a copy of a value the
// schedule inlines, so the members read only what the group reads from
// outside (the gradient, the old parameter and moments): the loop over each
// vector loads those once and stores every member's vector, where separate
// loops would store each value and load it back in the next.
//
// Rows at least a vector wide run in full-width vectors, the last one
// shifted back to end at the row's end (scheduleLoopGroups decides): a
// 100-wide row (SimpleConvNet's 4320 x 100 weights) is then 7 vectors of 16
// lanes instead of 25 of 4, and Adam's square root and division run on 16
// lanes at once. The shifted vector computes a few
// elements twice, with the same values: every member is a pure function of
// the group's inputs, and results never alias arguments.
#include "backends/halide/CpuScheduleParts.h"

namespace nabla::halide {

using Halide::TailStrategy;
using Halide::Var;

void scheduleLoopGroup(const std::vector<const LoweredTensor *> &members, int vector,
                       bool shiftLastVector) {
  Halide::Func first = members.at(0)->func;
  int rows = rowsPerTask(innerElements(*members[0]));
  TailStrategy tail = shiftLastVector ? TailStrategy::ShiftInwards : TailStrategy::GuardWithIf;
  // compute_with matches loops by name: every member splits into these.
  Var vectors("vectors"), lanes("lanes"), task("task"), taskRows("task_rows");
  for (const LoweredTensor *member : members) {
    Halide::Func f = member->func;
    std::vector<Var> args = f.args();
    // Members are outputs of one static shape, whose buffers declare it
    // (constrainOutputBuffer): their loops have the same known bounds, no
    // member needs a guard of its own, and an index is one expression for all.
    f.compute_root()
        .split(args[0], vectors, lanes, vector, tail)
        .vectorize(lanes);
    if (args.size() >= 2)
      f.split(args.back(), task, taskRows, rows, TailStrategy::GuardWithIf).parallel(task);
    // Fused down to the vector: the members' vectors at one position in turn.
    if (f.name() != first.name()) f.compute_with(first, vectors);
  }
}

} // namespace nabla::halide
