#include "backends/halide/AutoSchedulers.h"

#include "runtime/Error.h"

#include <algorithm>
#include <cstdlib>
#include <thread>
#include <unistd.h>

namespace nabla::halide {

const char *schedulerName(Scheduler scheduler) {
  switch (scheduler) {
  case Scheduler::Manual:
    return "manual";
  case Scheduler::Mullapudi2016:
    return "mullapudi2016";
  case Scheduler::Li2018:
    return "li2018";
  }
  return "?";
}

const std::vector<std::string> &schedulerNames() {
  static const std::vector<std::string> names = {schedulerName(Scheduler::Manual),
                                                 schedulerName(Scheduler::Mullapudi2016),
                                                 schedulerName(Scheduler::Li2018)};
  return names;
}

Scheduler parseScheduler(const std::string &name) {
  for (Scheduler s : {Scheduler::Manual, Scheduler::Mullapudi2016, Scheduler::Li2018})
    if (name == schedulerName(s)) return s;
  if (name == "adams2019")
    throw Error("Halide's adams2019 autoscheduler is not offered: under Halide 14 its "
                "schedule of SimpleConvNet's forward pass computed wrong values "
                "(docs/performance.md, \"The autoschedulers\")");
  std::string choices;
  for (const std::string &n : schedulerNames()) choices += (choices.empty() ? "" : ", ") + n;
  throw Error("unknown scheduler '" + name + "' (choose one of " + choices + ")");
}

AutoScheduleMachine autoScheduleMachine() {
  int threads = int(std::thread::hardware_concurrency());
  if (const char *n = std::getenv("HL_NUM_THREADS"); n && std::atoi(n) > 0) threads = std::atoi(n);
  long cache = sysconf(_SC_LEVEL3_CACHE_SIZE);
  return {std::max(threads, 1), cache > 0 ? int64_t(cache) : 0};
}

std::string scheduleKey(const Schedule &schedule) {
  if (!schedule.automatic()) return schedulerName(schedule.scheduler);
  AutoScheduleMachine machine = autoScheduleMachine();
  return std::string(schedulerName(schedule.scheduler)) + " for batch " +
         std::to_string(schedule.batch) + ", " + std::to_string(machine.parallelism) +
         " threads, " + std::to_string(machine.lastLevelCacheBytes) + " B of last-level cache";
}

} // namespace nabla::halide
