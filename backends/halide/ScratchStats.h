// What memory planning did for a compiled pipeline (see ScratchPlanner.h).
#pragma once

#include <cstdint>

namespace nabla::halide {

/// Bytes of the pipeline-level scratch of one call, as recorded.
struct ScratchStats {
  int64_t buffers = 0;
  int64_t unplannedBytes = 0; // every intermediate in a buffer of its own
  int64_t arenaBytes = 0;     // the planned arena
  int64_t liveBytesPeak = 0;  // the most bytes live at once (the lower bound)
  bool planned = false;       // calls are served from the arena
};

} // namespace nabla::halide
