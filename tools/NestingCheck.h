// A guard for MLIR's recursive parser, shared by nablac and nabla-opt.
#pragma once

#include "runtime/Error.h"

#include "llvm/ADT/StringRef.h"

#include <string>

namespace nabla::tools {

/// MLIR's parser recurses once per level of nested regions, attributes and
/// types, and overflows the stack somewhere past 3000 levels (a segfault, no
/// message). No real model nests more than a few dozen: refuse deeper text
/// before parsing. Brackets inside string literals do not count.
inline void checkNesting(llvm::StringRef text, const std::string &path) {
  constexpr int kMaxNesting = 1000;
  int depth = 0, line = 1;
  bool inString = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n') ++line;
    if (inString) {
      if (c == '\\') ++i; // an escaped character
      else if (c == '"') inString = false;
      continue;
    }
    if (c == '"') inString = true;
    else if (c == '{' || c == '(' || c == '[' || c == '<') ++depth;
    else if (c == '}' || c == ')' || c == ']') --depth;
    else if (c == '>' && (i == 0 || text[i - 1] != '-')) --depth; // not the arrow of '->'
    if (depth > kMaxNesting)
      throw Error(path + ":" + std::to_string(line) + ": brackets nest deeper than " +
                  std::to_string(kMaxNesting) + " levels");
  }
}

} // namespace nabla::tools
