// The host target runs on this CPU. Halide 14 takes AMD's Zen 4 for a
// Sapphire Rapids (AVX-512 with BF16 and VNNI), and LLVM then encodes 128-
// and 256-bit integer dot products as AVX-VNNI (VEX), which Zen 4 lacks:
// this test died of SIGILL there before hostTarget() dropped the feature.
// Elsewhere it checks the same product on whatever the host target picks.
#include "backends/halide/Targets.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace {

TEST(HalideHostTarget, IntegerDotProductsRunOnThisCpu) {
  constexpr int kOutputs = 64;
  Halide::ImageParam a(Halide::Int(16), 1, "a"), b(Halide::Int(16), 1, "b");
  Halide::ImageParam c(Halide::Int(32), 1, "c");
  Halide::Var x("x");
  Halide::RDom r(0, 2, "r");
  // Pairs of 16-bit products summed into 32 bits on top of c: the shape of
  // pmaddwd + add, which VNNI fuses into one vpdpwssd.
  Halide::Func dot("dot");
  dot(x) = c(x);
  dot(x) += Halide::cast<int32_t>(a(2 * x + r)) * Halide::cast<int32_t>(b(2 * x + r));
  dot.vectorize(x, 8);
  dot.update().atomic().vectorize(r).vectorize(x, 8);

  Halide::Buffer<int16_t> aValues(2 * kOutputs), bValues(2 * kOutputs);
  Halide::Buffer<int32_t> cValues(kOutputs);
  for (int i = 0; i < 2 * kOutputs; ++i) {
    aValues(i) = int16_t(i % 7 * 1000 - 3000);
    bValues(i) = int16_t(i % 5 * 700 - 1400);
  }
  for (int i = 0; i < kOutputs; ++i) cValues(i) = i * 100003;
  a.set(aValues);
  b.set(bValues);
  c.set(cValues);
  Halide::Buffer<int32_t> out = dot.realize({kOutputs}, nabla::halide::hostTarget());
  for (int i = 0; i < kOutputs; ++i) {
    int32_t expected = cValues(i) + int32_t(aValues(2 * i)) * bValues(2 * i) +
                       int32_t(aValues(2 * i + 1)) * bValues(2 * i + 1);
    EXPECT_EQ(out(i), expected) << "output " << i;
  }
}

} // namespace
