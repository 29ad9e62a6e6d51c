#include "frontend/Init.h"

#include "runtime/Error.h"

#include <cmath>
#include <random>

namespace nabla::dsl {

namespace {
/// FNV-1a: a fixed string hash, so a seed means the same values with any
/// standard library (std::hash is implementation-defined).
uint64_t fnv1a(const std::string &text) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}
} // namespace

int64_t fanIn(const Shape &shape) {
  if (shape.empty()) return 1;
  if (shape.size() == 2) return shape[0]; // affine weight [in, out]
  int64_t n = 1;                          // conv OIHW: everything but O
  for (size_t i = 1; i < shape.size(); ++i) n *= shape[i];
  return n;
}

Tensor Initializer::sample(const Shape &shape, uint64_t seed, const std::string &name) const {
  Tensor t(shape, DType::F32);
  float *data = t.data<float>();
  switch (kind) {
  case Kind::Zeros: return t;
  case Kind::Ones:
    std::fill(data, data + t.numel(), 1.0f);
    return t;
  case Kind::Normal: case Kind::Xavier: case Kind::He: break;
  }
  double sigma = kind == Kind::Normal   ? std
                 : kind == Kind::Xavier ? std::sqrt(1.0 / double(fanIn(shape)))
                                        : std::sqrt(2.0 / double(fanIn(shape)));
  // One stream per (seed, parameter name): adding a parameter does not change
  // the values of the others.
  std::mt19937_64 rng(seed ^ fnv1a(name));
  std::normal_distribution<double> normal(0.0, sigma);
  for (int64_t i = 0; i < t.numel(); ++i) data[i] = float(normal(rng));
  return t;
}

std::string Initializer::describe() const {
  switch (kind) {
  case Kind::Zeros: return "zeros";
  case Kind::Ones: return "ones";
  case Kind::Normal: return "normal(std=" + std::to_string(std) + ")";
  case Kind::Xavier: return "xavier";
  case Kind::He: return "he";
  }
  return "?";
}

} // namespace nabla::dsl
