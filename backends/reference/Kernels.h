// The table of reference kernels, one per nabla op, filled by the
// register*Kernels functions (one file per op family).
#pragma once

#include "backends/reference/RefTensor.h"

#include "mlir/IR/Operation.h"
#include "mlir/Support/TypeID.h"
#include "llvm/ADT/DenseMap.h"

#include <functional>
#include <string>

namespace nabla::reference {

/// Evaluates one op on its operand values; returns one value per result.
using Kernel = std::function<std::vector<RefTensor>(mlir::Operation *, llvm::ArrayRef<RefTensor>)>;

class KernelTable {
public:
  /// Registers `fn(OpT op, operands) -> results` for OpT.
  template <typename OpT, typename Fn> void add(Fn fn) {
    kernels_[mlir::TypeID::get<OpT>()] = [fn](mlir::Operation *op,
                                              llvm::ArrayRef<RefTensor> operands) {
      return fn(llvm::cast<OpT>(op), operands);
    };
  }
  /// Registers a single-result kernel `fn(OpT op, operands) -> RefTensor`.
  template <typename OpT, typename Fn> void add1(Fn fn) {
    add<OpT>([fn](OpT op, llvm::ArrayRef<RefTensor> operands) {
      return std::vector<RefTensor>{fn(op, operands)};
    });
  }
  const Kernel *find(mlir::Operation *op) const;

  /// The table with every family registered.
  static const KernelTable &instance();

private:
  llvm::DenseMap<mlir::TypeID, Kernel> kernels_;
};

void registerElementwiseKernels(KernelTable &table);
void registerTensorKernels(KernelTable &table);
void registerReductionKernels(KernelTable &table);
void registerLossKernels(KernelTable &table);
void registerConvKernels(KernelTable &table);
void registerPoolKernels(KernelTable &table);
void registerNormalizationKernels(KernelTable &table);

/// Throws nabla::Error "'nabla.<op>' at <file:line:col>: <message>".
[[noreturn]] void kernelError(mlir::Operation *op, const std::string &message);

/// Applies a fused op's activation ("none" or "relu") in place.
RefTensor applyActivation(llvm::StringRef activation, RefTensor value);

/// Reads an I64ArrayAttr / integer attribute (already checked by the verifier).
std::vector<int64_t> intsAttr(mlir::Attribute attr);

} // namespace nabla::reference
