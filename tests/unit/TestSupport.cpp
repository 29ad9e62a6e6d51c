#include "tests/unit/TestSupport.h"

#include "ir/Dialect.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser.h"

#include <cmath>

namespace nabla::testing {

std::unique_ptr<mlir::MLIRContext> makeContext() {
  mlir::DialectRegistry registry;
  registerNablaDialects(registry);
  auto context = std::make_unique<mlir::MLIRContext>(registry);
  context->loadAllAvailableDialects();
  return context;
}

mlir::OwningOpRef<mlir::ModuleOp> parse(mlir::MLIRContext &context, llvm::StringRef source) {
  std::string errors;
  mlir::ScopedDiagnosticHandler handler(&context, [&](mlir::Diagnostic &diag) {
    errors += diag.str() + "\n";
    return mlir::success();
  });
  auto module = mlir::parseSourceString<mlir::ModuleOp>(source, &context);
  EXPECT_TRUE(module) << "failed to parse:\n" << source.str() << "\n" << errors;
  return module;
}

std::vector<reference::RefTensor> runReference(llvm::StringRef source, llvm::StringRef name,
                                               std::vector<reference::RefTensor> args) {
  auto context = makeContext();
  auto module = parse(*context, source);
  if (!module) return {};
  return reference::Interpreter(*module).call(name, std::move(args));
}

void expectNear(const reference::RefTensor &actual, const reference::RefTensor &expected,
                double rtol, double atol) {
  ASSERT_EQ(actual.shape, expected.shape);
  for (int64_t i = 0; i < actual.numel(); ++i)
    EXPECT_LE(std::abs(actual[i] - expected[i]), atol + rtol * std::abs(expected[i]))
        << "element " << i << ": " << actual[i] << " vs " << expected[i];
}

} // namespace nabla::testing
