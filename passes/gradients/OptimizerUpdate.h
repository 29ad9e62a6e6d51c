// Builds one parameter's optimizer update in IR (formulas in runtime/Optimizer.h).
#pragma once

#include "passes/gradients/GradientBuilder.h"
#include "runtime/Optimizer.h"

#include <map>
#include <string>
#include <vector>

namespace nabla::grad {

struct UpdateResult {
  mlir::Value param;              // the updated parameter
  std::vector<mlir::Value> slots; // updated state, in optimizerSlots() order
};

/// `slots` follow optimizerSlots(kind); `hypers` maps optimizerHyperparameters(kind)
/// names to scalar tensor<f32> values.
UpdateResult buildOptimizerUpdate(GradientBuilder &b, OptimizerKind kind, mlir::Value param,
                                  mlir::Value grad, llvm::ArrayRef<mlir::Value> slots,
                                  const std::map<std::string, mlir::Value> &hypers);

} // namespace nabla::grad
