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
  case Scheduler::Adams2019:
    return "adams2019";
  }
  return "?";
}

const std::vector<Scheduler> &allSchedulers() {
  static const std::vector<Scheduler> all = {Scheduler::Manual, Scheduler::Mullapudi2016,
                                             Scheduler::Li2018, Scheduler::Adams2019};
  return all;
}

const std::vector<std::string> &schedulerNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> all;
    for (Scheduler s : allSchedulers()) all.push_back(schedulerName(s));
    return all;
  }();
  return names;
}

namespace {
std::string joined(const std::vector<std::string> &names, size_t from) {
  std::string list;
  for (size_t i = from; i < names.size(); ++i) list += (list.empty() ? "" : ", ") + names[i];
  return list;
}
} // namespace

std::string autoSchedulerList() { return joined(schedulerNames(), 1); } // all but manual

Scheduler parseScheduler(const std::string &name) {
  for (Scheduler s : allSchedulers())
    if (name == schedulerName(s)) return s;
  throw Error("unknown scheduler '" + name + "' (choose one of " + joined(schedulerNames(), 0) +
              ")");
}

AutoScheduleMachine autoScheduleMachine() {
  int threads = int(std::thread::hardware_concurrency());
  if (const char *n = std::getenv("HL_NUM_THREADS"); n && std::atoi(n) > 0) threads = std::atoi(n);
  long cache = sysconf(_SC_LEVEL3_CACHE_SIZE);
  return {std::max(threads, 1), cache > 0 ? int64_t(cache) : 0};
}

std::string adams2019Settings() {
  // The variables libautoschedule_adams2019.so reads that change the schedule
  // it picks (the others switch on debug output).
  static const char *const variables[] = {
      "HL_BEAM_SIZE",   "HL_NUM_PASSES",        "HL_RANDOM_DROPOUT", "HL_SEED",
      "HL_WEIGHTS_DIR", "HL_RANDOMIZE_WEIGHTS", "HL_NO_SUBTILING",
      "HL_AUTOSCHEDULE_MEMORY_LIMIT"};
  std::string settings;
  for (const char *variable : variables) {
    const char *value = std::getenv(variable);
    if (!value && std::string(variable) == "HL_BEAM_SIZE") value = kAdams2019DefaultBeamSize;
    if (value) settings += std::string(settings.empty() ? "" : " ") + variable + "=" + value;
  }
  return settings;
}

std::string scheduleKey(const Schedule &schedule) {
  if (!schedule.automatic()) return schedulerName(schedule.scheduler);
  AutoScheduleMachine machine = autoScheduleMachine();
  std::string key = std::string(schedulerName(schedule.scheduler)) + " for batch " +
                    std::to_string(schedule.batch) + ", " +
                    std::to_string(machine.parallelism) + " threads, " +
                    std::to_string(machine.lastLevelCacheBytes) + " B of last-level cache";
  if (schedule.scheduler == Scheduler::Adams2019) key += ", " + adams2019Settings();
  return key;
}

} // namespace nabla::halide
