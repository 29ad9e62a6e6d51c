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

/// Stores every Func of the pipeline computing `outputs` where its schedule
/// computes it, when the schedule stored it higher (autoSchedule does this
/// after every autoscheduler). Halide 14's sliding window, which a Func
/// stored above its compute level enables, lowered Adams2019's schedule of
/// SimpleConvNet wrongly: conv2d_shifted_input, stored per filter column and
/// computed per filter row inside a loop over output vectors, was produced
/// for the first filter row only, and the other four rows read storage
/// nothing had written (wrong logits, different from run to run).
/// HalideAutoScheduleTest.cpp has that loop nest in eight lines of Halide.
/// The cost is the reuse that sliding windows and storage folding would
/// bring; autoscheduled pipelines are here to compare with nabla's, and
/// must compute the right values first.
void storeWhereComputed(const std::vector<Halide::Func> &outputs);

} // namespace nabla::halide
