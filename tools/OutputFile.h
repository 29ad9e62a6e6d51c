// The -o FILE of nablac and nabla-opt: checked before the work, written only
// once complete, so a mistyped path fails at once and a failed or
// interrupted run leaves the old file as it was.
#pragma once

#include "runtime/AtomicFile.h"
#include "runtime/Error.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <unistd.h>

namespace nabla::tools {

/// Throws unless file `output` could be written: a directory in the way, a
/// missing or unwritable parent directory.
inline void checkWritable(const std::string &output) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (fs::is_directory(output, error)) throw Error(output + ": is a directory");
  // A device or pipe is written through (writeFileAtomically): its own
  // permission counts, not its directory's (/dev/null as any user).
  if (fs::exists(output, error) && !fs::is_regular_file(output, error)) {
    if (::access(output.c_str(), W_OK) != 0)
      throw Error(output + ": cannot write: " + std::strerror(errno));
    return;
  }
  fs::path dir = fs::path(output).parent_path();
  if (dir.empty()) dir = ".";
  if (!fs::is_directory(dir, error)) throw Error(output + ": no directory " + dir.string());
  if (::access(dir.c_str(), W_OK) != 0)
    throw Error(output + ": cannot write into " + dir.string() + ": " + std::strerror(errno));
}

/// Writes `text` to standard output ('-') or to file `output`, which is
/// replaced only once the new text is complete (writeFileAtomically).
inline void writeText(const std::string &text, const std::string &output) {
  if (output != "-") return writeFileAtomically(output, text);
  std::cout << text << std::flush;
  if (!std::cout)
    throw Error(std::string("cannot write to standard output: ") + std::strerror(errno));
}

/// For producers that write a file of their own (Halide's emitters,
/// MlirOptMain): runs `produce` on a new temporary file, then writes that
/// file's text to `output` with writeText. The temporary file is removed
/// whatever happens; nothing reaches `output` if `produce` throws.
inline void writeThroughTemporary(const std::string &output,
                                  const std::function<void(const std::string &)> &produce) {
  llvm::SmallString<128> path;
  if (std::error_code error = llvm::sys::fs::createTemporaryFile("nabla", "txt", path))
    throw Error("cannot create a temporary file: " + error.message());
  auto removeTemporary = llvm::make_scope_exit([&] { llvm::sys::fs::remove(path); });
  produce(path.str().str());
  std::ifstream in(path.str().str());
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) throw Error("cannot read back temporary file " + path.str().str());
  writeText(text.str(), output);
}

} // namespace nabla::tools
