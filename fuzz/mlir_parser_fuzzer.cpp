// Fuzzes nabla IR text: the MLIR parser with the nabla dialect's custom
// parsers, every op verifier (shape inference included), and the printer of
// whatever verifies. Any input may be rejected with diagnostics; none may
// crash, hang or read out of bounds.
#include "fuzz/MlirContext.h"

#include "mlir/IR/Verifier.h"
#include "mlir/Parser.h"

#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  nabla::fuzz::QuietContext context;
  // MLIR's lexer reads one character past the text and expects a NUL there
  // (parseSourceString wraps the StringRef without copying it). libFuzzer's
  // buffer has no NUL after it, so the text is copied into a std::string,
  // which has one, as every nabla caller's text (std::string or a file's
  // MemoryBuffer) does. The first fuzz run found this as a heap overflow.
  const std::string text(reinterpret_cast<const char *>(data), size);
  auto module = mlir::parseSourceString<mlir::ModuleOp>(text, &context.get());
  if (!module || mlir::failed(mlir::verify(*module))) return 0;
  // Printing walks every attribute and custom assembly format of valid IR.
  std::string printed;
  llvm::raw_string_ostream os(printed);
  module->print(os);
  return 0;
}
