#include "backends/halide/ScratchPlanner.h"

#include <cstdlib>

namespace nabla::halide {

namespace {
constexpr int64_t kAlignment = 64;
int64_t roundUp(size_t bytes) {
  return (int64_t(bytes == 0 ? 1 : bytes) + kAlignment - 1) / kAlignment * kAlignment;
}
// Depth of parallel-loop tasks on this thread (see runTask).
thread_local int taskDepth = 0;
} // namespace

int ScratchPlanner::runTask(Halide::JITUserContext *context,
                            int (*task)(Halide::JITUserContext *, int, uint8_t *), int index,
                            uint8_t *closure) {
  ++taskDepth;
  int result = task(context, index, closure);
  --taskDepth;
  return result;
}

ScratchPlanner::~ScratchPlanner() = default;

bool ScratchPlanner::onCallThread() const {
  return current_ && taskDepth == 0 && std::this_thread::get_id() == callThread_;
}

void ScratchPlanner::beginCall(const std::string &shapeKey) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!enabled_) return;
  auto [it, isNew] = plans_.try_emplace(shapeKey);
  current_ = &it->second;
  callThread_ = std::this_thread::get_id();
  recording_ = isNew;
  replaying_ = !isNew && current_->valid;
  cursor_ = 0;
  step_ = 0;
  trace_.clear();
  traced_.clear();
}

void ScratchPlanner::endCall() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!current_) return;
  if (recording_) finishRecording();
  // A call that made fewer allocations than recorded took another path
  // through the pipeline: stop trusting the plan.
  if (replaying_ && cursor_ != current_->sizes.size()) current_->valid = false;
  current_ = nullptr;
  recording_ = replaying_ = false;
}

void ScratchPlanner::finishRecording() {
  std::vector<BufferLifetime> lifetimes;
  for (const Recorded &r : trace_)
    lifetimes.push_back({r.bytes, r.allocStep, r.freeStep < 0 ? step_ : r.freeStep});
  Plan &plan = *current_;
  plan.memory = planMemory(lifetimes, kAlignment);
  for (const Recorded &r : trace_) plan.sizes.push_back(r.bytes);
  plan.offsets = plan.memory.offsets;
  if (plan.memory.arenaBytes == 0) return;
  plan.arena = {static_cast<char *>(std::aligned_alloc(kAlignment, size_t(plan.memory.arenaBytes))),
                std::free};
  plan.valid = plan.arena != nullptr;
}

void *ScratchPlanner::allocateFromArena(size_t bytes) {
  Plan &plan = *current_;
  if (cursor_ < plan.sizes.size() && plan.sizes[cursor_] == roundUp(bytes))
    return plan.arena.get() + plan.offsets[cursor_++];
  plan.valid = false; // a different sequence: serve the rest of this call from the pool
  replaying_ = false;
  return nullptr;
}

void *ScratchPlanner::allocate(size_t bytes) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (onCallThread() && replaying_)
      if (void *block = allocateFromArena(bytes)) return block;
  }
  void *block = pool_.allocate(bytes);
  std::lock_guard<std::mutex> lock(mutex_);
  if (block && onCallThread() && recording_) {
    traced_[block] = trace_.size();
    trace_.push_back({roundUp(bytes), step_++});
  }
  return block;
}

void ScratchPlanner::release(void *block) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (current_ && current_->arena) {
      char *arena = current_->arena.get();
      if (block >= arena && block < arena + current_->memory.arenaBytes) return;
    }
    if (recording_) {
      auto it = traced_.find(block);
      if (it != traced_.end()) {
        trace_[it->second].freeStep = step_++;
        traced_.erase(it);
      }
    }
  }
  pool_.release(block);
}

ScratchStats ScratchPlanner::stats(const std::string &shapeKey) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = plans_.find(shapeKey);
  if (it == plans_.end()) return {};
  const Plan &plan = it->second;
  return {int64_t(plan.sizes.size()), plan.memory.unplannedBytes, plan.memory.arenaBytes,
          plan.memory.liveBytesPeak, plan.valid};
}

} // namespace nabla::halide
