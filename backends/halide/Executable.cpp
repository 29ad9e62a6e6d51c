#include "backends/halide/Executable.h"

#include "backends/halide/DeviceCopies.h"
#include "backends/halide/DiskCache.h"
#include "backends/halide/ErrorCapture.h"
#include "backends/halide/FunctionLowering.h"
#include "backends/halide/HostChecks.h"
#include "backends/halide/ScratchPlanner.h"
#include "backends/halide/Targets.h"
#include "backends/halide/ThreadingChoice.h"
#include "backends/halide/TensorBuffer.h"
#include "ir/Dialect.h"
#include "ir/ShapeSpecialization.h"
#include "runtime/Error.h"
#include "runtime/aot/FlushDenormals.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>

#ifndef NABLA_HALIDE_VERSION
#define NABLA_HALIDE_VERSION "unknown"
#endif

namespace nabla::halide {

struct CompiledPipeline {
  std::string name;
  uint64_t hash = 0;
  // The function lives on in a private context, so Executables outlive the
  // caller's module and context.
  std::unique_ptr<mlir::MLIRContext> context;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  mlir::FuncOp func;
  std::unique_ptr<ShapeSpecializer> shapes;
  LoweredFunction lowered; // empty when loaded from the disk cache
  std::shared_ptr<CachedPipeline> cached; // set: runs from the disk cache's library
  Halide::Target target;
  HostChecks checks;
  bool unchecked = false; // compiled without Halide's assertions: run checks first
  Schedule schedule;
  std::vector<DType> inputTypes, outputTypes;
  std::vector<std::string> inputNames, outputNames;
  double compileSeconds = 0;
  // Pipeline::realize is not documented as reentrant.
  std::mutex runMutex;
  // Scratch buffers of the intermediates: planned into one arena per input
  // shapes, reused from call to call (NABLA_HALIDE_PLAN_MEMORY=0: pool only).
  std::unique_ptr<ScratchPlanner> scratch;
  // Parallel loops on the thread pool or on the calling thread, per input
  // shapes (guarded by runMutex).
  ThreadingChoice threading;
};

namespace {

/// Denormals flushed to zero for the scope of a pipeline call, the caller's
/// floating-point environment restored after it (runtime/aot/FlushDenormals.h).
class DenormalsFlushed {
public:
  DenormalsFlushed() : saved_(nabla_flush_denormals_begin()) {}
  ~DenormalsFlushed() { nabla_flush_denormals_end(saved_); }
  DenormalsFlushed(const DenormalsFlushed &) = delete;
  DenormalsFlushed &operator=(const DenormalsFlushed &) = delete;

private:
  unsigned saved_;
};

struct CacheKey {
  uint64_t hash;
  std::string target, scheduler, version;
  bool operator<(const CacheKey &o) const {
    return std::tie(hash, target, scheduler, version) <
           std::tie(o.hash, o.target, o.scheduler, o.version);
  }
};

struct JitCache {
  std::mutex mutex;
  std::map<CacheKey, std::pair<std::string, std::shared_ptr<CompiledPipeline>>> entries;
  JitCacheStats stats;
};

JitCache &cache() {
  static JitCache instance;
  return instance;
}

/// The function and every function it calls, printed without locations, in
/// a fixed order: the cache key's text and the private module's source.
std::string functionText(mlir::ModuleOp module, mlir::FuncOp root) {
  llvm::SetVector<mlir::Operation *> funcs;
  funcs.insert(root);
  for (size_t i = 0; i < funcs.size(); ++i)
    llvm::cast<mlir::FuncOp>(funcs[i]).walk([&](mlir::CallOp call) {
      if (auto callee = module.lookupSymbol<mlir::FuncOp>(call.getCallee())) funcs.insert(callee);
    });
  std::string text;
  llvm::raw_string_ostream os(text);
  for (mlir::Operation *f : funcs) {
    f->print(os);
    os << "\n";
  }
  return os.str();
}

DType dtypeOfType(mlir::Type type) {
  auto element = type.cast<mlir::ShapedType>().getElementType();
  if (element.isF32()) return DType::F32;
  if (element.isF64()) return DType::F64;
  if (element.isInteger(32)) return DType::I32;
  if (element.isInteger(64)) return DType::I64;
  throw Error("unsupported element type in a function signature");
}

std::string nameOf(mlir::DictionaryAttr attrs, const std::string &fallback) {
  if (attrs)
    if (auto name = attrs.get("nabla.name").dyn_cast_or_null<mlir::StringAttr>())
      return name.getValue().str();
  return fallback;
}

/// Per-call context: Halide's runtime reports errors (a failed bounds check,
/// a label out of range) here instead of aborting, and takes scratch memory
/// from the pipeline's planner.
struct RunContext : ErrorCapture {
  ScratchPlanner *scratch = nullptr;
  bool unchecked = false; // the pipeline has no assertion to catch a failed allocation
};

void *poolMalloc(Halide::JITUserContext *context, size_t bytes) {
  auto *run = static_cast<RunContext *>(context);
  void *block = run->scratch->allocate(bytes);
  // Halide's assertion would report a null block; without it the pipeline
  // would write through it. No way out of generated code but to stop here.
  if (!block && run->unchecked) {
    std::fprintf(stderr, "nabla: out of memory: a pipeline's scratch buffer of %zu bytes\n", bytes);
    std::abort();
  }
  return block;
}
void poolFree(Halide::JITUserContext *context, void *block) {
  static_cast<RunContext *>(context)->scratch->release(block);
}

void warnOnce(const std::string &message) {
  static std::once_flag once;
  std::call_once(once, [&] { std::fprintf(stderr, "%s\n", message.c_str()); });
}

std::shared_ptr<CompiledPipeline> compile(const std::string &text, const std::string &name,
                                          uint64_t hash, const Halide::Target &requested,
                                          const Schedule &schedule) {
  auto start = std::chrono::steady_clock::now();
  auto fn = std::make_shared<CompiledPipeline>();
  fn->name = name;
  fn->hash = hash;
  mlir::DialectRegistry registry;
  registerNablaDialects(registry);
  fn->context = std::make_unique<mlir::MLIRContext>(registry);
  fn->context->loadAllAvailableDialects();
  fn->module = mlir::parseSourceString<mlir::ModuleOp>(text, fn->context.get());
  if (!fn->module) throw Error("@" + name + ": internal: could not re-parse the function");
  fn->func = fn->module->lookupSymbol<mlir::FuncOp>(name);
  fn->shapes = std::make_unique<ShapeSpecializer>(fn->func);
  const char *plan = std::getenv("NABLA_HALIDE_PLAN_MEMORY");
  fn->scratch = std::make_unique<ScratchPlanner>(!(plan && std::string(plan) == "0"));
  // CPU pipelines whose checks the caller makes (HostChecks.h) compile
  // without Halide's assertions: half the compile time of a training step.
  // Not under an autoscheduler: its tiles fit the batch it scheduled for
  // (Schedule::batch) at best (Li2018's one-thread training step
  // reads images before the first even there), and only Halide's bounds
  // assertions stop such reads and writes outside the buffers.
  fn->checks = hostChecksOf(fn->func);
  fn->schedule = schedule;
  fn->unchecked = fn->checks.complete && !requested.has_gpu_feature() && !schedule.automatic();
  const Halide::Target target = fn->unchecked ? uncheckedTarget(requested) : requested;
  fn->target = target;
  auto type = fn->func.getType();
  for (unsigned i = 0; i < type.getNumInputs(); ++i) {
    fn->inputTypes.push_back(dtypeOfType(type.getInput(i)));
    fn->inputNames.push_back(nameOf(fn->func.getArgAttrDict(i), "arg" + std::to_string(i)));
  }
  for (unsigned i = 0; i < type.getNumResults(); ++i) {
    fn->outputTypes.push_back(dtypeOfType(type.getResult(i)));
    fn->outputNames.push_back(
        nameOf(fn->func.getResultAttrDict(i), "result" + std::to_string(i)));
  }
  // The disk cache first; on a miss, lower and compile into it (or, with
  // the cache off or failing to link, JIT in memory). Not for functions with
  // non-splat constants: Halide 14 embeds their buffers in the object with
  // less alignment than its AVX-512 code assumes (an aligned load faults).
  bool embedsBuffers = false;
  fn->module->walk([&](ConstantOp op) {
    if (auto dense = op.getValue().dyn_cast<mlir::DenseElementsAttr>(); dense && !dense.isSplat())
      embedsBuffers = true;
  });
  // Nor for GPU targets: the cache's shared Halide runtime is a CPU one.
  DiskCache *disk = target.has_feature(Halide::Target::Profile) || embedsBuffers ||
                            target.has_gpu_feature()
                        ? nullptr
                        : DiskCache::get();
  std::string diskKey = disk ? DiskCache::key(name, text, target, scheduleKey(schedule)) : "";
  if (disk) fn->cached = disk->load(diskKey);
  if (fn->cached) {
    fn->compileSeconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return fn;
  }
  try {
    fn->lowered = lowerFunction(fn->func, target, schedule);
    std::vector<Halide::Argument> args(fn->lowered.inputs.begin(), fn->lowered.inputs.end());
    // NABLA_HALIDE_STMT_DIR=DIR writes Halide's lowered loop nest of every
    // compiled function to DIR/<name>.stmt (to read what a schedule did).
    if (const char *dir = std::getenv("NABLA_HALIDE_STMT_DIR"); dir && *dir)
      fn->lowered.pipeline.compile_to_lowered_stmt(std::string(dir) + "/" + name + ".stmt", args,
                                                   Halide::Text, target);
    if (disk) {
      try {
        fn->cached = disk->store(diskKey, fn->lowered.pipeline, args, target);
      } catch (const std::exception &e) { // link, load or write failures; a real
        // compile error repeats below and is reported from there.
        warnOnce("nabla: the on-disk JIT cache in " + disk->directory() +
                 " failed, compiling in memory: " + e.what());
      }
    }
    if (!fn->cached) fn->lowered.pipeline.compile_jit(target);
    // Freed device buffers (a batch's upload, a result's copy) go to a free
    // list for the next call instead of back to the driver.
    if (target.has_gpu_feature()) Halide::Internal::JITSharedRuntime::reuse_device_allocations(true);
  } catch (const Halide::Error &e) {
    throw Error("@" + name + ": Halide compile error: " + e.what());
  }
  fn->compileSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return fn;
}

std::vector<Shape> shapesOf(const std::vector<Tensor> &tensors) {
  std::vector<Shape> shapes;
  for (const Tensor &t : tensors) shapes.push_back(t.shape());
  return shapes;
}

/// The scratch planner's key for one call's input shapes, built on every
/// call: plain appends (an ostringstream per shape cost ~1 us at batch 1).
std::string shapeKey(const std::vector<Shape> &shapes) {
  std::string key;
  for (const Shape &s : shapes) {
    key += '[';
    for (int64_t d : s) (key += std::to_string(d)) += ',';
    key += ']';
  }
  return key;
}

/// Throws when a result's memory overlaps an argument's. Schedules assume it
/// does not: a loop group's last vector of a row recomputes elements it
/// already wrote (LoopGroupSchedule.cpp), and tiled loops read inputs after
/// writing outputs.
void checkResultsAliasNoArgument(const std::vector<Tensor> &inputs,
                                 const std::vector<std::string> &inputNames,
                                 const std::vector<Tensor> &outputs,
                                 const std::vector<std::string> &outputNames,
                                 const std::string &where) {
  using Span = std::pair<const std::byte *, const std::byte *>;
  auto span = [](const Tensor &t) {
    auto begin = static_cast<const std::byte *>(t.rawData());
    return Span(begin, begin + t.bytes());
  };
  // Every call runs this (a training step: 25 x 19 pairs), so each input's
  // span is computed once.
  std::vector<Span> inputSpans;
  inputSpans.reserve(inputs.size());
  for (const Tensor &t : inputs) inputSpans.push_back(span(t));
  for (size_t o = 0; o < outputs.size(); ++o) {
    auto [outBegin, outEnd] = span(outputs[o]);
    for (size_t i = 0; i < inputs.size() && outBegin != outEnd; ++i) {
      auto [inBegin, inEnd] = inputSpans[i];
      if (inBegin < outEnd && outBegin < inEnd)
        throw Error(where + ": output " + outputNames[o] + " shares memory with input " +
                    inputNames[i] + "; results must be tensors of their own");
    }
  }
}

} // namespace

Executable Executable::compileJit(mlir::ModuleOp module, llvm::StringRef name,
                                  const std::string &targetName, const Schedule &schedule,
                                  Instance instance) {
  auto func = module.lookupSymbol<mlir::FuncOp>(name);
  if (!func) throw Error("no function @" + name.str() + " in the module");
  // Report unsupported ops from the caller's IR, before any other work.
  checkLowerable(func);
  std::string text = functionText(module, func);
  Halide::Target target = parseTarget(targetName, "JIT target");
  deviceInterfaceOf(target); // rejects GPU APIs the runtime cannot run
  preloadDeviceApi(target);
  // NABLA_HALIDE_PROFILE=1 makes every run print Halide's per-Func profile.
  if (const char *profile = std::getenv("NABLA_HALIDE_PROFILE"); profile && *profile == '1')
    target = target.with_feature(Halide::Target::Profile);
  CacheKey key{std::hash<std::string>()(text), target.to_string(), scheduleKey(schedule),
               NABLA_HALIDE_VERSION};
  JitCache &c = cache();
  if (instance == Instance::Replica) {
    auto compiled = compile(text, name.str(), key.hash, target, schedule);
    compiled->threading = ThreadingChoice(ThreadingChoice::Mode::Caller);
    std::lock_guard<std::mutex> lock(c.mutex);
    ++c.stats.compiles;
    return Executable(compiled);
  }
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    auto it = c.entries.find(key);
    if (it != c.entries.end() && it->second.first == text) {
      ++c.stats.hits;
      return Executable(it->second.second);
    }
  }
  // Compile outside the lock; a racing duplicate compile is harmless.
  auto compiled = compile(text, name.str(), key.hash, target, schedule);
  std::lock_guard<std::mutex> lock(c.mutex);
  ++c.stats.compiles;
  c.entries[key] = {text, compiled};
  return Executable(compiled);
}

