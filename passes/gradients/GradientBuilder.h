// What a gradient rule builds with: an OpBuilder at the insertion point of
// the backward code plus short names for the ops gradients are made of. Every
// helper infers result types and throws nabla::Error if an op is invalid.
#pragma once

#include "ir/Dialect.h"
#include "ir/OpBuild.h"

#include "mlir/IR/Builders.h"

namespace nabla::grad {

class GradientBuilder {
public:
  GradientBuilder(mlir::OpBuilder &builder, mlir::Location loc) : b_(builder), loc_(loc) {}

  mlir::OpBuilder &builder() { return b_; }
  mlir::Location loc() const { return loc_; }

  template <typename OpT>
  mlir::Value op(mlir::ValueRange operands, llvm::ArrayRef<mlir::NamedAttribute> attrs = {}) {
    return buildOp<OpT>(b_, loc_, operands, attrs)->getResult(0);
  }
  template <typename OpT>
  mlir::Operation *multi(mlir::ValueRange operands, llvm::ArrayRef<mlir::NamedAttribute> attrs = {}) {
    return buildOp<OpT>(b_, loc_, operands, attrs).getOperation();
  }

  mlir::Value scalar(double value);
  mlir::Value add(mlir::Value a, mlir::Value b) { return op<AddOp>({a, b}); }
  mlir::Value sub(mlir::Value a, mlir::Value b) { return op<SubOp>({a, b}); }
  mlir::Value mul(mlir::Value a, mlir::Value b) { return op<MulOp>({a, b}); }
  mlir::Value div(mlir::Value a, mlir::Value b) { return op<DivOp>({a, b}); }
  mlir::Value neg(mlir::Value a) { return op<NegOp>({a}); }

  /// The adjoint of broadcasting: g summed back to the shape of `like`
  /// (no op when the types already agree).
  mlir::Value sumToLike(mlir::Value g, mlir::Value like);
  mlir::Value broadcastLike(mlir::Value g, mlir::Value like);
  /// g reshaped to the shape of `like`, whose dynamic dimension becomes -1.
  mlir::Value reshapeLike(mlir::Value g, mlir::Value like);
  /// g (the result of a reduction over `axes` of `input`) with the reduced
  /// dimensions restored as size 1, so it broadcasts against `input`.
  mlir::Value keepDims(mlir::Value g, mlir::Value input, llvm::ArrayRef<int64_t> axes, bool keepdims);
  mlir::Value reduceSum(mlir::Value x, llvm::ArrayRef<int64_t> axes, bool keepdims);
  /// A zero tensor of the shape of `like`.
  mlir::Value zerosLike(mlir::Value like);

  mlir::NamedAttribute attr(llvm::StringRef name, mlir::Attribute value) {
    return b_.getNamedAttr(name, value);
  }
  mlir::ArrayAttr ints(llvm::ArrayRef<int64_t> values) { return b_.getI64ArrayAttr(values); }

private:
  mlir::OpBuilder &b_;
  mlir::Location loc_;
};

} // namespace nabla::grad
