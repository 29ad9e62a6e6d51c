#include "runtime/HalfPrecision.h"

#include "runtime/Error.h"

#include <cmath>
#include <cstring>

namespace nabla {

namespace {

uint32_t bitsOf(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

float floatOf(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

constexpr uint32_t kF32Inf = 0x7f800000;

uint16_t toF16(float value) {
  uint32_t x = bitsOf(value);
  uint16_t sign = uint16_t((x >> 16) & 0x8000);
  uint32_t abs = x & 0x7fffffff;
  if (abs > kF32Inf) return sign | 0x7e00; // NaN: a quiet NaN
  // 65520 = 65504 + half an f16 step there: it and above round to infinity.
  if (abs >= 0x477ff000) return sign | 0x7c00;
  if (abs < 0x38800000) {
    // Below 2^-14, f16 is subnormal: a multiple of 2^-24. Scaling by 2^24 is
    // exact in f32, and nearbyint rounds to nearest even in the default
    // rounding mode; 1024 (a value that rounds up to 2^-14) is exactly the
    // encoding of the smallest normal number.
    return sign | uint16_t(std::nearbyint(floatOf(abs) * 16777216.0f));
  }
  // Normal: drop 13 mantissa bits, rounding to nearest even (a carry into the
  // exponent is the right result), and rebias the exponent from 127 to 15.
  uint32_t rounded = abs + 0xfff + ((abs >> 13) & 1);
  return sign | uint16_t((rounded - (uint32_t(127 - 15) << 23)) >> 13);
}

float fromF16(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16;
  uint32_t exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
  if (exponent == 0) { // zero or subnormal: mantissa * 2^-24, exact in f32
    float v = std::ldexp(float(mantissa), -24);
    return sign ? -v : v;
  }
  if (exponent == 31) return floatOf(sign | kF32Inf | (mantissa << 13)); // infinity, NaN
  return floatOf(sign | ((exponent + 127 - 15) << 23) | (mantissa << 13));
}

uint16_t toBf16(float value) {
  uint32_t x = bitsOf(value);
  // A NaN whose payload sits in the dropped bits must not round to infinity.
  if ((x & 0x7fffffff) > kF32Inf) return uint16_t((x >> 16) | 0x40);
  // bf16 is f32's top half: round the low 16 bits away to nearest even.
  return uint16_t((x + 0x7fff + ((x >> 16) & 1)) >> 16);
}

float fromBf16(uint16_t b) { return floatOf(uint32_t(b) << 16); }

} // namespace

const char *halfFormatName(HalfFormat format) { return format == HalfFormat::F16 ? "f16" : "bf16"; }

uint16_t toHalfBits(float value, HalfFormat format) {
  return format == HalfFormat::F16 ? toF16(value) : toBf16(value);
}

float fromHalfBits(uint16_t bits, HalfFormat format) {
  return format == HalfFormat::F16 ? fromF16(bits) : fromBf16(bits);
}

Tensor roundThrough(const Tensor &t, HalfFormat format) {
  if (t.dtype() != DType::F32)
    throw Error(std::string("roundThrough: want an f32 tensor, got ") + t.describe());
  Tensor out = t.clone();
  for (float &v : out.span<float>()) v = fromHalfBits(toHalfBits(v, format), format);
  return out;
}

} // namespace nabla
