#include "backends/halide/DiskCache.h"

#include "backends/halide/LlvmOptions.h"
#include "backends/halide/ParallelCodegen.h"
#include "backends/halide/SharedLibrary.h"
#include "runtime/AtomicFile.h"
#include "runtime/Error.h"

#include "llvm/Support/xxhash.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <sstream>

#ifndef NABLA_HALIDE_VERSION
#define NABLA_HALIDE_VERSION "unknown"
#endif

namespace nabla::halide {

const char *loweringFingerprint(); // generated: SHA-256 of backends/halide's sources

namespace {

constexpr const char *kFunctionName = "nabla_pipeline";

std::mutex &cacheMutex() {
  static std::mutex m;
  return m;
}

DiskCacheStats &statsLocked() {
  static DiskCacheStats stats;
  return stats;
}

std::string hexHash(const std::string &text) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", (unsigned long long)llvm::xxHash64(text));
  return hex;
}

std::string readFile(const std::string &path, bool &found) {
  std::ifstream in(path, std::ios::binary);
  found = bool(in);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string cacheDirectoryFromEnvironment() {
  if (const char *dir = std::getenv("NABLA_CACHE_DIR"); dir && *dir) return dir;
  if (const char *xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return std::string(xdg) + "/nabla";
  if (const char *home = std::getenv("HOME"); home && *home)
    return std::string(home) + "/.cache/nabla";
  return "";
}

// The runtime's hooks forward to the handlers of the JITUserContext that the
// pipeline was called with (every call passes one), falling back to the
// runtime's defaults.
struct RuntimeDefaults {
  halide_malloc_t malloc = nullptr;
  halide_free_t free = nullptr;
  halide_error_handler_t error = nullptr;
  halide_do_task_t doTask = nullptr;
  halide_do_par_for_t doParFor = nullptr;
};
RuntimeDefaults defaults;

using JitTask = int (*)(Halide::JITUserContext *, int, uint8_t *);

Halide::JITUserContext *jitContext(void *userContext) {
  return static_cast<Halide::JITUserContext *>(userContext);
}
void *forwardMalloc(void *uc, size_t bytes) {
  if (auto *c = jitContext(uc); c && c->handlers.custom_malloc) return c->handlers.custom_malloc(c, bytes);
  return defaults.malloc(uc, bytes);
}
void forwardFree(void *uc, void *block) {
  if (auto *c = jitContext(uc); c && c->handlers.custom_free) return c->handlers.custom_free(c, block);
  defaults.free(uc, block);
}
void forwardError(void *uc, const char *message) {
  if (auto *c = jitContext(uc); c && c->handlers.custom_error) return c->handlers.custom_error(c, message);
  defaults.error(uc, message);
}
int forwardDoTask(void *uc, halide_task_t task, int index, uint8_t *closure) {
  if (auto *c = jitContext(uc); c && c->handlers.custom_do_task)
    return c->handlers.custom_do_task(c, reinterpret_cast<JitTask>(task), index, closure);
  return defaults.doTask(uc, task, index, closure);
}

int forwardDoParFor(void *uc, halide_task_t task, int min, int size, uint8_t *closure) {
  if (auto *c = jitContext(uc); c && c->handlers.custom_do_par_for)
    return c->handlers.custom_do_par_for(c, reinterpret_cast<JitTask>(task), min, size, closure);
  return defaults.doParFor(uc, task, min, size, closure);
}

template <typename Setter, typename Hook>
Hook install(SharedLibrary &runtime, const char *setter, Hook hook) {
  auto set = reinterpret_cast<Setter>(runtime.symbol(setter));
  if (!set) throw Error(std::string("the Halide runtime library has no ") + setter);
  return set(hook);
}

/// Loaded runtimes by path; never unloaded (their thread pools live on until
/// the process exits). One per cache directory and target: a process that
/// switches directories (tests) loads another.
std::map<std::string, std::shared_ptr<SharedLibrary>> &runtimes() {
  static auto *loaded = new std::map<std::string, std::shared_ptr<SharedLibrary>>;
  return *loaded;
}

/// The runtime of pipelines for `target`: one for all the pipeline-only
/// features (assertions on or off, 64-bit indexing), so that a process loads
/// one runtime, with one thread pool, per CPU.
Halide::Target runtimeTarget(const Halide::Target &target) {
  return target.without_feature(Halide::Target::UserContext)
      .without_feature(Halide::Target::NoRuntime)
      .without_feature(Halide::Target::NoAsserts)
      .without_feature(Halide::Target::NoBoundsQuery)
      .without_feature(Halide::Target::LargeBuffers);
}

std::string runtimeFileName(const Halide::Target &target) {
  return "halide_runtime_" +
         hexHash(std::string(NABLA_HALIDE_VERSION) + "\n" + runtimeTarget(target).to_string()) + ".so";
}

Halide::Target pipelineTarget(const Halide::Target &target) {
  return target.with_feature(Halide::Target::UserContext).with_feature(Halide::Target::NoRuntime);
}

} // namespace

int CachedPipeline::run(Halide::JITUserContext *context,
                        const std::vector<halide_buffer_t *> &buffers) const {
  void *userContext = context;
  std::vector<void *> args = {&userContext};
  args.insert(args.end(), buffers.begin(), buffers.end());
  return argv_(args.data());
}

bool DiskCache::supportedByThisBuild() {
#if defined(__SANITIZE_ADDRESS__)
  return false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  return false;
#endif
#endif
  return true;
}

DiskCache *DiskCache::get() {
  if (!supportedByThisBuild()) return nullptr;
  std::string dir = cacheDirectoryFromEnvironment();
  if (dir.empty() || dir == "off" || sharedLibraryLinker().empty()) return nullptr;
  std::lock_guard<std::mutex> lock(cacheMutex());
  static std::map<std::string, std::unique_ptr<DiskCache>> caches;
  auto &slot = caches[dir];
  if (!slot) {
    std::error_code error;
    std::filesystem::create_directories(dir, error);
    if (error || !std::filesystem::is_directory(dir)) return nullptr;
    slot.reset(new DiskCache(dir));
  }
  return slot.get();
}

std::string DiskCache::key(const std::string &functionName, const std::string &irText,
                           const Halide::Target &target, const std::string &scheduler) {
  return std::string("nabla halide pipeline cache v1\nlowering ") + loweringFingerprint() +
         "\nhalide " + NABLA_HALIDE_VERSION + "\nllvm " + llvmCodegenOptions() +
         "\ntarget " + target.to_string() + "\nschedule " + scheduler + "\nfunction " +
         functionName + "\n" + irText;
}

std::string DiskCache::libraryPath(const std::string &key) const {
  return directory_ + "/" + hexHash(key) + ".so";
}

void DiskCache::ensureRuntime(const Halide::Target &target) {
  std::string name = runtimeFileName(target), path = directory_ + "/" + name;
  std::lock_guard<std::mutex> lock(cacheMutex());
  bool loaded = runtimes().count(path) > 0;
  // Pipelines link against the file: it must exist even when loaded (another
  // process may have cleaned the directory meanwhile).
  if (loaded && std::filesystem::exists(path)) return;
  std::filesystem::create_directories(directory_); // it may have been removed meanwhile
  std::string error;
  std::shared_ptr<SharedLibrary> runtime;
  if (!loaded) runtime = SharedLibrary::open(path, error);
  if (!runtime || !runtime->symbol("halide_set_custom_do_task")) {
    std::string object = path + ".o.tmp." + std::to_string(getpid());
    Halide::compile_standalone_runtime(object, runtimeTarget(target));
    try {
      linkSharedLibrary({object}, path, name);
    } catch (...) {
      std::remove(object.c_str());
      throw;
    }
    std::remove(object.c_str());
    if (loaded) return; // the loaded copy serves: libraries find it by its soname
    runtime = SharedLibrary::open(path, error);
    if (!runtime) throw Error("could not load the Halide runtime " + path + ": " + error);
  }
  RuntimeDefaults previous;
  previous.malloc = install<halide_malloc_t (*)(halide_malloc_t)>(*runtime, "halide_set_custom_malloc", &forwardMalloc);
  previous.free = install<halide_free_t (*)(halide_free_t)>(*runtime, "halide_set_custom_free", &forwardFree);
  previous.error = install<halide_error_handler_t (*)(halide_error_handler_t)>(*runtime, "halide_set_error_handler", &forwardError);
  previous.doTask = install<halide_do_task_t (*)(halide_do_task_t)>(*runtime, "halide_set_custom_do_task", &forwardDoTask);
  previous.doParFor = install<halide_do_par_for_t (*)(halide_do_par_for_t)>(*runtime, "halide_set_custom_do_par_for", &forwardDoParFor);
  if (!defaults.malloc) defaults = previous;
  runtimes()[path] = runtime;
}

std::shared_ptr<CachedPipeline> DiskCache::load(const std::string &key) {
  std::string base = directory_ + "/" + hexHash(key);
  bool found = false;
  std::string storedKey = readFile(base + ".key", found);
  if (!found) return nullptr;
  auto reject = [&] {
    std::lock_guard<std::mutex> lock(cacheMutex());
    ++statsLocked().rejected;
    return nullptr;
  };
  if (storedKey != key) return reject();
  // The target is read back from its line of the key.
  size_t at = key.find("\ntarget ") + 8;
  Halide::Target target(key.substr(at, key.find('\n', at) - at));
  ensureRuntime(target);
  std::string error;
  auto library = SharedLibrary::open(base + ".so", error);
  if (!library) return reject();
  auto pipeline = std::make_shared<CachedPipeline>();
  pipeline->argv_ = reinterpret_cast<int (*)(void **)>(
      library->symbol(std::string(kFunctionName) + "_argv"));
  if (!pipeline->argv_) return reject();
  pipeline->library_ = std::move(library);
  std::lock_guard<std::mutex> lock(cacheMutex());
  ++statsLocked().hits;
  return pipeline;
}

std::shared_ptr<CachedPipeline> DiskCache::store(const std::string &key, Halide::Pipeline &pipeline,
                                                 const std::vector<Halide::Argument> &args,
                                                 const Halide::Target &target) {
  std::filesystem::create_directories(directory_); // it may have been removed meanwhile
  // The runtime (~0.7 s to build, a fifth of a cold compile of SimpleConvNet's
  // training step) builds on a thread of its own while this one lowers the
  // pipeline, which Halide does on one thread.
  std::future<void> runtime =
      std::async(std::launch::async, [this, &target] { ensureRuntime(target); });
  std::string base = directory_ + "/" + hexHash(key);
  std::vector<std::string> objects;
  auto removeObjects = [&] {
    for (const std::string &object : objects) std::remove(object.c_str());
  };
  try {
    objects = compileToObjects(pipeline, args, kFunctionName, pipelineTarget(target),
                               base + ".tmp." + std::to_string(getpid()), codegenThreads());
    runtime.get(); // its errors too
    std::vector<std::string> inputs = objects;
    inputs.push_back(directory_ + "/" + runtimeFileName(target));
    linkSharedLibrary(inputs, base + ".so", hexHash(key) + ".so");
  } catch (...) {
    removeObjects(); // a failed runtime build is waited for by the future's destructor
    throw;
  }
  removeObjects();
  // The key last: a reader that finds it finds the library complete.
  writeFileAtomically(base + ".key", key);
  std::string error;
  auto library = SharedLibrary::open(base + ".so", error);
  if (!library) throw Error("could not load " + base + ".so: " + error);
  auto loaded = std::make_shared<CachedPipeline>();
  loaded->argv_ = reinterpret_cast<int (*)(void **)>(
      library->symbol(std::string(kFunctionName) + "_argv"));
  if (!loaded->argv_) throw Error(base + ".so has no " + kFunctionName + "_argv");
  loaded->library_ = std::move(library);
  std::lock_guard<std::mutex> lock(cacheMutex());
  ++statsLocked().stores;
  return loaded;
}

DiskCacheStats diskCacheStats() {
  std::lock_guard<std::mutex> lock(cacheMutex());
  return statsLocked();
}

} // namespace nabla::halide
