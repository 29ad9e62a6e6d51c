// Helpers for the Halide backend tests: seeded random inputs, JIT-running a
// function from IR text, and comparing against an oracle: the reference
// interpreter (referenceOracle) or, for a few properties, a direct formula.
#pragma once

#include "backends/halide/Executable.h"
#include "tests/unit/TestSupport.h"

#include <functional>
#include <random>

namespace nabla::testing {

using reference::RefTensor;
using Oracle = std::function<std::vector<RefTensor>(const std::vector<RefTensor> &)>;

/// |halide - oracle| <= atol + rtol * |oracle|, elementwise.
struct Tolerance {
  double rtol, atol;
};

/// A seeded generator per test, so failures reproduce.
std::mt19937 &rng();
void reseed(uint32_t seed);

Tensor randomTensor(const Shape &shape, float lo = -1.0f, float hi = 1.0f);
/// Integer class labels in [0, classes).
Tensor randomLabels(int64_t batch, int64_t classes);

/// Parses `source` and JIT-compiles `name` for `target` (Executable::compileJit).
halide::Executable compileSource(const std::string &source, const std::string &name,
                                 const std::string &target = "host");

/// The Halide statement text (`halide-stmt`) of `name` of `source` for the
/// host: what a test reads to check where a schedule put a loop or buffer.
std::string halideStmt(const std::string &source, const std::string &name);

/// The reference interpreter as an oracle for `name` of `source`.
Oracle referenceOracle(const std::string &source, const std::string &name);

/// Runs `name` on `inputs` through the Halide JIT and expects every result to
/// match the oracle's within `tol`.
void expectMatchesOracle(const std::string &source, const std::string &name,
                         const std::vector<Tensor> &inputs, const Oracle &oracle, Tolerance tol);

/// Compares one result (any dtype) with its oracle value.
void expectTensorNear(const Tensor &actual, const RefTensor &expected, Tolerance tol,
                      const std::string &what);

std::vector<RefTensor> toRef(const std::vector<Tensor> &tensors);

/// `func @f(%a0: argTypes[0], ...) -> resultType { body; return %y }`.
std::string funcSource(const std::vector<std::string> &argTypes, const std::string &resultType,
                       const std::string &body);

/// "tensor<?x3x8x8xf32>" from a shape with -1 for a dynamic dim.
std::string tensorType(const Shape &shape, const std::string &element = "f32");

} // namespace nabla::testing
