// 16-bit floating-point storage: IEEE half (f16: 1 sign, 5 exponent, 10
// mantissa bits) and bfloat16 (bf16: 1, 8, 7 - f32's range with 8 bits of
// precision). The lesson on half precision stores trained f32 weights in one of
// them and computes in f32 again; these conversions are how a value gets
// there and back. Both round to nearest, ties to even, as hardware does; f16
// overflows to infinity above 65504 and keeps values down to 2^-24 as
// subnormals, bf16 only loses precision.
#pragma once

#include "runtime/Tensor.h"

#include <cstdint>

namespace nabla {

enum class HalfFormat { F16, BF16 };

/// "f16" or "bf16".
const char *halfFormatName(HalfFormat format);

/// The 16-bit encoding of `value` in `format`, rounded to nearest even.
uint16_t toHalfBits(float value, HalfFormat format);
/// The f32 value of a 16-bit encoding (exact: every f16 and bf16 value is an f32).
float fromHalfBits(uint16_t bits, HalfFormat format);

/// A copy of an f32 tensor with every element stored in `format` and read
/// back: the values a model whose weights are kept in that format computes with.
Tensor roundThrough(const Tensor &t, HalfFormat format);

} // namespace nabla
