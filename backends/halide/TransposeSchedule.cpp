// The CPU schedule of a 2-D transposed copy (ScheduleKind::Transpose: a
// matmul's transposed operand). Element by element, one side of a transpose
// is always strided: vectors along the copy's rows read the source down a
// column, a gather per vector. In square blocks both sides stay contiguous:
// the block's source rows are loaded as whole vectors into a block-sized
// buffer (registers, once LLVM promotes it) and the copy's rows are written
// as whole vectors from it, the transposition done by shuffles in between.
#include "backends/halide/CpuScheduleParts.h"

namespace nabla::halide {

using Halide::TailStrategy;
using Halide::Var;

bool scheduleTranspose(const LoweredTensor &t, int vector) {
  const int block = std::max(vector / 2, 4);
  int64_t rows = staticExtent(t, 0), cols = staticExtent(t, 1);
  if (rows < block || cols < block) return false;
  Halide::Func copy = t.func;
  std::vector<Var> args = copy.args(); // (j, i): copy(j, i) = source(i, j)
  Var jo("jo"), io("io"), ji("ji"), ii("ii");
  // Edge blocks shift inwards (both extents are at least a block): every
  // block is whole, recomputing a few elements of a pure copy.
  copy.compute_root()
      .tile(args[0], args[1], jo, io, ji, ii, block, block, TailStrategy::ShiftInwards)
      .vectorize(ji)
      .unroll(ii)
      .parallel(io);
  // Each Func the copy reads (the source, or what an inlined source reads)
  // is staged per block.
  for (const auto &[name, callee] : Halide::Internal::find_direct_calls(copy.function())) {
    if (name == copy.name()) continue;
    Halide::Func staged = Halide::Func(callee).in(copy);
    std::vector<Var> s = staged.args();
    staged.compute_at(copy, jo).vectorize(s[0], block).unroll(s[1]);
  }
  return true;
}

} // namespace nabla::halide
