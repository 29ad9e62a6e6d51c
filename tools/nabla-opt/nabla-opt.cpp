// nabla-opt: parses, verifies and prints nabla IR and runs any registered
// pass on it (the mlir-opt of this project).
#include "ir/Dialect.h"
#include "passes/Passes.h"

#include "mlir/IR/Dialect.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/CommandLine.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  nabla::registerNablaDialects(registry);
  // Generic cleanups that users combine with nabla's passes.
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  mlir::registerSymbolDCEPass();
  mlir::registerInlinerPass();
  nabla::registerNablaPasses();
  // The options registered so far are LLVM's own (hundreds of code generator
  // flags for every target libLLVM holds); MLIR's and the passes' come
  // inside MlirOptMain. Hidden, they still work and --help-hidden lists them.
  for (auto &option : llvm::cl::getRegisteredOptions()) {
    llvm::StringRef name = option.getKey();
    if (!name.startswith("help") && name != "version")
      option.getValue()->setHiddenFlag(llvm::cl::Hidden);
  }
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "nabla optimizer driver\n", registry));
}
