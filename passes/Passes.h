// Factories and registration for nabla's passes.
#pragma once

#include "mlir/Pass/Pass.h"

#include <memory>

namespace nabla {

std::unique_ptr<mlir::Pass> createAutodiffPass();
/// Differentiates `function` instead of the default @loss.
std::unique_ptr<mlir::Pass> createAutodiffPass(const std::string &function);
std::unique_ptr<mlir::Pass> createFuseConvBiasReluPass();
std::unique_ptr<mlir::Pass> createPoolIndicesPass();
std::unique_ptr<mlir::Pass> createFuseElementwisePass();
std::unique_ptr<mlir::Pass> createFuseLoopGroupsPass();
std::unique_ptr<mlir::Pass> createFuseConvPoolPass();
std::unique_ptr<mlir::Pass> createSelectWinogradPass();
std::unique_ptr<mlir::Pass> createLowerConvToIm2colPass();
std::unique_ptr<mlir::Pass> createLowerPoolToIm2colPass();
std::unique_ptr<mlir::Pass> createPlanMemoryPass();
std::unique_ptr<mlir::Pass> createApplyGradientsPass();
std::unique_ptr<mlir::Pass> createApplyGradientsPass(const std::string &function,
                                                     const std::string &optimizer, int shards = 1);
std::unique_ptr<mlir::Pass> createSplitFunctionPass();
std::unique_ptr<mlir::Pass> createSplitFunctionPass(const std::string &function, int parts);
std::unique_ptr<mlir::Pass> createTrainStepPass();
std::unique_ptr<mlir::Pass> createTrainStepPass(const std::string &function,
                                                const std::string &optimizer);

// registerNablaPasses() and one register<Pass>Pass() per pass.
#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

} // namespace nabla
