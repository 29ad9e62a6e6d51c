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

int transposeBlock(int vector) { return std::max(vector / 2, 4); }

namespace {

/// Whether both extents of `t` are static and at least a block.
bool transposable(const LoweredTensor &t, int vector) {
  int block = transposeBlock(vector);
  return staticExtent(t, 0) >= block && staticExtent(t, 1) >= block;
}

/// Cuts the copy's loops into square blocks and stages each block of its
/// source. The blocks run along the copy's rows (io outermost: returned) or,
/// `sourceRowsOuter`, along the source's rows (jo outermost), which then
/// streams through the source front to back.
Var transposeInBlocks(Halide::Func copy, int vector, bool sourceRowsOuter = false) {
  const int block = transposeBlock(vector);
  std::vector<Var> args = copy.args(); // (j, i): copy(j, i) = source(i, j)
  Var jo("jo"), io("io"), ji("ji"), ii("ii");
  // Edge blocks shift inwards (both extents are at least a block): every
  // block is whole, recomputing a few elements of a pure copy.
  copy.tile(args[0], args[1], jo, io, ji, ii, block, block, TailStrategy::ShiftInwards)
      .vectorize(ji)
      .unroll(ii);
  if (sourceRowsOuter) copy.reorder(ji, ii, io, jo);
  // Each Func the copy reads (the source, or what an inlined source reads)
  // is staged per block.
  for (const auto &[name, callee] : Halide::Internal::find_direct_calls(copy.function())) {
    if (name == copy.name()) continue;
    Halide::Func staged = Halide::Func(callee).in(copy);
    std::vector<Var> s = staged.args();
    staged.compute_at(copy, sourceRowsOuter ? io : jo).vectorize(s[0], block).unroll(s[1]);
  }
  return io;
}

} // namespace

bool scheduleTranspose(const LoweredTensor &t, int vector) {
  if (!transposable(t, vector)) return false;
  Halide::Func copy = t.func;
  copy.compute_root();
  copy.parallel(transposeInBlocks(copy, vector));
  return true;
}

bool scheduleTransposeAt(const LoweredTensor &t, int vector, const Halide::Func &consumer,
                         const Var &at) {
  if (!transposable(t, vector)) return false;
  Halide::Func copy = t.func;
  copy.compute_at(consumer, at);
  transposeInBlocks(copy, vector, true);
  return true;
}

} // namespace nabla::halide
