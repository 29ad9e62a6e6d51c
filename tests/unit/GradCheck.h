// Numerical gradient checks: the gradient function that --nabla-autodiff
// builds is run on the reference interpreter (double precision) and compared
// with central differences of the original function, also in double.
#pragma once

#include "backends/reference/RefTensor.h"

#include "mlir/IR/BuiltinOps.h"

#include <random>
#include <string>
#include <vector>

namespace nabla::testing {

/// Runs --nabla-autodiff on `function` of `module`; fails the test on error.
bool differentiate(mlir::ModuleOp module, const std::string &function);

struct GradCheckOptions {
  double eps = 1e-6;   // central-difference step
  double rtol = 1e-6;  // |analytic - numeric| <= atol + rtol * |numeric|
  double atol = 1e-8;
  int maxEntriesPerArg = 64; // entries checked per argument (evenly spread)
};

/// Differentiates `function` of `source` and checks every differentiated
/// argument's gradient at `args` against central differences.
void expectGradientsMatch(const std::string &source, const std::string &function,
                          const std::vector<reference::RefTensor> &args,
                          GradCheckOptions options = {});

/// Same for a module that is already built (e.g. by the DSL).
void expectGradientsMatch(mlir::ModuleOp module, const std::string &function,
                          const std::vector<reference::RefTensor> &args,
                          GradCheckOptions options = {});

/// A tensor of `shape` with entries uniform in [lo, hi).
reference::RefTensor randomTensor(const Shape &shape, std::mt19937_64 &rng, double lo = -1.0,
                                  double hi = 1.0);

} // namespace nabla::testing
