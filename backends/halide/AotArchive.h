// Writes one static library from object files on disk and the members of
// archives held in memory (the embedded AOT runtime), with a symbol table,
// through LLVM's archive writer: no `ar` needs to be installed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace nabla::halide {

/// Throws nabla::Error naming the file that could not be read or written.
void writeStaticLibrary(const std::string &path, const std::vector<std::string> &objectFiles,
                        const std::vector<std::string_view> &archives);

} // namespace nabla::halide
