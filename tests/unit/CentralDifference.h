// Numerical gradients for checking backward kernels: central differences of
// a scalar function of one tensor, and a module parsed once so the function
// can be evaluated many times cheaply.
#pragma once

#include "tests/unit/TestSupport.h"

#include <functional>

namespace nabla::testing {

/// A parsed module kept alive together with its context, for repeated calls.
class ParsedModule {
public:
  explicit ParsedModule(llvm::StringRef source)
      : context_(makeContext()), module_(parse(*context_, source)) {}
  bool ok() const { return bool(module_); }
  std::vector<reference::RefTensor> call(llvm::StringRef name,
                                         std::vector<reference::RefTensor> args) const {
    return reference::Interpreter(*module_).call(name, std::move(args));
  }
  /// The first result of `name`.
  reference::RefTensor call1(llvm::StringRef name, std::vector<reference::RefTensor> args) const {
    return call(name, std::move(args)).at(0);
  }

private:
  std::unique_ptr<mlir::MLIRContext> context_;
  mlir::OwningOpRef<mlir::ModuleOp> module_;
};

/// d f / d x[i] ~ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps) for every i.
/// The truncation error is eps^2/6 * f''' and the rounding error about
/// |f| * 1e-16 / eps, so eps = 1e-6 leaves ~1e-10 for O(1) functions.
inline reference::RefTensor
centralDifference(const std::function<double(const reference::RefTensor &)> &f,
                  reference::RefTensor x, double eps = 1e-6) {
  reference::RefTensor grad(x.shape);
  for (int64_t i = 0; i < x.numel(); ++i) {
    double saved = x[i];
    x[i] = saved + eps;
    double plus = f(x);
    x[i] = saved - eps;
    double minus = f(x);
    x[i] = saved;
    grad[i] = (plus - minus) / (2 * eps);
  }
  return grad;
}

} // namespace nabla::testing