bool Executable::targetIsDevice(const std::string &target) {
  return parseTarget(target, "JIT target").has_gpu_feature();
}

const std::vector<std::string> &Executable::inputNames() const { return impl_->inputNames; }
const std::vector<std::string> &Executable::outputNames() const { return impl_->outputNames; }
double Executable::compileSeconds() const { return impl_->compileSeconds; }
uint64_t Executable::irHash() const { return impl_->hash; }

std::vector<Shape> Executable::outputShapes(const std::vector<Shape> &inputShapes) const {
  return impl_->shapes->resultShapes(inputShapes);
}

std::vector<Tensor> Executable::run(const std::vector<Tensor> &inputs) const {
  std::vector<Shape> shapes = outputShapes(shapesOf(inputs));
  std::vector<Tensor> outputs;
  for (size_t i = 0; i < shapes.size(); ++i) outputs.emplace_back(shapes[i], impl_->outputTypes[i]);
  runInto(inputs, outputs);
  return outputs;
}

void Executable::runInto(const std::vector<Tensor> &inputs, std::vector<Tensor> &outputs) const {
  runResident(inputs, outputs, {});
}

bool Executable::onDevice() const { return impl_->target.has_gpu_feature(); }

void Executable::syncToHost(const Tensor &tensor) { DeviceCopies::instance().syncToHost(tensor); }
void Executable::dropDeviceCopy(const Tensor &tensor) { DeviceCopies::instance().drop(tensor); }
size_t Executable::deviceCopyCount() { return DeviceCopies::instance().size(); }

