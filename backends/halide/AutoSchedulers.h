// Halide's autoschedulers in place of nabla's own CPU schedules, to compare
// the two: libhalide14 ships three as plugins, and `nablac --scheduler` or
// Executable::compileJit picks Mullapudi2016's heuristics, Li2018's
// gradient autoscheduler or Adams2019's learned cost model
// (docs/performance.md, "The autoschedulers", has what each reached). This
// header does not include Halide.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nabla::halide {

enum class Scheduler { Manual, Mullapudi2016, Li2018, Adams2019 };

/// "manual", "mullapudi2016", "li2018" or "adams2019".
const char *schedulerName(Scheduler scheduler);
/// Every scheduler, Manual first, and their names in the same order.
const std::vector<Scheduler> &allSchedulers();
const std::vector<std::string> &schedulerNames();
/// The autoschedulers' names, comma-separated (for --help texts).
std::string autoSchedulerList();
/// The scheduler called `name` (as schedulerName spells it). Throws
/// nabla::Error naming the choices.
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

/// Adams2019's search settings from the environment (HL_BEAM_SIZE and the
/// like), as "NAME=value" pairs. Its default beam search (32 schedules, five
/// passes) outgrew 24 GB on SimpleConvNet's training step, so nabla runs
/// its greedy pass, HL_BEAM_SIZE=1, unless the environment sets a beam.
std::string adams2019Settings();
constexpr const char *kAdams2019DefaultBeamSize = "1";

/// The scheduler's name and, for an autoscheduler, the batch and the
/// machine it schedules for (and Adams2019's search settings): part of the
/// JIT caches' keys, since the schedule depends on all of them.
std::string scheduleKey(const Schedule &schedule);

} // namespace nabla::halide
