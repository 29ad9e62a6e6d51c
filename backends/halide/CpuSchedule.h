// The CPU schedule, kept apart from the algorithms (as in Halide's apps):
// every op's Func is computed at root, its innermost dimension vectorized by
// the target's natural vector width (tails guarded) and its outermost
// dimension run in parallel; matmuls get a register-tiled schedule.
#pragma once

#include "backends/halide/Lowering.h"

namespace nabla::halide {

void scheduleForCpu(const std::vector<LoweredTensor> &tensors, const Halide::Target &target);

} // namespace nabla::halide