void Executable::runResident(const std::vector<Tensor> &inputs, std::vector<Tensor> &outputs,
                             const Residency &residency) const {
  CompiledPipeline &fn = *impl_;
  std::string where = "@" + fn.name;
  if (inputs.size() != fn.inputTypes.size())
    throw Error(where + " takes " + std::to_string(fn.inputTypes.size()) + " inputs, got " +
                std::to_string(inputs.size()));
  for (size_t i = 0; i < inputs.size(); ++i)
    if (!inputs[i].defined() || inputs[i].dtype() != fn.inputTypes[i])
      throw Error(where + ": input " + fn.inputNames[i] + " must be a " +
                  dtypeName(fn.inputTypes[i]) + " tensor, got " +
                  (inputs[i].defined() ? inputs[i].describe() : std::string("an empty handle")));
  std::vector<Shape> shapes = outputShapes(shapesOf(inputs));
  if (outputs.size() != shapes.size())
    throw Error(where + " has " + std::to_string(shapes.size()) + " outputs, got " +
                std::to_string(outputs.size()) + " output tensors");
  for (size_t i = 0; i < shapes.size(); ++i)
    if (!outputs[i].defined() || outputs[i].dtype() != fn.outputTypes[i] ||
        outputs[i].shape() != shapes[i])
      throw Error(where + ": output " + fn.outputNames[i] + " must be " +
                  dtypeName(fn.outputTypes[i]) + " of shape " + shapeToString(shapes[i]) +
                  ", got " + (outputs[i].defined() ? outputs[i].describe() : "an empty handle"));

  checkResultsAliasNoArgument(inputs, fn.inputNames, outputs, fn.outputNames, where);
  if (fn.unchecked) {
    checkIndexInputs(fn.checks, inputs, fn.inputNames, where);
    checkBufferSizes(inputs, fn.inputNames, where);
    checkBufferSizes(outputs, fn.outputNames, where);
  }

  // On a GPU target a resident tensor is its registered device copy; any
  // other input is uploaded (marked host-newer) and any other output is
  // copied back after the call.
  bool device = fn.target.has_gpu_feature();
  auto resident = [&](const std::vector<bool> &flags, size_t i) {
    return device && i < flags.size() && flags[i];
  };
  std::vector<Halide::Buffer<>> inputBuffers, outputBuffers;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (resident(residency.inputs, i)) {
      inputBuffers.push_back(DeviceCopies::instance().buffer(inputs[i]));
    } else {
      inputBuffers.push_back(wrapTensor(inputs[i]));
      if (device) inputBuffers.back().set_host_dirty(true);
    }
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (resident(residency.outputs, i)) {
      outputBuffers.push_back(DeviceCopies::instance().buffer(outputs[i]));
      outputBuffers.back().set_host_dirty(false); // overwritten whole: nothing to upload
    } else {
      outputBuffers.push_back(wrapTensor(outputs[i]));
    }
  }
  RunContext context;
  context.handlers.custom_malloc = poolMalloc;
  context.handlers.custom_free = poolFree;
  context.handlers.custom_do_task = ScratchPlanner::runTask;
  context.scratch = fn.scratch.get();
  context.unchecked = fn.unchecked;
  std::lock_guard<std::mutex> lock(fn.runMutex);
  std::string key = shapeKey(shapesOf(inputs));
  fn.scratch->beginCall(key);
  bool serial = fn.threading.serial(key);
  if (serial) context.handlers.custom_do_par_for = runTasksOnCaller;
  DenormalsFlushed flushed;
  auto start = std::chrono::steady_clock::now();
  try {
    if (fn.cached) {
      std::vector<halide_buffer_t *> raw;
      for (auto &b : inputBuffers) raw.push_back(b.raw_buffer());
      for (auto &b : outputBuffers) raw.push_back(b.raw_buffer());
      if (fn.cached->run(&context, raw) != 0 && context.error.empty())
        context.error = "the pipeline failed without a message";
    } else {
      Halide::ParamMap params;
      for (size_t i = 0; i < inputs.size(); ++i) params.set(fn.lowered.inputs[i], inputBuffers[i]);
      Halide::Realization realization(outputBuffers);
      fn.lowered.pipeline.realize(&context, realization, fn.target, params);
    }
    for (size_t i = 0; i < outputs.size() && context.error.empty(); ++i)
      if (device && !resident(residency.outputs, i)) outputBuffers[i].copy_to_host(&context);
  } catch (const Halide::Error &e) {
    if (context.error.empty()) context.error = e.what();
  }
  fn.scratch->endCall();
  if (context.error.empty()) {
    fn.threading.record(
        key, serial, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    return;
  }
  // The runtime's words for a machine without the GPU's driver ("CUDA API
  // not found: cuInit") do not say what to do about it.
  if (device && context.error.find("API not found") != std::string::npos)
    context.error += " (no driver for target " + fn.target.to_string() +
                     "'s GPU: run it on a machine with one, or compile for host)";
  // Nor that an autoscheduler's tiles did not fit the shapes.
  if (fn.schedule.automatic() && context.error.find(" is accessed at ") != std::string::npos)
    context.error += std::string(" (the ") + schedulerName(fn.schedule.scheduler) +
                     " autoscheduler scheduled this pipeline for batch " +
                     std::to_string(fn.schedule.batch) +
                     ", and its tiles read outside the inputs at these shapes)";
  throw Error(where + ": Halide run-time error: " + context.error);
}

ScratchStats Executable::scratchStats(const std::vector<Shape> &inputShapes) const {
  return impl_->scratch->stats(shapeKey(inputShapes));
}

JitCacheStats jitCacheStats() {
  JitCacheStats stats;
  {
    std::lock_guard<std::mutex> lock(cache().mutex);
    stats = cache().stats;
  }
  DiskCacheStats disk = diskCacheStats();
  stats.diskHits = disk.hits;
  stats.diskStores = disk.stores;
  stats.diskRejected = disk.rejected;
  return stats;
}

std::string jitCacheDirectory() {
  DiskCache *disk = DiskCache::get();
  return disk ? disk->directory() : "";
}

void clearJitCache() {
  std::lock_guard<std::mutex> lock(cache().mutex);
  cache().entries.clear();
}

} // namespace nabla::halide
