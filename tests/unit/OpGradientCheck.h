// Builds a one-op test function for gradient checks:
//   @loss(params..., %r) = reduce_sum(op(params...) * r)
// with r a fixed random weight (role "input", not differentiated), so every
// entry of the op's result contributes with its own coefficient.
#pragma once

#include "tests/unit/GradCheck.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace nabla::testing {

struct OpUnderTest {
  std::vector<std::string> argTypes; // e.g. "tensor<3x4xf32>", one per operand
  std::string body;                  // uses %a0, %a1, ...; defines %out
  std::string outType;               // the type of %out
  std::vector<bool> differentiate;   // per operand; default all true
};

inline std::string opLossSource(const OpUnderTest &op) {
  std::string sig, names;
  for (size_t i = 0; i < op.argTypes.size(); ++i) {
    bool param = op.differentiate.empty() || op.differentiate[i];
    sig += "%a" + std::to_string(i) + ": " + op.argTypes[i] + " {nabla.name = \"a" +
           std::to_string(i) + "\", nabla.role = \"" + (param ? "param" : "input") + "\"}, ";
  }
  return "func @loss(" + sig + "%r: " + op.outType +
         " {nabla.name = \"r\", nabla.role = \"input\"}) -> tensor<f32> {\n" + op.body +
         "\n  %w = nabla.mul %out, %r : (" + op.outType + ", " + op.outType + ") -> " +
         op.outType + "\n  %l = nabla.reduce_sum %w : (" + op.outType +
         ") -> tensor<f32>\n  return %l : tensor<f32>\n}\n";
}

/// Random arguments (then r) for shapes; `positive` keeps inputs in [0.5, 2).
inline void checkOpGradient(const OpUnderTest &op, const std::vector<Shape> &argShapes,
                            const Shape &outShape, std::mt19937_64 &rng, bool positive = false,
                            GradCheckOptions options = {}) {
  std::vector<reference::RefTensor> args;
  for (const Shape &s : argShapes)
    args.push_back(positive ? randomTensor(s, rng, 0.5, 2.0) : randomTensor(s, rng));
  args.push_back(randomTensor(outShape, rng));
  expectGradientsMatch(opLossSource(op), "loss", args, options);
}

} // namespace nabla::testing
