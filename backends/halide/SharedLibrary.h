// Shared libraries made and loaded at run time, for the on-disk cache of
// compiled pipelines (DiskCache.h): object files are linked with the system
// linker (ld.lld, found at configure time, or $NABLA_LINKER) and dlopen()ed.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace nabla::halide {

/// The linker used to make shared libraries, or "" when there is none (the
/// disk cache is then off). $NABLA_LINKER overrides the configured one.
std::string sharedLibraryLinker();

/// Links `inputs` (object files and shared libraries) into the shared library
/// `output`, written under a temporary name and renamed into place, so a
/// reader sees either no file or a complete one. `soname` names it for the
/// libraries that link against it; they find it in their own directory.
/// Throws nabla::Error with the linker's messages.
void linkSharedLibrary(const std::vector<std::string> &inputs, const std::string &output,
                       const std::string &soname);

class SharedLibrary {
public:
  /// dlopen()s `path` with every symbol bound now and this library's own
  /// dependencies ahead of the process's (RTLD_DEEPBIND: a Halide runtime
  /// linked into the program cannot capture its calls). Returns null and sets
  /// `error` when it does not load (missing, truncated, corrupt).
  static std::shared_ptr<SharedLibrary> open(const std::string &path, std::string &error);
  ~SharedLibrary();
  SharedLibrary(const SharedLibrary &) = delete;
  SharedLibrary &operator=(const SharedLibrary &) = delete;

  /// The address of `name`, or null.
  void *symbol(const std::string &name) const;

private:
  explicit SharedLibrary(void *handle) : handle_(handle) {}
  void *handle_;
};

} // namespace nabla::halide
