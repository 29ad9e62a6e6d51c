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

namespace {

/// Hides the options registered so far, which are LLVM's own (hundreds of
/// code generator flags for every target libLLVM holds); MLIR's and the
/// passes' come inside MlirOptMain. Hidden, they still work. LLVM does the
/// hiding (every option outside a category of none of them, but for --help
/// and --version): a loop here over its options would trip UBSan's vptr
/// check, as libLLVM is built without RTTI.
void hideLlvmOptions() {
  static llvm::cl::OptionCategory none("none of LLVM's options");
  llvm::cl::HideUnrelatedOptions(none);
}

/// Checks the input files (the arguments that are neither options nor -o's
/// value) before MlirOptMain parses them (tools/NestingCheck.h); false after
/// reporting one that nests too deep.
bool inputsNestShallowly(int argc, char **argv) {
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
      return false;
    }
  }
  return true;
}

} // namespace

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  nabla::registerNablaDialects(registry);
  // Generic cleanups that users combine with nabla's passes.
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  mlir::registerSymbolDCEPass();
  mlir::registerInlinerPass();
  nabla::registerNablaPasses();
  hideLlvmOptions();
  if (!inputsNestShallowly(argc, argv)) return 1;
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "nabla optimizer driver\n", registry));
}
