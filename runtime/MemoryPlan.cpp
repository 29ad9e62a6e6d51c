#include "runtime/MemoryPlan.h"

#include <algorithm>
#include <map>
#include <numeric>

namespace nabla {

namespace {
int64_t roundUp(int64_t bytes, int64_t alignment) {
  return (std::max<int64_t>(bytes, 1) + alignment - 1) / alignment * alignment;
}
bool overlapInTime(const BufferLifetime &a, const BufferLifetime &b) {
  return a.firstStep <= b.lastStep && b.firstStep <= a.lastStep;
}
} // namespace

MemoryPlan planMemory(const std::vector<BufferLifetime> &buffers, int64_t alignment) {
  MemoryPlan plan;
  plan.offsets.assign(buffers.size(), 0);
  std::vector<size_t> order(buffers.size());
  std::iota(order.begin(), order.end(), 0);
  // Largest first; ties by definition order so the plan is deterministic.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return buffers[a].bytes > buffers[b].bytes;
  });
  std::vector<size_t> placed;
  for (size_t index : order) {
    const BufferLifetime &buffer = buffers[index];
    int64_t size = roundUp(buffer.bytes, alignment);
    plan.unplannedBytes += size;
    // The placed neighbours in time, by offset: take the first gap that fits.
    std::vector<std::pair<int64_t, int64_t>> busy; // [offset, end)
    for (size_t other : placed)
      if (overlapInTime(buffer, buffers[other]))
        busy.emplace_back(plan.offsets[other],
                          plan.offsets[other] + roundUp(buffers[other].bytes, alignment));
    std::sort(busy.begin(), busy.end());
    int64_t offset = 0;
    for (auto [begin, end] : busy) {
      if (begin - offset >= size) break;
      offset = std::max(offset, end);
    }
    plan.offsets[index] = offset;
    plan.arenaBytes = std::max(plan.arenaBytes, offset + size);
    placed.push_back(index);
  }
  // The lower bound: bytes live at the busiest step (sweep over events).
  std::map<int64_t, int64_t> delta;
  for (const BufferLifetime &b : buffers) {
    delta[b.firstStep] += roundUp(b.bytes, alignment);
    delta[b.lastStep + 1] -= roundUp(b.bytes, alignment);
  }
  int64_t live = 0;
  for (auto [step, change] : delta) plan.liveBytesPeak = std::max(plan.liveBytesPeak, live += change);
  return plan;
}

} // namespace nabla
