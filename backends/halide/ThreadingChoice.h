// Whether a compiled pipeline's calls run their parallel loops on Halide's
// thread pool or all on the calling thread. Waking a sleeping pool worker
// costs a few microseconds per parallel loop (a futex wake, a context
// switch, then waiting for the task it took); a call of a few tens of
// microseconds runs faster alone (SimpleConvNet's batch-1 forward: 0.030 ms
// on two threads, 0.022 on one). Chosen by measurement, per set of input
// shapes: the first call is left out (it records the scratch plan and warms
// the caches), the next calls alternate the two ways, and the faster by its
// minimum time is kept for every later call. Results do not depend on the
// choice: a parallel loop runs over a pure dim, its tasks write disjoint
// outputs in any order.
//
// NABLA_PARALLEL=on (always the pool) or off (always the calling thread)
// overrides the measurement; auto (the default) measures, and so does
// shards (the AOT runtime's batch shards; the JIT's are its replicas).
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <string>

namespace Halide {
struct JITUserContext;
}

namespace nabla::halide {

class ThreadingChoice {
public:
  enum class Mode { Auto, Pool, Caller };
  explicit ThreadingChoice(Mode mode = modeFromEnvironment()) : mode_(mode) {}

  /// Whether the next call with these input shapes (`shapeKey`) runs its
  /// parallel loops on the calling thread. Calls must not overlap.
  bool serial(const std::string &shapeKey);
  /// Records the time of that call.
  void record(const std::string &shapeKey, bool serial, double seconds);

  /// NABLA_PARALLEL: on, off, or auto (unset, empty or shards). Throws on
  /// any other value.
  static Mode modeFromEnvironment();

  /// Calls measured each way before the choice is made.
  static constexpr int kTrials = 3;

private:
  struct Trials {
    int calls = 0; // recorded, the first one included
    double pool = std::numeric_limits<double>::infinity();
    double caller = std::numeric_limits<double>::infinity();
  };
  Mode mode_;
  std::map<std::string, Trials> trials_;
};

/// A Halide do_par_for that runs every task on the calling thread, in
/// order, through the context's do_task handler when it has one.
int runTasksOnCaller(Halide::JITUserContext *context,
                     int (*task)(Halide::JITUserContext *, int, uint8_t *), int min, int size,
                     uint8_t *closure);

} // namespace nabla::halide
