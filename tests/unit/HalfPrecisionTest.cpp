// f16 and bf16 conversions: the encodings of values with a known answer, the
// rounding rule at ties, overflow and subnormals, and agreement with Halide's
// own float16_t / bfloat16_t (an independent implementation) on a million
// random f32 bit patterns.
#include "runtime/HalfPrecision.h"

#include <Halide.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

using namespace nabla;

namespace {
float floatOf(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}
uint16_t f16(float v) { return toHalfBits(v, HalfFormat::F16); }
uint16_t bf16(float v) { return toHalfBits(v, HalfFormat::BF16); }
} // namespace

TEST(HalfPrecision, KnownF16Encodings) {
  EXPECT_EQ(f16(0.0f), 0x0000);
  EXPECT_EQ(f16(-0.0f), 0x8000);
  EXPECT_EQ(f16(1.0f), 0x3c00);
  EXPECT_EQ(f16(-2.0f), 0xc000);
  EXPECT_EQ(f16(65504.0f), 0x7bff);             // the largest finite f16
  EXPECT_EQ(f16(65519.0f), 0x7bff);             // below the halfway point to 65536
  EXPECT_EQ(f16(65520.0f), 0x7c00);             // the halfway point rounds to infinity
  EXPECT_EQ(f16(1e6f), 0x7c00);
  EXPECT_EQ(f16(std::ldexp(1.0f, -14)), 0x0400); // the smallest normal
  EXPECT_EQ(f16(std::ldexp(1.0f, -24)), 0x0001); // the smallest subnormal
  EXPECT_EQ(f16(std::ldexp(1.0f, -25)), 0x0000); // a tie between 0 and 2^-24: to even (0)
  EXPECT_EQ(f16(std::ldexp(3.0f, -25)), 0x0002); // a tie between 1 and 2 units: to even (2)
  EXPECT_EQ(f16(1.0f / 3.0f), 0x3555);
  // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: to even (1).
  EXPECT_EQ(f16(1.0f + std::ldexp(1.0f, -11)), 0x3c00);
  EXPECT_EQ(f16(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);
  EXPECT_EQ(f16(std::numeric_limits<float>::infinity()), 0x7c00);
  EXPECT_TRUE(std::isnan(fromHalfBits(f16(NAN), HalfFormat::F16)));
  EXPECT_EQ(fromHalfBits(0x3555, HalfFormat::F16), 0.333251953125f);
  EXPECT_EQ(fromHalfBits(0x0001, HalfFormat::F16), std::ldexp(1.0f, -24));
}

TEST(HalfPrecision, KnownBf16Encodings) {
  EXPECT_EQ(bf16(1.0f), 0x3f80);
  EXPECT_EQ(bf16(1.0f / 3.0f), 0x3eab);
  EXPECT_EQ(bf16(65504.0f), 0x4780); // f32's range: no overflow, 65536
  EXPECT_EQ(bf16(1e38f), 0x7e96); // 0x7e967699: the dropped half is below 0x8000
  EXPECT_EQ(bf16(1.0f + std::ldexp(1.0f, -8)), 0x3f80); // tie to even
  EXPECT_EQ(bf16(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3f82);
  // A NaN whose payload lies only in the dropped bits stays a NaN.
  EXPECT_TRUE(std::isnan(fromHalfBits(bf16(floatOf(0x7f800001)), HalfFormat::BF16)));
  EXPECT_EQ(fromHalfBits(0x3eab, HalfFormat::BF16), 0.333984375f);
}

TEST(HalfPrecision, AgreesWithHalideOnRandomBitPatterns) {
  std::mt19937 rng(7);
  for (int i = 0; i < 1000000; ++i) {
    float v = floatOf(uint32_t(rng()));
    uint16_t ours16 = f16(v), oursB = bf16(v);
    if (std::isnan(v)) {
      EXPECT_TRUE(std::isnan(fromHalfBits(ours16, HalfFormat::F16)));
      EXPECT_TRUE(std::isnan(fromHalfBits(oursB, HalfFormat::BF16)));
      continue;
    }
    ASSERT_EQ(ours16, Halide::float16_t(v).to_bits()) << v;
    ASSERT_EQ(oursB, Halide::bfloat16_t(v).to_bits()) << v;
    ASSERT_EQ(fromHalfBits(ours16, HalfFormat::F16), float(Halide::float16_t::make_from_bits(ours16))) << v;
    ASSERT_EQ(fromHalfBits(oursB, HalfFormat::BF16), float(Halide::bfloat16_t::make_from_bits(oursB))) << v;
  }
}

TEST(HalfPrecision, RoundThroughKeepsShapeAndRoundsEveryElement) {
  Tensor t = Tensor::fromVector<float>({2, 2}, {1.0f / 3.0f, 65536.0f, -1e-8f, 0.1f});
  Tensor h = roundThrough(t, HalfFormat::F16);
  EXPECT_EQ(h.shape(), t.shape());
  EXPECT_EQ(h.at(0), 0.333251953125);
  EXPECT_TRUE(std::isinf(h.at(1)));
  EXPECT_EQ(h.at(2), 0.0); // -1e-8 is below half of 2^-24: a (negative) zero
  EXPECT_NEAR(h.at(3), 0.1, 0.1 * std::ldexp(1.0, -11)); // half an ulp of f16
  Tensor b = roundThrough(t, HalfFormat::BF16);
  EXPECT_EQ(b.at(1), 65536.0);
  EXPECT_NEAR(b.at(3), 0.1, 0.1 * std::ldexp(1.0, -8));
  EXPECT_EQ(t.at(0), double(1.0f / 3.0f)); // the input is untouched
  EXPECT_THROW(roundThrough(Tensor({2}, DType::F64), HalfFormat::F16), std::exception);
}
