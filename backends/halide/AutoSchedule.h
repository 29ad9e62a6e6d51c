// Runs one of Halide's autoschedulers (AutoSchedulers.h) over a lowered
// pipeline. Includes Halide.h: for the lowering only.
#pragma once

#include "backends/halide/AutoSchedulers.h"
#include "backends/halide/Lowering.h"

#include "Halide.h"

#include <vector>

namespace nabla::halide {

/// Schedules every Func of the pipeline computing `outputs` from `inputs`
/// with `schedule`'s autoscheduler for the CPU `target`. The autoschedulers
/// need the size of every input and output: static extents are exact,
/// dynamic ones the schedule's batch. Loads the scheduler's plugin on first
/// use. Throws nabla::Error (a GPU target, a plugin that cannot load, an
/// autoscheduler's own error).
void autoSchedule(const std::vector<Halide::ImageParam> &inputs,
                  const std::vector<LoweredTensor> &outputs, const Schedule &schedule,
                  const Halide::Target &target);

} // namespace nabla::halide
