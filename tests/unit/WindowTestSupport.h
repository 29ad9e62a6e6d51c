// Helpers for the conv and pool reference tests: MLIR type strings, seeded
// random tensors, inner products and central finite differences, and a
// module parsed once and called many times (finite differences call the
// forward function twice per element).
#pragma once

#include "tests/unit/TestSupport.h"

#include "runtime/Error.h"

#include <algorithm>
#include <functional>
#include <iterator>
#include <random>
#include <string>

namespace nabla::testing {

/// "tensor<2x3x4x4xf32>"; -1 stands for a dynamic dimension.
inline std::string tensorType(const Shape &shape) {
  std::string s = "tensor<";
  for (int64_t d : shape) s += (d < 0 ? std::string("?") : std::to_string(d)) + "x";
  return s + "f32>";
}

/// "[1, 2]"
template <typename Ints> std::string intList(const Ints &values) {
  std::string s = "[";
  for (size_t i = 0; i < std::size(values); ++i) s += (i ? ", " : "") + std::to_string(values[i]);
  return s + "]";
}

inline reference::RefTensor randomTensor(const Shape &shape, std::mt19937 &rng) {
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  reference::RefTensor t(shape);
  for (double &v : t.data) v = uniform(rng);
  return t;
}

/// Distinct values at least 0.01 apart in random order, so a max has no ties
/// and a finite-difference step cannot change which element wins.
inline reference::RefTensor distinctTensor(const Shape &shape, std::mt19937 &rng) {
  reference::RefTensor t(shape);
  for (int64_t i = 0; i < t.numel(); ++i) t[i] = 0.01 * double(i) - 0.3;
  std::shuffle(t.data.begin(), t.data.end(), rng);
  return t;
}

inline double dot(const reference::RefTensor &a, const reference::RefTensor &b) {
  EXPECT_EQ(a.shape, b.shape);
  double sum = 0;
  for (int64_t i = 0; i < a.numel() && i < b.numel(); ++i) sum += a[i] * b[i];
  return sum;
}

/// d f / d x by central differences, one element at a time.
inline reference::RefTensor finiteDifference(
    const std::function<double(const reference::RefTensor &)> &f, reference::RefTensor x,
    double eps = 1e-6) {
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

/// A module parsed once, whose functions run on the reference interpreter.
class ParsedModule {
public:
  explicit ParsedModule(const std::string &source)
      : context_(makeContext()), module_(parse(*context_, source)) {}
  bool ok() const { return bool(module_); }
  std::vector<reference::RefTensor> call(llvm::StringRef name,
                                         std::vector<reference::RefTensor> args) {
    return reference::Interpreter(*module_).call(name, std::move(args));
  }
  reference::RefTensor call1(llvm::StringRef name, std::vector<reference::RefTensor> args) {
    return call(name, std::move(args)).at(0);
  }

private:
  std::unique_ptr<mlir::MLIRContext> context_;
  mlir::OwningOpRef<mlir::ModuleOp> module_;
};

/// Runs `body` and expects a nabla::Error whose message contains `needle`.
inline void expectErrorContaining(const std::function<void()> &body, const std::string &needle) {
  try {
    body();
    ADD_FAILURE() << "expected a nabla::Error containing \"" << needle << "\"";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

} // namespace nabla::testing
