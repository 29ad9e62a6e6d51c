// Parameter initializers of the curriculum: normal(std) (the book's
// weight_init_std, 0.01 by default), zeros, ones, Xavier (std sqrt(1/n)) and
// He (std sqrt(2/n)), where n is the fan-in: the product of all dimensions
// but the output one (conv OIHW: C*KH*KW; affine [in, out]: in).
#pragma once

#include "runtime/Tensor.h"

#include <cstdint>
#include <string>

namespace nabla::dsl {

struct Initializer {
  enum class Kind { Zeros, Ones, Normal, Xavier, He };
  Kind kind = Kind::Zeros;
  double std = 0.0; // for Normal

  /// Draws a tensor of `shape`; `seed` and `name` together pick the stream,
  /// so each parameter gets its own reproducible values.
  Tensor sample(const Shape &shape, uint64_t seed, const std::string &name) const;
  std::string describe() const;
};

namespace init {
inline Initializer zeros() { return {Initializer::Kind::Zeros, 0.0}; }
inline Initializer ones() { return {Initializer::Kind::Ones, 0.0}; }
inline Initializer normal(double std = 0.01) { return {Initializer::Kind::Normal, std}; }
inline Initializer xavier() { return {Initializer::Kind::Xavier, 0.0}; }
inline Initializer he() { return {Initializer::Kind::He, 0.0}; }
} // namespace init

/// The fan-in used by Xavier and He for a parameter of `shape`.
int64_t fanIn(const Shape &shape);

} // namespace nabla::dsl
