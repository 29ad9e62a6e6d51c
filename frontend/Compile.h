// Compiling a DSL model for training and inference: the pass pipeline
// (autodiff, train step, fusion, im2col) and a backend (the Halide JIT, or the
// reference interpreter for checking).
#pragma once

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
  std::string dumpIrDir;    // non-empty: NN-<pass>.mlir after every pass
  bool printIrAfterAll = false;
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
/// outlive it).
std::shared_ptr<const CompiledFunction> compileFunction(mlir::ModuleOp module, const std::string &name,
                                                        Backend backend);

} // namespace nabla::dsl
