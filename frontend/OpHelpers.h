// Internal to frontend/: creating an op from DSL handles.
#pragma once

#include "frontend/ModelBuilder.h"
#include "ir/OpBuild.h"
#include "runtime/Error.h"

#include "frontend/SourceLocation.h"

namespace nabla::dsl::detail {

/// The one builder shared by all operands (mixing models is an error).
inline ModelBuilder &builderOf(std::initializer_list<Var> operands) {
  ModelBuilder *found = nullptr;
  for (const Var &v : operands) {
    ModelBuilder &b = v.builder();
    if (found && found != &b) throw Error("operands come from different models");
    found = &b;
  }
  return *found;
}

/// Builds OpT on `operands`, throwing nabla::Error at `loc` on a shape error.
template <typename OpT>
mlir::Operation *make(const SourceLocation &loc, std::initializer_list<Var> operands,
                      llvm::ArrayRef<mlir::NamedAttribute> attrs = {}) {
  ModelBuilder &m = builderOf(operands);
  llvm::SmallVector<mlir::Value> values;
  for (const Var &v : operands) values.push_back(v.value());
  return buildOp<OpT>(m.opBuilder(), m.location(loc), values, attrs).getOperation();
}

template <typename OpT>
Var make1(const SourceLocation &loc, std::initializer_list<Var> operands,
          llvm::ArrayRef<mlir::NamedAttribute> attrs = {}) {
  mlir::Operation *op = make<OpT>(loc, operands, attrs);
  return builderOf(operands).wrap(op->getResult(0));
}

} // namespace nabla::dsl::detail
