// The GPU schedule (CUDA through Halide), kept apart from the algorithms like
// the CPU one: simple and correct rather than fast. Every op's Func (and each
// of its listed stages) is computed at root as its own kernel; each stage's
// pure dimensions are tiled over GPU blocks and threads (16x16 threads over
// the two innermost dims, the outer dims fused into one more block dim), and
// reduction loops run inside each thread, so every thread owns its outputs:
// no atomics, no races. NABLA_GPU_MATMUL=shared makes matmuls shared-memory
// tiled GEMMs instead (A and B staged slice by slice), slower at SimpleConvNet's
// sizes on an H200 (GpuSchedule.cpp; README, "CUDA").
#pragma once

#include "backends/halide/Lowering.h"

namespace nabla::halide {

/// Schedules every tensor of a pipeline whose results are `outputs` for the
/// GPU API of `target` (which must have a GPU feature).
void scheduleForGpu(const std::vector<LoweredTensor> &tensors,
                    const std::vector<Halide::Func> &outputs, const Halide::Target &target);

} // namespace nabla::halide
