// nabla-opt: parses, verifies and prints nabla IR and runs any registered
// pass on it (the mlir-opt of this project).
#include "ir/Dialect.h"
#include "passes/Passes.h"
#include "tools/NestingCheck.h"
#include "tools/OutputFile.h"

#include "mlir/IR/Dialect.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

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

/// Where -o's file name is in argv: "-o FILE" (an argument of its own, no
/// prefix), "-o=FILE" or "--o=FILE" (after the prefix). Index -1 and file
/// "-" (standard output) without one.
struct OutputArgument {
  int index = -1;
  std::string prefix, file = "-";
};

OutputArgument findOutput(int argc, char **argv) {
  for (int i = 1; i < argc; ++i) {
    llvm::StringRef arg = argv[i];
    if ((arg == "-o" || arg == "--o") && i + 1 < argc) return {i + 1, "", argv[i + 1]};
    for (llvm::StringRef prefix : {"-o=", "--o="})
      if (arg.startswith(prefix)) return {i, prefix.str(), arg.drop_front(prefix.size()).str()};
  }
  return {};
}

/// MlirOptMain failed and said why.
struct Failed {};

/// The temporary file MlirOptMain writes while it runs, removed on a fatal error.
std::string temporaryOutput;

/// LLVM aborts with a stack dump when an output stream fails (a full disk,
/// /dev/full); nabla-opt reports it as an error instead.
void reportFatalError(void *, const char *reason, bool) {
  llvm::errs() << "nabla-opt: error: " << reason << "\n";
  if (!temporaryOutput.empty()) std::remove(temporaryOutput.c_str());
  std::_Exit(1);
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
  llvm::install_fatal_error_handler(reportFatalError);
  const char *title = "nabla optimizer driver\n";
  OutputArgument output = findOutput(argc, argv);
  if (output.file == "-")
    return mlir::asMainReturnCode(mlir::MlirOptMain(argc, argv, title, registry));

  // MlirOptMain truncates -o's file before it parses the input: it writes a
  // temporary file instead, which replaces -o's only after a run that
  // succeeded (tools/OutputFile.h).
  try {
    nabla::tools::checkWritable(output.file);
    nabla::tools::writeThroughTemporary(output.file, [&](const std::string &path) {
      temporaryOutput = path;
      std::vector<char *> args(argv, argv + argc);
      std::string redirected = output.prefix + path;
      args[output.index] = redirected.data();
      if (mlir::failed(mlir::MlirOptMain(int(args.size()), args.data(), title, registry)))
        throw Failed{};
    });
  } catch (const nabla::Error &e) {
    llvm::errs() << "nabla-opt: error: " << e.what() << "\n";
    return 1;
  } catch (Failed) {
    return 1;
  }
  return 0;
}
