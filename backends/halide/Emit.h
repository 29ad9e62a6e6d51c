// Halide's view of a compiled nabla function, written to a file: the lowered
// loop nest (what the schedule did), LLVM IR, or host assembly. The pipeline
// and schedule are the JIT's own, so what you read is what runs.
#pragma once

#include "backends/halide/AutoSchedulers.h"

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace nabla::halide {

enum class EmitKind { Stmt, Llvm, Assembly };

/// Lowers function `name` of `module` for the host CPU, scheduled as
/// `schedule` says, and writes `kind` to `path`. Throws nabla::Error
/// (missing function, unsupported ops, Halide compile errors, unwritable
/// path).
void emitFunction(mlir::ModuleOp module, const std::string &name, EmitKind kind,
                  const std::string &path, const Schedule &schedule = {});

} // namespace nabla::halide
