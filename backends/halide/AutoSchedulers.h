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

/// Dynamic extents (the batch) as the autoschedulers assume them unless told
/// otherwise: they schedule for estimated sizes, where nabla's own schedules
/// take any batch.
constexpr int kAutoScheduleBatchEstimate = 100;

/// How a pipeline is scheduled: by nabla, or by an autoscheduler for
/// dynamic extents (the batch) of `batch`. A Scheduler converts to one.
struct Schedule {
  Scheduler scheduler = Scheduler::Manual;
  int batch = kAutoScheduleBatchEstimate;
  Schedule() = default;
  Schedule(Scheduler scheduler, int batch = kAutoScheduleBatchEstimate) // NOLINT: implicit
      : scheduler(scheduler), batch(batch) {}
  bool automatic() const { return scheduler != Scheduler::Manual; }
};

/// The machine the autoschedulers schedule for: as many parallel tasks as
/// Halide's thread pool runs (HL_NUM_THREADS, else one per CPU) and the
/// size of the last cache level (0 when the system does not say).
struct AutoScheduleMachine {
  int parallelism;
  int64_t lastLevelCacheBytes;
};
AutoScheduleMachine autoScheduleMachine();

/// The scheduler's name and, for an autoscheduler, the batch and the
/// machine it schedules for: part of the JIT caches' keys, since the
/// schedule depends on all three.
std::string scheduleKey(const Schedule &schedule);

} // namespace nabla::halide
