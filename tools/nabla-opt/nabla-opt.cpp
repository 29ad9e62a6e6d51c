// nabla-opt: parses, verifies and prints nabla IR and runs any registered
// pass on it (the mlir-opt of this project).
#include "ir/Dialect.h"
#include "passes/Passes.h"

#include "mlir/IR/Dialect.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  nabla::registerNablaDialects(registry);
  // Generic cleanups that users combine with nabla's passes.
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  mlir::registerSymbolDCEPass();
  mlir::registerInlinerPass();
  nabla::registerNablaPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "nabla optimizer driver\n", registry));
}
