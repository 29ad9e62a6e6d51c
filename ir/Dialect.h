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

/// The elementwise math ops (unary, and binary with broadcasting): each
/// result element depends only on the operand elements at its own index.
bool isElementwise(mlir::Operation *op);
} // namespace nabla
