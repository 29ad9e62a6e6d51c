// The pass-pipeline variants the equivalence tests compare (no passes, fusion
// only, im2col only, all), a model compiled through one of them, and seeded
// arguments for its @forward and @loss_grad.
#pragma once

#include "backends/reference/RefTensor.h"
#include "frontend/ModelBuilder.h"

#include "mlir/IR/BuiltinOps.h"

#include <vector>

namespace nabla::testing {

enum class Pipeline { None, Fusion, Im2col, All };
const char *name(Pipeline p);

/// The model's module after autodiff, `pipeline`, CSE and canonicalization
/// (and --nabla-plan-memory when `planMemoryBatch` > 0).
mlir::OwningOpRef<mlir::ModuleOp> compile(dsl::ModelBuilder &m, Pipeline pipeline,
                                          int64_t planMemoryBatch = 0);

/// Arguments for @loss_grad (all of them) and @forward (no labels, no step).
struct Arguments {
  std::vector<reference::RefTensor> loss, forward;
};
Arguments randomArguments(dsl::ModelBuilder &m, const Shape &input, int64_t classes, uint64_t seed);

} // namespace nabla::testing
