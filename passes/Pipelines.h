// The pass pipelines nabla runs, shared by nablac and the DSL's compile call,
// and the IR dumps users ask for.
#pragma once

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

#include <string>

namespace nabla {

struct PipelineOptions {
  std::string lossFunction = "loss";
  bool autodiff = true;          // build <loss>_grad
  std::string optimizer;         // non-empty: build <loss>_train_step with it
  // With an optimizer and > 0: <loss>_apply_gradients too, averaging this
  // many shards' gradients (data parallel).
  int applyGradientShards = 0;
  bool fuse = true;              // --nabla-fuse-conv-bias-relu, --nabla-fuse-elementwise
  bool im2col = false;           // --nabla-lower-conv/pool-to-im2col
  bool winograd = true;          // --nabla-select-winograd
  bool cleanup = true;           // CSE and canonicalization at the end
  int64_t planMemoryBatch = 0;   // > 0: --nabla-plan-memory at this batch size
};

/// Adds the passes `options` ask for, in order.
void buildPipeline(mlir::PassManager &pm, const PipelineOptions &options);

/// Writes the module after every pass to `dir`/NN-<pass-flag>.mlir (NN counts
/// from 01; 00-input.mlir is the module before any pass).
void enableIrDumps(mlir::PassManager &pm, const std::string &dir, mlir::ModuleOp input);

/// Prints the module after every pass to stderr (--print-ir-after-all); turns
/// off the context's threading so the output is in pass order.
void enableIrPrinting(mlir::PassManager &pm);

} // namespace nabla
