// nabla-opt: parses, verifies and prints nabla IR and runs any registered
// pass on it (the mlir-opt of this project).
#include "ir/Dialect.h"
#include "passes/Passes.h"
#include "tools/NestingCheck.h"

#include "mlir/IR/Dialect.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

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
  // The input files (arguments that are not options nor -o's value), checked
  // before MlirOptMain parses them: see tools/NestingCheck.h.
  for (int i = 1; i < argc; ++i) {
    llvm::StringRef arg = argv[i];
    if (arg == "-o") ++i;
    if (arg.startswith("-") || i >= argc) continue;
    auto buffer = llvm::MemoryBuffer::getFile(arg);
    if (!buffer) continue; // MlirOptMain reports it
    try {
      nabla::tools::checkNesting((*buffer)->getBuffer(), arg.str());
    } catch (const nabla::Error &e) {
      llvm::errs() << "nabla-opt: error: " << e.what() << "\n";
      return 1;
    }
  }
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "nabla optimizer driver\n", registry));
}
