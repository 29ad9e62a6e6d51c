// Seeded inputs for nabla's benchmark programs: the same values in every run
// and in every program that asks for the same shape and seed.
#pragma once

#include "runtime/Tensor.h"

#include <random>

namespace nabla::bench {

/// Uniform f32 values in [lo, hi).
inline Tensor randomTensor(const Shape &shape, unsigned seed, float lo = -1, float hi = 1) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> value(lo, hi);
  Tensor t(shape, DType::F32);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = value(rng);
  return t;
}

/// A batch of 28x28 single-channel images, pixels in [0, 1).
inline Tensor randomImages(int64_t batch) { return randomTensor({batch, 1, 28, 28}, 7, 0, 1); }

/// Class labels in [0, 10).
inline Tensor randomLabels(int64_t batch) {
  std::mt19937 rng(8);
  Tensor t({batch}, DType::I64);
  for (int64_t i = 0; i < batch; ++i) t.data<int64_t>()[i] = int64_t(rng() % 10);
  return t;
}

} // namespace nabla::bench
