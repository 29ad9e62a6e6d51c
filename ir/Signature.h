// A function's arguments and results in runtime terms (name, role, shape,
// element type), read from the `nabla.name` / `nabla.role` attributes the DSL
// and the passes attach. Every backend's CompiledFunction reports these.
#pragma once

#include "runtime/CompiledFunction.h"

#include "mlir/IR/BuiltinOps.h"

namespace nabla {

std::vector<ArgumentInfo> functionInputs(mlir::FuncOp func);
std::vector<ArgumentInfo> functionOutputs(mlir::FuncOp func);

} // namespace nabla
