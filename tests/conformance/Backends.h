// The backends the conformance runner can check an imported model on. A
// backend is only a function from the imported module and @main's arguments
// (inputs then params, in argument order) to @main's results, so adding one
// (the Halide JIT, say) is one entry in backends() and a link dependency.
#pragma once

#include "runtime/Tensor.h"

#include "mlir/IR/BuiltinOps.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace nabla::conformance {

using Backend =
    std::function<std::vector<Tensor>(mlir::ModuleOp module, const std::vector<Tensor> &args)>;

/// The available backends by name ("reference", ...).
const std::map<std::string, Backend> &backends();

} // namespace nabla::conformance
