// The arena planner on random lifetimes: no two buffers live at the same step
// overlap in memory, the arena holds them all, and it is never smaller than
// the bytes live at the busiest step.
#include "runtime/MemoryPlan.h"

#include <gtest/gtest.h>

#include <random>

namespace nabla {
namespace {

TEST(MemoryPlan, LiveBuffersNeverOverlapAndTheArenaHoldsThemAll) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<BufferLifetime> buffers(1 + rng() % 40);
    for (auto &b : buffers) {
      b.bytes = 1 + int64_t(rng() % 5000);
      b.firstStep = int64_t(rng() % 30);
      b.lastStep = b.firstStep + int64_t(rng() % 10);
    }
    MemoryPlan plan = planMemory(buffers, 64);
    ASSERT_EQ(plan.offsets.size(), buffers.size());
    for (size_t i = 0; i < buffers.size(); ++i) {
      EXPECT_EQ(plan.offsets[i] % 64, 0);
      EXPECT_LE(plan.offsets[i] + buffers[i].bytes, plan.arenaBytes);
      for (size_t j = i + 1; j < buffers.size(); ++j) {
        bool sameTime = buffers[i].firstStep <= buffers[j].lastStep &&
                        buffers[j].firstStep <= buffers[i].lastStep;
        bool sameBytes = plan.offsets[i] < plan.offsets[j] + buffers[j].bytes &&
                         plan.offsets[j] < plan.offsets[i] + buffers[i].bytes;
        EXPECT_FALSE(sameTime && sameBytes) << "trial " << trial << ": buffers " << i << ", " << j;
      }
    }
    EXPECT_GE(plan.arenaBytes, plan.liveBytesPeak);
    EXPECT_LE(plan.arenaBytes, plan.unplannedBytes);
  }
}

TEST(MemoryPlan, DisjointLifetimesShareOneBuffer) {
  std::vector<BufferLifetime> buffers = {{1000, 0, 1}, {1000, 2, 3}, {1000, 4, 5}};
  MemoryPlan plan = planMemory(buffers, 64);
  EXPECT_EQ(plan.offsets, (std::vector<int64_t>{0, 0, 0}));
  EXPECT_EQ(plan.arenaBytes, 1024);
  EXPECT_EQ(plan.unplannedBytes, 3072);
  EXPECT_EQ(plan.liveBytesPeak, 1024);
}

TEST(MemoryPlan, NoBuffersNeedNoArena) {
  MemoryPlan plan = planMemory({}, 64);
  EXPECT_EQ(plan.arenaBytes, 0);
  EXPECT_EQ(plan.unplannedBytes, 0);
}

} // namespace
} // namespace nabla
