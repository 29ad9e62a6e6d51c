// Lowers a whole nabla function (and, inlined, every private function it
// calls) to one Halide Pipeline: tensor arguments become ImageParams, results
// become the pipeline's outputs, and the CPU schedule (or, for a target with a
// GPU feature, the GPU schedule) is applied.
#pragma once

#include "backends/halide/AutoSchedulers.h"

#include "Halide.h"

#include "mlir/IR/BuiltinOps.h"

#include <vector>

namespace nabla::halide {

struct LoweredFunction {
  std::vector<Halide::ImageParam> inputs; // one per function argument
  std::vector<Halide::Func> outputs;      // one per function result
  Halide::Pipeline pipeline;
};

/// Throws nabla::Error listing every op (in `func` and the functions it
/// calls) that has no Halide lowering, or doing nothing when all have one.
void checkLowerable(mlir::FuncOp func);

/// Lowers `func` and schedules it for `target` (CPU or GPU): with nabla's
/// own schedules, or on the CPU with one of Halide's autoschedulers
/// (AutoSchedule.h). Throws nabla::Error.
LoweredFunction lowerFunction(mlir::FuncOp func, const Halide::Target &target,
                              const Schedule &schedule = {});

} // namespace nabla::halide
