// Building nabla ops with inferred result types without aborting: MLIR's
// generated builders call report_fatal_error when inference fails, which is
// no way to tell a DSL user that their shapes do not fit. buildOp runs the
// inference first, captures its diagnostic, and throws nabla::Error.
#pragma once

#include "mlir/IR/Builders.h"
#include "mlir/IR/OperationSupport.h"

#include <string>

namespace nabla {

/// Creates an op named `name` at the builder's insertion point with result
/// types from the op's InferTypeOpInterface. On failure throws nabla::Error
/// with the location and the verifier's message.
mlir::Operation *buildOp(mlir::OpBuilder &builder, mlir::Location loc, llvm::StringRef name,
                         mlir::ValueRange operands,
                         llvm::ArrayRef<mlir::NamedAttribute> attributes = {});

template <typename OpT>
OpT buildOp(mlir::OpBuilder &builder, mlir::Location loc, mlir::ValueRange operands,
            llvm::ArrayRef<mlir::NamedAttribute> attributes = {}) {
  return llvm::cast<OpT>(buildOp(builder, loc, OpT::getOperationName(), operands, attributes));
}

/// "file:line:col" (or the printed location) for error messages.
std::string describeLocation(mlir::Location loc);

} // namespace nabla
