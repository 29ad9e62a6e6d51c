// Helpers shared by the unit tests: parse nabla IR from a string, run one
// function on the reference interpreter, compare tensors.
#pragma once

#include "backends/reference/Interpreter.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

namespace nabla::testing {

/// A context with the nabla dialects loaded.
std::unique_ptr<mlir::MLIRContext> makeContext();

/// Parses and verifies `source`; fails the test (and returns null) on error.
mlir::OwningOpRef<mlir::ModuleOp> parse(mlir::MLIRContext &context, llvm::StringRef source);

/// Parses `source` and runs its function `name` on the reference interpreter.
std::vector<reference::RefTensor> runReference(llvm::StringRef source, llvm::StringRef name,
                                               std::vector<reference::RefTensor> args);

/// Expects equal shapes and |a - b| <= atol + rtol * |b| elementwise.
void expectNear(const reference::RefTensor &actual, const reference::RefTensor &expected,
                double rtol = 1e-12, double atol = 1e-12);

} // namespace nabla::testing
