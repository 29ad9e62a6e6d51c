// The table of gradient rules: one rule per differentiable op. A rule gets
// the op and the gradient flowing into each of its results (null where none
// flows) and returns the gradient of each operand (null where the operand is
// not differentiable or receives nothing).
#pragma once

#include "passes/gradients/GradientBuilder.h"

#include "mlir/IR/Operation.h"
#include "mlir/Support/TypeID.h"
#include "llvm/ADT/DenseMap.h"

#include <functional>
#include <vector>

namespace nabla::grad {

using Rule = std::function<std::vector<mlir::Value>(mlir::Operation *op,
                                                    llvm::ArrayRef<mlir::Value> resultGrads,
                                                    GradientBuilder &b)>;

class RuleTable {
public:
  /// Registers a rule for OpT: fn(OpT op, ArrayRef<Value> resultGrads, GradientBuilder &b).
  template <typename OpT, typename Fn> void add(Fn fn) {
    rules_[mlir::TypeID::get<OpT>()] = [fn](mlir::Operation *op,
                                            llvm::ArrayRef<mlir::Value> grads,
                                            GradientBuilder &b) {
      return fn(llvm::cast<OpT>(op), grads, b);
    };
  }
  /// Ops with no gradient at all (constants, argmax, ...): a rule returning nothing.
  template <typename OpT> void addNonDifferentiable() {
    add<OpT>([](OpT op, llvm::ArrayRef<mlir::Value>, GradientBuilder &) {
      return std::vector<mlir::Value>(op->getNumOperands());
    });
  }
  const Rule *find(mlir::Operation *op) const;
  static const RuleTable &instance();

private:
  llvm::DenseMap<mlir::TypeID, Rule> rules_;
};

void registerElementwiseGradients(RuleTable &table);
void registerTensorGradients(RuleTable &table);
void registerLayerGradients(RuleTable &table);

} // namespace nabla::grad
