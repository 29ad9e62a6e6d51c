// Halide's autoschedulers in place of nabla's own CPU schedules, to compare
// the two: libhalide14 ships three as plugins, and `nablac --scheduler` or
// Executable::compileJit picks Mullapudi2016's heuristics or Li2018's
// gradient autoscheduler. (The third, Adams2019, is not offered: its
// schedules of SimpleConvNet computed wrong values; docs/performance.md,
// "The autoschedulers", has that and what the other two reached.) This
// header does not include Halide.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nabla::halide {

enum class Scheduler { Manual, Mullapudi2016, Li2018 };

/// "manual", "mullapudi2016" or "li2018".
const char *schedulerName(Scheduler scheduler);
/// Every scheduler's name, Manual first.
const std::vector<std::string> &schedulerNames();
/// The scheduler called `name` (as schedulerName spells it). Throws
/// nabla::Error naming the choices, or why Adams2019 is not one.
Scheduler parseScheduler(const std::string &name);

/// Dynamic extents (the batch) as the autoschedulers assume them: they
/// schedule for estimated sizes, and nabla's pipelines take any batch.
constexpr int kAutoScheduleBatchEstimate = 100;

/// The machine the autoschedulers schedule for: as many parallel tasks as
/// Halide's thread pool runs (HL_NUM_THREADS, else one per CPU) and the
/// size of the last cache level (0 when the system does not say).
struct AutoScheduleMachine {
  int parallelism;
  int64_t lastLevelCacheBytes;
};
AutoScheduleMachine autoScheduleMachine();

/// The scheduler's name and, for an autoscheduler, the machine it schedules
/// for: part of the JIT caches' keys, since the schedule depends on both.
std::string schedulerKey(Scheduler scheduler);

} // namespace nabla::halide
