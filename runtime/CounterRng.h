// A stateless, counter-based random source: the value for (seed, step,
// index) is a pure function of the three, so the reference interpreter, the
// Halide CPU and CUDA kernels and an AOT binary all draw the same dropout
// mask without sharing generator state, and a training step is reproducible.
// The mixer is a 32-bit integer hash (xor-shift-multiply, as in "lowbias32"),
// cheap in vector and GPU code.
#pragma once

#include <cstdint>

namespace nabla::rng {

constexpr uint32_t mix32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x;
}

/// One key per (seed, step): drawn once per op invocation.
constexpr uint32_t streamKey(uint64_t seed, uint64_t step) {
  return mix32(uint32_t(seed) ^ mix32(uint32_t(seed >> 32) ^ mix32(uint32_t(step) + 0x9e3779b9U)));
}

/// A uniform number in [0, 1) with 24 random bits for element `index`.
constexpr float uniform(uint32_t key, uint32_t index) {
  return float(mix32(index ^ key) >> 8) * (1.0f / 16777216.0f);
}

/// Whether dropout keeps element `index` (probability 1 - ratio).
constexpr bool dropoutKeep(uint32_t key, uint32_t index, float ratio) {
  return uniform(key, index) >= ratio;
}

} // namespace nabla::rng
