// Compiling a DSL model for training and inference: the pass pipeline
// (autodiff, train step, fusion, im2col) and a backend (the Halide JIT, or the
// reference interpreter for checking); or ahead of time, to a static library,
// a C header and a weights file (compileAOT).
#pragma once

#include "backends/halide/Aot.h"
#include "frontend/ModelBuilder.h"
#include "passes/Pipelines.h"
#include "runtime/CompiledFunction.h"
#include "runtime/Optimizer.h"

#include <memory>

namespace nabla::dsl {

enum class Backend { Halide, Reference };

struct CompileOptions {
  Backend backend = Backend::Halide;
  OptimizerKind optimizer = OptimizerKind::Adam;
  bool fuse = true;         // --nabla-fuse-conv-bias-relu
  bool im2col = false;      // --nabla-lower-conv/pool-to-im2col
  bool winograd = true;     // --nabla-select-winograd
  std::string dumpIrDir;    // non-empty: NN-<pass>.mlir after every pass
  bool printIrAfterAll = false;
  /// Where the Halide backend runs: "host", "host-cuda" (parameters and
  /// optimizer state then stay on the GPU between training steps) or a Halide
  /// target string.
  std::string target = "host";
  /// The Halide backend's schedules on the CPU: nabla's own, or one of
  /// Halide's autoschedulers for a batch (to compare them;
  /// backends/halide/AutoSchedulers.h).
  halide::Schedule schedule;
  /// Above 1: data parallelism on the host. The training step is then a
  /// DataParallelStep (runtime/DataParallelStep.h): @loss_grad on this many
  /// shards of each batch at once, and @loss_apply_gradients (built for this
  /// many shards) averaging their gradients and applying the average in one
  /// pass; @forward is a BatchShardedFunction, its rows computed shard by
  /// shard at once.
  int replicas = 1;
  /// Above 1: the single training step as a chain of this many separately
  /// compiled pipelines (--nabla-split-function, runtime/ChainedFunction.h),
  /// which compile in parallel and, since Halide's lowering grows faster than
  /// the pipeline, in less time even on one core: DeepConvNet's model cold in
  /// 4 parts 27-32 -> 8-9 s on two cores. The price is run time where a cut keeps
  /// values apart that one pipeline computes together: its steps 7-13%
  /// slower (a residual net's 20-26%). So 1 (one pipeline) unless compiles
  /// dominate, e.g. while changing a model's layers.
  int stepParts = 1;
};

struct CompiledModel {
  mlir::OwningOpRef<mlir::ModuleOp> module; // @forward, @loss, @loss_grad, @loss_train_step
  std::shared_ptr<const CompiledFunction> forward, trainStep;
  double compileSeconds = 0;
};

/// Builds the model's module, runs the pipeline and compiles @forward and
/// @loss_train_step. The ModelBuilder must outlive the result.
CompiledModel compileModel(ModelBuilder &model, const CompileOptions &options);

/// The backend's compiled form of function `name` of `module` (which must
/// outlive it), for `target` (the reference backend runs on the host only,
/// and has no schedules to choose).
std::shared_ptr<const CompiledFunction> compileFunction(
    mlir::ModuleOp module, const std::string &name, Backend backend,
    const std::string &target = "host", const halide::Schedule &schedule = {});

struct AotCompileOptions {
  std::string outDir = ".";
  std::string name;               // file stem and C prefix; default: the model's name
  std::string target = "host";    // "host", "host-cuda" or a Halide target string
  std::string entry = "forward";  // the function to compile
  bool fuse = true, im2col = false; // the passes, as in CompileOptions
  /// Parameter and state values by name (a trainer's parameters(), a
  /// checkpoint's); when given, <name>.weights is written too.
  const std::map<std::string, Tensor> *weights = nullptr;
};

/// Builds the model's module, runs the inference passes (fusion, im2col,
/// cleanup; no autodiff) and compiles `entry` ahead of time: <name>.a,
/// <name>.h and, with weights, <name>.weights in options.outDir.
halide::AotOutput compileAOT(ModelBuilder &model, const AotCompileOptions &options);

} // namespace nabla::dsl
