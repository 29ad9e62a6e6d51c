// The optimizer update shared by --nabla-train-step and
// --nabla-apply-gradients: optimizer-state and hyperparameter arguments
// appended to a function, the update of each parameter built in it, and the
// function's results replaced by named values.
#pragma once

#include "runtime/Optimizer.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <vector>

namespace nabla {

/// A result of a gradient function (made by --nabla-autodiff) named
/// `grad:<name>`, and the argument `<name>` it is the gradient of.
struct GradientResult {
  std::string name;
  unsigned argument, result;
};

/// What an update is built from: the optimizer, the differentiated function
/// @<function>, its gradient function @<function>_grad and the gradient
/// results of the latter (every result after the differentiated function's).
struct UpdateSource {
  OptimizerKind kind;
  mlir::FuncOp original, grad;
  std::vector<GradientResult> gradients;
};

/// Finds the UpdateSource for `function` and `optimizer` in `module` and
/// checks that @`newName` is free. Emits an error starting with `passFlag`
/// and fails for an unknown optimizer, a missing function, a taken name, or
/// a gradient result not named grad:<argument name>.
mlir::FailureOr<UpdateSource> findUpdateSource(mlir::ModuleOp module, const std::string &function,
                                               const std::string &optimizer,
                                               const std::string &newName,
                                               llvm::StringRef passFlag);

/// A parameter argument of the function being built and its gradient there.
struct ParameterGradient {
  std::string name;
  mlir::Value param, grad;
};

/// New values and the result names they get.
struct NamedValues {
  llvm::SmallVector<mlir::Value> values;
  llvm::SmallVector<std::string> names;
};

/// Appends to `function` one argument per parameter and optimizer slot (role
/// `opt_state`, named `<param>/<slot>`), then the optimizer's scalar
/// hyperparameters (role `hyper`), and builds before `ret` the update of every
/// parameter. Returns the updated parameters, then the updated slots (slots
/// parameter by parameter). Throws nabla::Error when the update cannot be built.
NamedValues buildOptimizerStep(mlir::FuncOp function, mlir::ReturnOp ret,
                               const std::vector<ParameterGradient> &params, OptimizerKind kind);

/// Makes `values` the results of `function` in place of `ret`, named by
/// `names` (an empty name: none), and erases the ops that became dead.
void replaceResults(mlir::FuncOp function, mlir::ReturnOp ret, const NamedValues &results);

} // namespace nabla
