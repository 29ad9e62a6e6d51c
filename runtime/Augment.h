// Data augmentation (chapter 8.1.2): more training images out of the ones
// there are, by transformations that keep the label. Each call draws fresh
// random transformations for the images of a batch, in place, so a network
// rarely sees exactly the same picture twice:
//   flip   mirror left-right with probability 1/2 (clothes look the same mirrored)
//   shift  move by up to maxShift pixels each way, filling with background (0)
//   crop   take a random window of cropSize x cropSize and stretch it back to
//          the full image (bilinear): a zoom-in of up to H / cropSize
// Applied in that order: crop, shift, flip. Draws come from the counter-based
// generator of runtime/CounterRng.h, keyed by (seed, call, image), so a run
// is reproducible whatever the batch order.
#pragma once

#include "runtime/Tensor.h"

#include <cstdint>

namespace nabla {

struct AugmentOptions {
  bool flip = false;
  int64_t maxShift = 0; // 0: no shift
  int64_t cropSize = 0; // 0: no crop; else in [1, min(H, W)]
  uint64_t seed = 0;
};

/// Mirrors image `index` of [N, C, H, W] images left-right in place.
void flipHorizontal(Tensor &images, int64_t index);
/// Moves image `index` by (dy, dx) pixels in place (down and right when
/// positive); pixels shifted in are 0.
void shiftImage(Tensor &images, int64_t index, int64_t dy, int64_t dx);
/// Replaces image `index` by its size x size window at (top, left),
/// stretched back to H x W with bilinear interpolation (pixel centres aligned).
void cropAndResize(Tensor &images, int64_t index, int64_t top, int64_t left, int64_t size);

class Augmenter {
public:
  explicit Augmenter(AugmentOptions options);
  /// Transforms the first n images of `images` ([B, C, H, W], f32, B >= n),
  /// each with its own random draws; call `call` (a step counter) picks them.
  void apply(Tensor &images, int64_t n, uint64_t call) const;
  bool enabled() const { return options_.flip || options_.maxShift > 0 || options_.cropSize > 0; }

private:
  AugmentOptions options_;
};

} // namespace nabla
