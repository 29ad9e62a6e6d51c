// A nabla function JIT-compiled through Halide for the host CPU or a GPU
// (CUDA; OpenCL for tests on CPU devices). One compiled
// pipeline serves every batch size: output shapes are inferred per call (and
// cached per input-shape key), inputs are validated with clear errors.
// Compiles are cached in-process, keyed by the function's IR text (with its
// callees), the target and the Halide version, so compiling the same graph
// twice is free, and on disk (DiskCache.h: $NABLA_CACHE_DIR or ~/.cache/nabla,
// NABLA_CACHE_DIR=off to disable), so another process loads it in
// milliseconds. This header does not include Halide.h.
#pragma once

#include "backends/halide/AutoSchedulers.h"
#include "backends/halide/ScratchStats.h"
#include "runtime/CompiledFunction.h"
#include "runtime/Tensor.h"

#include "mlir/IR/BuiltinOps.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace nabla::halide {

struct CompiledPipeline; // the lowered pipeline, its own MLIR copy, its shape cache

/// Whether compileJit may return the in-memory cache's instance of a
/// pipeline, whose calls are serialized, or must build a replica: an instance
/// of its own for a caller that runs copies of a function at the same time on
/// threads of its own (data-parallel training). A replica runs its parallel
/// loops on the calling thread, since the caller's threads already occupy the
/// cores, and still loads from the on-disk cache.
enum class Instance { Shared, Replica };

class Executable {
public:
  /// Compiles function `name` of `module` for `target` ("host", "host-cuda"
  /// or a Halide target string, see Targets.h), scheduled by nabla's own
  /// schedules or, on the CPU, one of Halide's autoschedulers for a batch
  /// (AutoSchedulers.h), or returns the cached compile. Throws nabla::Error
  /// for a missing function, ops without a Halide lowering (all listed at
  /// once), an unknown target, an autoscheduler that fails or a Halide
  /// compile error. GPU targets compile in memory (no on-disk cache).
  static Executable compileJit(mlir::ModuleOp module, llvm::StringRef name,
                               const std::string &target = "host", const Schedule &schedule = {},
                               Instance instance = Instance::Shared);

  /// Whether JIT pipelines for `target` run on a GPU (throws for an unknown
  /// target, as compileJit does).
  static bool targetIsDevice(const std::string &target);

  /// "arg<i>" / "result<i>", or the `nabla.name` string attribute when the
  /// function's argument/result carries one.
  const std::vector<std::string> &inputNames() const;
  const std::vector<std::string> &outputNames() const;

  /// Output shapes for these input shapes (validates them).
  std::vector<Shape> outputShapes(const std::vector<Shape> &inputShapes) const;

  /// Runs on `inputs` (in argument order) and returns freshly allocated outputs.
  std::vector<Tensor> run(const std::vector<Tensor> &inputs) const;
  /// Runs writing into caller-provided outputs of the right shapes and dtypes
  /// (no allocation per call).
  void runInto(const std::vector<Tensor> &inputs, std::vector<Tensor> &outputs) const;

  /// Whether the pipeline runs on a GPU; then runResident keeps the flagged
  /// tensors in device memory between calls (CompiledFunction.h says how),
  /// and runInto copies every input up and every output back.
  bool onDevice() const;
  void runResident(const std::vector<Tensor> &inputs, std::vector<Tensor> &outputs,
                   const Residency &residency) const;
  /// Device copies are shared by every GPU pipeline of the process.
  static void syncToHost(const Tensor &tensor);
  static void dropDeviceCopy(const Tensor &tensor);
  /// Device copies registered now (for tests and leak checks).
  static size_t deviceCopyCount();

  /// Scratch memory of the intermediates for calls with these input shapes,
  /// recorded by the first such call (zeros before it): bytes with every
  /// intermediate in a buffer of its own, and in the planned arena.
  ScratchStats scratchStats(const std::vector<Shape> &inputShapes) const;

  /// Seconds the (first, uncached) lowering and JIT compile took.
  double compileSeconds() const;
  /// The cache key's hash of the IR text (for logs).
  uint64_t irHash() const;

private:
  explicit Executable(std::shared_ptr<CompiledPipeline> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<CompiledPipeline> impl_;
};

struct JitCacheStats {
  int64_t compiles = 0;     // in-memory cache misses (loaded from disk or compiled)
  int64_t hits = 0;         // compileJit calls answered from the in-memory cache
  int64_t diskHits = 0;     // misses answered by the on-disk cache
  int64_t diskStores = 0;   // pipelines compiled and written to the on-disk cache
  int64_t diskRejected = 0; // on-disk entries that did not load (rebuilt)
};
JitCacheStats jitCacheStats();
/// Drops every compile cached in memory (Executables already handed out stay
/// valid); the on-disk cache stays.
void clearJitCache();
/// The on-disk cache's directory now, or "" when it is off.
std::string jitCacheDirectory();

} // namespace nabla::halide
