// The reference interpreter: evaluates any function of a nabla module op by
// op, in double precision. It is slow on purpose-simple code and serves as
// the oracle for every backend and pass test and for gradient checks.
#pragma once

#include "backends/reference/RefTensor.h"
#include "runtime/Tensor.h"

#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <vector>

namespace nabla::reference {

class Interpreter {
public:
  explicit Interpreter(mlir::ModuleOp module) : module_(module) {}

  /// Runs `function` on double-precision arguments. Throws nabla::Error when
  /// the function is missing, an argument does not match its declared type,
  /// or an op fails at run time (e.g. a label out of range).
  std::vector<RefTensor> call(llvm::StringRef function, std::vector<RefTensor> args) const;

  /// Runs `function` on host tensors; results are rounded to their declared
  /// element types (f32, i64, ...).
  std::vector<Tensor> run(llvm::StringRef function, const std::vector<Tensor> &args) const;

private:
  std::vector<RefTensor> callFunc(mlir::FuncOp func, std::vector<RefTensor> args) const;

  mutable mlir::ModuleOp module_; // MLIR handles are not const-correct.
};

/// The runtime element type matching an MLIR tensor element type.
DType dtypeOf(mlir::Type elementType);

} // namespace nabla::reference
