// Helpers for the conv and pool reference tests: MLIR type strings, seeded
// random tensors, inner products and errors expected; CentralDifference.h
// adds the module parsed once and called many times, and the numerical
// gradients (two calls of the forward function per element).
#pragma once

#include "tests/unit/CentralDifference.h"
#include "tests/unit/TestSupport.h"

#include "runtime/Error.h"

#include <algorithm>
#include <functional>
#include <iterator>
#include <random>
#include <string>

namespace nabla::testing {

/// "tensor<2x3x4x4xf32>"; -1 stands for a dynamic dimension.
inline std::string tensorType(const Shape &shape) {
  std::string s = "tensor<";
  for (int64_t d : shape) s += (d < 0 ? std::string("?") : std::to_string(d)) + "x";
  return s + "f32>";
}

/// "[1, 2]"
template <typename Ints> std::string intList(const Ints &values) {
  std::string s = "[";
  for (size_t i = 0; i < std::size(values); ++i) s += (i ? ", " : "") + std::to_string(values[i]);
  return s + "]";
}

inline reference::RefTensor randomTensor(const Shape &shape, std::mt19937 &rng) {
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  reference::RefTensor t(shape);
  for (double &v : t.data) v = uniform(rng);
  return t;
}

/// Distinct values at least 0.01 apart in random order, so a max has no ties
/// and a finite-difference step cannot change which element wins.
inline reference::RefTensor distinctTensor(const Shape &shape, std::mt19937 &rng) {
  reference::RefTensor t(shape);
  for (int64_t i = 0; i < t.numel(); ++i) t[i] = 0.01 * double(i) - 0.3;
  std::shuffle(t.data.begin(), t.data.end(), rng);
  return t;
}

inline double dot(const reference::RefTensor &a, const reference::RefTensor &b) {
  EXPECT_EQ(a.shape, b.shape);
  double sum = 0;
  for (int64_t i = 0; i < a.numel() && i < b.numel(); ++i) sum += a[i] * b[i];
  return sum;
}

/// Runs `body` and expects a nabla::Error whose message contains `needle`.
inline void expectErrorContaining(const std::function<void()> &body, const std::string &needle) {
  try {
    body();
    ADD_FAILURE() << "expected a nabla::Error containing \"" << needle << "\"";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

} // namespace nabla::testing
