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

/// Max pooling whose windows tile the image (stride = kernel, no padding):
/// each pixel lies in exactly one window. The forward pool then reads each
/// input element once; the backward gives each pixel its window's gradient
/// or zero.
bool poolWindowsTile(MaxPool2DOp op);
bool poolWindowsTile(MaxPool2DBackwardOp op);
bool poolWindowsTile(MaxPool2DWithIndicesOp op);
bool poolWindowsTile(MaxPool2DIndicesBackwardOp op);

/// Ops whose result element at an index depends on a few operand elements
/// found from that index alone: the elementwise ops and a max_pool2d_backward
/// or max_pool2d_indices_backward whose windows tile. A consumer of the same
/// shape can compute them inline.
bool isPointwise(mlir::Operation *op);
} // namespace nabla
