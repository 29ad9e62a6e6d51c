// The caller's file:line:column, captured by a defaulted argument. This is
// std::source_location's job, but clang 14 (our compiler, needed for the
// sanitizer and libFuzzer builds) cannot compile libstdc++'s version; the
// builtins below are what that type is made of and both clang and gcc have them.
#pragma once

namespace nabla::dsl {

struct SourceLocation {
  const char *file = "";
  unsigned line = 0;
  unsigned column = 0;

  static constexpr SourceLocation current(const char *file = __builtin_FILE(),
                                          unsigned line = __builtin_LINE(),
                                          unsigned column = __builtin_COLUMN()) {
    return {file, line, column};
  }
  const char *file_name() const { return file; }
};

} // namespace nabla::dsl
