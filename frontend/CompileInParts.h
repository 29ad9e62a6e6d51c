// A long function compiled as a chain of parts, each part a pipeline of its
// own compiled on a thread of its own (--nabla-split-function,
// runtime/ChainedFunction.h): Halide lowers a pipeline on one thread, so a
// long training step's cold compile is bound by one core otherwise.
#pragma once

#include "runtime/CompiledFunction.h"

#include "mlir/IR/BuiltinOps.h"

#include <functional>
#include <future>
#include <memory>
#include <string>

namespace nabla::dsl {

/// Compiles one function of the module by name.
using CompileOne = std::function<std::shared_ptr<const CompiledFunction>(const std::string &)>;

/// Splits function `name` of `module` into at most `parts` parts (the
/// module's @name becomes the chain of calls) and starts compiling each part
/// with `compile` under `policy`; the future gives the ChainedFunction. When
/// the function stays whole (parts < 2, or no place to cut it), the future
/// compiles @name itself. Throws nabla::Error if the pass fails.
std::future<std::shared_ptr<const CompiledFunction>>
compileInParts(mlir::ModuleOp module, const std::string &name, int parts, const CompileOne &compile,
               std::launch policy);

} // namespace nabla::dsl
