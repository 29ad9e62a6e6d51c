#include "backends/halide/ThreadingChoice.h"

#include "runtime/Error.h"

#include <Halide.h>

#include <algorithm>
#include <cstdlib>

namespace nabla::halide {

bool ThreadingChoice::serial(const std::string &shapeKey) {
  if (mode_ != Mode::Auto) return mode_ == Mode::Caller;
  const Trials &t = trials_[shapeKey];
  // Call 0: left out (the pool's choice); calls 1, 3, 5 on the pool, 2, 4, 6
  // on the caller; then the faster.
  if (t.calls <= 2 * kTrials) return t.calls > 0 && t.calls % 2 == 0;
  return t.caller < t.pool;
}

void ThreadingChoice::record(const std::string &shapeKey, bool serial, double seconds) {
  if (mode_ != Mode::Auto) return;
  Trials &t = trials_[shapeKey];
  if (t.calls > 0 && t.calls <= 2 * kTrials) {
    double &best = serial ? t.caller : t.pool;
    best = std::min(best, seconds);
  }
  if (t.calls <= 2 * kTrials) ++t.calls;
}

ThreadingChoice::Mode ThreadingChoice::modeFromEnvironment() {
  const char *value = std::getenv("NABLA_PARALLEL");
  std::string mode = value ? value : "";
  // shards: the AOT runtime's batch shards (AotThreading.h); a JIT
  // function shards only as replicas (CompileOptions::replicas), so here
  // it chooses as auto does.
  if (mode.empty() || mode == "auto" || mode == "shards") return Mode::Auto;
  if (mode == "on") return Mode::Pool;
  if (mode == "off") return Mode::Caller;
  throw Error("NABLA_PARALLEL must be on, off, shards or auto, not '" + mode + "'");
}

int runTasksOnCaller(Halide::JITUserContext *context,
                     int (*task)(Halide::JITUserContext *, int, uint8_t *), int min, int size,
                     uint8_t *closure) {
  for (int i = min; i < min + size; ++i) {
    auto doTask = context->handlers.custom_do_task;
    int result = doTask ? doTask(context, task, i, closure) : task(context, i, closure);
    if (result) return result;
  }
  return 0;
}

} // namespace nabla::halide
