// Memory planning for what a compiled pipeline really allocates. Halide
// allocates each intermediate it stores as a buffer at pipeline level, on the
// thread that runs the pipeline, and frees it after its last consumer. On the
// first call for a set of input shapes the planner records those allocations
// and frees; it then packs the recorded lifetimes into one arena
// (runtime/MemoryPlan.h, the planner --nabla-plan-memory uses) and serves
// every later call's allocations at their planned offsets. Allocations inside
// parallel-loop tasks (whose number and order vary from call to call, and
// which the calling thread runs too) are told apart by runTask, installed as
// the pipeline's do_task handler; they and anything else the plan cannot match
// (a size that differs from the recording) go to the BufferPool, so the plan
// is an optimization, never a requirement.
#pragma once

#include "backends/halide/BufferPool.h"
#include "backends/halide/ScratchStats.h"
#include "runtime/MemoryPlan.h"

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace Halide {
struct JITUserContext;
}

namespace nabla::halide {


class ScratchPlanner {
public:
  explicit ScratchPlanner(bool enabled = true) : enabled_(enabled) {}
  ~ScratchPlanner();
  ScratchPlanner(const ScratchPlanner &) = delete;
  ScratchPlanner &operator=(const ScratchPlanner &) = delete;

  /// Brackets one pipeline call with these input shapes (`shapeKey`), made on
  /// the calling thread. Calls must not overlap (Executable serializes them).
  void beginCall(const std::string &shapeKey);
  void endCall();

  void *allocate(size_t bytes);
  void release(void *block);

  /// Halide's custom_do_task: runs one parallel-loop task, marking the thread
  /// as inside a task meanwhile.
  static int runTask(Halide::JITUserContext *context,
                     int (*task)(Halide::JITUserContext *, int, uint8_t *), int index,
                     uint8_t *closure);

  /// The recorded statistics for `shapeKey` (all zero before its first call).
  ScratchStats stats(const std::string &shapeKey) const;

private:
  struct Plan {
    std::vector<int64_t> sizes, offsets; // in allocation order
    MemoryPlan memory;
    std::unique_ptr<char, void (*)(void *)> arena{nullptr, nullptr};
    bool valid = false;
  };
  struct Recorded {
    int64_t bytes, allocStep, freeStep = -1;
  };
  bool onCallThread() const;
  void *allocateFromArena(size_t bytes);
  void finishRecording();

  bool enabled_;
  BufferPool pool_;
  mutable std::mutex mutex_;
  std::map<std::string, Plan> plans_;
  // The call in flight.
  Plan *current_ = nullptr;
  bool recording_ = false, replaying_ = false;
  std::thread::id callThread_;
  size_t cursor_ = 0;
  int64_t step_ = 0;
  std::vector<Recorded> trace_;
  std::map<void *, size_t> traced_; // recorded block -> its trace index
};

} // namespace nabla::halide
