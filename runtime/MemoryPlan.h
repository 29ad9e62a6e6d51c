// Static memory planning: buffers whose lifetimes do not overlap share memory.
// Given each buffer's size and the [first, last] steps it is live, assigns
// offsets in one arena so that no two simultaneously live buffers overlap.
// Used by --nabla-plan-memory (lifetimes from the IR's op order) and by the
// Halide runtime (lifetimes from the allocation sequence a compiled pipeline
// actually makes), so both report the same kind of numbers.
#pragma once

#include <cstdint>
#include <vector>

namespace nabla {

struct BufferLifetime {
  int64_t bytes = 0;
  int64_t firstStep = 0; // defined (allocated) at this step
  int64_t lastStep = 0;  // last read (freed after) at this step; >= firstStep
};

struct MemoryPlan {
  std::vector<int64_t> offsets; // one per buffer, multiples of `alignment`
  int64_t arenaBytes = 0;       // the arena that holds every buffer at its offset
  int64_t unplannedBytes = 0;   // every buffer in memory of its own (sum of sizes)
  int64_t liveBytesPeak = 0;    // the most bytes live at one step: no plan beats it
};

/// Greedy by size: the largest buffers are placed first, each at the lowest
/// offset where it overlaps no placed buffer that is live at the same time.
/// Sizes are rounded up to `alignment` (a power of two). Deterministic.
MemoryPlan planMemory(const std::vector<BufferLifetime> &buffers, int64_t alignment = 64);

} // namespace nabla
