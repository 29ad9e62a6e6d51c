// The nabla dialect and its ops, for C++ users.
#pragma once

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "ir/NablaDialect.h.inc"

#define GET_OP_CLASSES
#include "ir/NablaOps.h.inc"

namespace nabla {
/// Registers the dialects a nabla module uses (nabla, builtin, std).
void registerNablaDialects(mlir::DialectRegistry &registry);
} // namespace nabla
