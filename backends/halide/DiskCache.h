// The on-disk cache of compiled pipelines: a pipeline is compiled by Halide to
// an object file, linked into a shared library in the cache directory and
// dlopen()ed, so a second process (or a compile after clearJitCache) loads it
// in milliseconds instead of lowering and compiling it again.
//
// Directory: $NABLA_CACHE_DIR, else $XDG_CACHE_HOME/nabla, else ~/.cache/nabla;
// NABLA_CACHE_DIR=off turns the cache off, as does a missing linker. An entry
// is <hash>.so plus <hash>.key, the full key text (cache format, a fingerprint
// of nabla's lowering sources, Halide version, target, function name, IR
// text); it is used only when the key text matches exactly. Both files are
// written under temporary names and renamed into place, so concurrent
// processes see whole entries or none; an entry that does not load (corrupt,
// truncated, wrong key) is ignored and rebuilt. Pipelines link against one
// Halide runtime library per target (one thread pool for all of them), whose
// malloc/free/error/do_task hooks forward to the calling JITUserContext's
// handlers, as Halide's JIT does.
#pragma once

#include "Halide.h"

#include <memory>
#include <string>
#include <vector>

namespace nabla::halide {

class SharedLibrary;

/// A compiled pipeline loaded from the cache.
class CachedPipeline {
public:
  /// Runs it: `buffers` are the inputs then the outputs, in the order the
  /// pipeline was compiled with. Returns Halide's error code (0: success);
  /// error messages go to context's custom_error handler.
  int run(Halide::JITUserContext *context, const std::vector<halide_buffer_t *> &buffers) const;

private:
  friend class DiskCache;
  std::shared_ptr<SharedLibrary> library_;
  int (*argv_)(void **) = nullptr;
};

class DiskCache {
public:
  /// The cache for the current environment, or null when it is off: by
  /// $NABLA_CACHE_DIR=off, without a linker, or in an AddressSanitizer build.
  static DiskCache *get();
  /// False in AddressSanitizer builds: ASan aborts a process that dlopen()s
  /// with RTLD_DEEPBIND, which the cached libraries need (SharedLibrary).
  static bool supportedByThisBuild();

  const std::string &directory() const { return directory_; }

  /// The full key text of a pipeline scheduled by `scheduler`
  /// (scheduleKey in AutoSchedulers.h).
  static std::string key(const std::string &functionName, const std::string &irText,
                         const Halide::Target &target, const std::string &scheduler);

  /// The cached pipeline for `key`, or null when there is none or it does
  /// not load (counted in rejected; the next store replaces it).
  std::shared_ptr<CachedPipeline> load(const std::string &key);

  /// Compiles `pipeline` with `args` for `target` (CPU), stores it under
  /// `key` and loads it. Throws Halide::Error (compile) or nabla::Error (link, load).
  std::shared_ptr<CachedPipeline> store(const std::string &key, Halide::Pipeline &pipeline,
                                        const std::vector<Halide::Argument> &args,
                                        const Halide::Target &target);

  /// The path of the shared library of `key` (tests corrupt it).
  std::string libraryPath(const std::string &key) const;

private:
  explicit DiskCache(std::string directory) : directory_(std::move(directory)) {}
  /// Loads (making it first if needed) the Halide runtime for `target`.
  void ensureRuntime(const Halide::Target &target);
  std::string directory_;
};

struct DiskCacheStats {
  int64_t hits = 0;     // pipelines loaded from disk
  int64_t stores = 0;   // pipelines compiled and written
  int64_t rejected = 0; // entries present but unusable (corrupt, other key)
};
DiskCacheStats diskCacheStats();

} // namespace nabla::halide
