#include "tests/unit/GradCheck.h"

#include "backends/reference/Interpreter.h"
#include "passes/Passes.h"
#include "tests/unit/TestSupport.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"

#include <cmath>

using namespace mlir;

namespace nabla::testing {

using reference::RefTensor;

bool differentiate(ModuleOp module, const std::string &function) {
  std::string errors;
  ScopedDiagnosticHandler handler(module.getContext(), [&](Diagnostic &diag) {
    errors += diag.str() + "\n";
    return success();
  });
  PassManager pm(module.getContext());
  pm.addPass(createAutodiffPass(function));
  bool ok = succeeded(pm.run(module));
  EXPECT_TRUE(ok) << "--nabla-autodiff failed:\n" << errors;
  return ok;
}

RefTensor randomTensor(const Shape &shape, std::mt19937_64 &rng, double lo, double hi) {
  std::uniform_real_distribution<double> dist(lo, hi);
  RefTensor t(shape);
  for (double &v : t.data) v = dist(rng);
  return t;
}

void expectGradientsMatch(ModuleOp module, const std::string &function,
                          const std::vector<RefTensor> &args, GradCheckOptions options) {
  if (!differentiate(module, function)) return;
  reference::Interpreter interp(module);
  auto grad = module.lookupSymbol<FuncOp>(function + "_grad");
  auto original = module.lookupSymbol<FuncOp>(function);
  ASSERT_TRUE(grad && original);
  std::vector<RefTensor> analytic = interp.call(grad.getName(), args);
  unsigned firstGrad = original.getNumResults();

  // The differentiated arguments, in the order their gradients are returned.
  std::vector<unsigned> wrt;
  for (unsigned r = firstGrad; r < grad.getNumResults(); ++r) {
    auto name = grad.getResultAttrOfType<StringAttr>(r, "nabla.name").getValue();
    for (unsigned i = 0; i < grad.getNumArguments(); ++i) {
      auto argName = grad.getArgAttrOfType<StringAttr>(i, "nabla.name");
      std::string label = "grad:" + (argName ? argName.getValue().str() : "arg" + std::to_string(i));
      if (label == name) wrt.push_back(i);
    }
  }
  ASSERT_EQ(wrt.size(), grad.getNumResults() - firstGrad) << "cannot map gradients to arguments";

  auto lossAt = [&](const std::vector<RefTensor> &a) { return interp.call(function, a)[0][0]; };
  for (size_t k = 0; k < wrt.size(); ++k) {
    unsigned arg = wrt[k];
    const RefTensor &g = analytic[firstGrad + k];
    ASSERT_EQ(g.shape, args[arg].shape) << "gradient of argument " << arg << " has the wrong shape";
    int64_t n = args[arg].numel();
    int64_t stride = std::max<int64_t>(1, n / options.maxEntriesPerArg);
    for (int64_t i = 0; i < n; i += stride) {
      std::vector<RefTensor> plus = args, minus = args;
      plus[arg][i] += options.eps;
      minus[arg][i] -= options.eps;
      double numeric = (lossAt(plus) - lossAt(minus)) / (2 * options.eps);
      EXPECT_NEAR(g[i], numeric, options.atol + options.rtol * std::abs(numeric))
          << "@" << function << " argument " << arg << " entry " << i;
    }
  }
}

void expectGradientsMatch(const std::string &source, const std::string &function,
                          const std::vector<RefTensor> &args, GradCheckOptions options) {
  auto context = makeContext();
  auto module = parse(*context, source);
  ASSERT_TRUE(module);
  expectGradientsMatch(*module, function, args, options);
}

} // namespace nabla::testing
