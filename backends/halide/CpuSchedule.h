// The CPU schedule, kept apart from the algorithms (as in Halide's apps):
// every op's Func is computed at root, its innermost dimension vectorized by
// the target's natural vector width (or a narrower one that divides a static
// extent; tails guarded) and its outermost dimension run in parallel; matmuls
// get a register-tiled schedule, fused ops compute their accumulation tile by
// tile, and single-use elementwise tensors are inlined into their consumer.
#pragma once

#include "backends/halide/Lowering.h"

namespace nabla::halide {

/// Schedules every tensor of a pipeline whose results are `outputs`.
void scheduleForCpu(const std::vector<LoweredTensor> &tensors,
                    const std::vector<Halide::Func> &outputs, const Halide::Target &target);

} // namespace nabla::halide
