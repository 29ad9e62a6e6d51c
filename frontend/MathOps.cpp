// DSL functions for elementwise math, shapes, matmul and reductions.
#include "frontend/OpHelpers.h"
#include "frontend/Ops.h"
#include "ir/Dialect.h"

using namespace mlir;

namespace nabla::dsl {

using detail::make1;

namespace {
Var scalarLike(Var x, double value) { return x.builder().constant(value); }

NamedAttribute attr(Var x, StringRef name, Attribute value) {
  return x.builder().opBuilder().getNamedAttr(name, value);
}
ArrayAttr ints(Var x, llvm::ArrayRef<int64_t> values) {
  return x.builder().opBuilder().getI64ArrayAttr(values);
}
} // namespace

Var operator+(VarAt a, Var b) { return make1<AddOp>(a.loc, {a.var, b}); }
Var operator-(VarAt a, Var b) { return make1<SubOp>(a.loc, {a.var, b}); }
Var operator*(VarAt a, Var b) { return make1<MulOp>(a.loc, {a.var, b}); }
Var operator/(VarAt a, Var b) { return make1<DivOp>(a.loc, {a.var, b}); }
Var operator+(VarAt a, double b) { return make1<AddOp>(a.loc, {a.var, scalarLike(a.var, b)}); }
Var operator-(VarAt a, double b) { return make1<SubOp>(a.loc, {a.var, scalarLike(a.var, b)}); }
Var operator*(VarAt a, double b) { return make1<MulOp>(a.loc, {a.var, scalarLike(a.var, b)}); }
Var operator/(VarAt a, double b) { return make1<DivOp>(a.loc, {a.var, scalarLike(a.var, b)}); }
Var operator*(double a, VarAt b) { return make1<MulOp>(b.loc, {scalarLike(b.var, a), b.var}); }
Var operator-(VarAt a) { return make1<NegOp>(a.loc, {a.var}); }

Var maximum(Var a, Var b, Loc loc) { return make1<MaximumOp>(loc, {a, b}); }
Var pow(Var a, Var b, Loc loc) { return make1<PowOp>(loc, {a, b}); }
Var pow(Var a, double exponent, Loc loc) {
  return make1<PowOp>(loc, {a, scalarLike(a, exponent)});
}
Var exp(Var x, Loc loc) { return make1<ExpOp>(loc, {x}); }
Var log(Var x, Loc loc) { return make1<LogOp>(loc, {x}); }
Var sqrt(Var x, Loc loc) { return make1<SqrtOp>(loc, {x}); }
Var square(Var x, Loc loc) { return make1<SquareOp>(loc, {x}); }
Var relu(Var x, Loc loc) { return make1<ReluOp>(loc, {x}); }
Var sigmoid(Var x, Loc loc) { return make1<SigmoidOp>(loc, {x}); }
Var tanh(Var x, Loc loc) { return make1<TanhOp>(loc, {x}); }
Var step(Var x, Loc loc) { return make1<StepOp>(loc, {x}); }
Var identity(Var x) { return x; }

Var softmax(Var x, int64_t axis, Loc loc) {
  return make1<SoftmaxOp>(loc, {x}, {attr(x, "axis", x.builder().opBuilder().getI64IntegerAttr(axis))});
}
Var logSoftmax(Var x, int64_t axis, Loc loc) {
  return make1<LogSoftmaxOp>(loc, {x},
                             {attr(x, "axis", x.builder().opBuilder().getI64IntegerAttr(axis))});
}

Var matmul(Var a, Var b, MatmulOptions options, Loc loc) {
  OpBuilder &ob = a.builder().opBuilder();
  llvm::SmallVector<NamedAttribute> attrs;
  if (options.transposeLhs) attrs.push_back(attr(a, "transpose_lhs", ob.getBoolAttr(true)));
  if (options.transposeRhs) attrs.push_back(attr(a, "transpose_rhs", ob.getBoolAttr(true)));
  return make1<MatmulOp>(loc, {a, b}, attrs);
}

Var transpose(Var x, std::vector<int64_t> perm, Loc loc) {
  return make1<TransposeOp>(loc, {x}, {attr(x, "perm", ints(x, perm))});
}
Var reshape(Var x, std::vector<int64_t> shape, Loc loc) {
  return make1<ReshapeOp>(loc, {x}, {attr(x, "shape", ints(x, shape))});
}
Var flatten(Var x, int64_t axis, Loc loc) {
  return make1<FlattenOp>(loc, {x},
                          {attr(x, "axis", x.builder().opBuilder().getI64IntegerAttr(axis))});
}

Var affine(Var x, Var w, Var b, Loc loc) {
  Var flat = x.rank() > 2 ? flatten(x, 1, loc) : x;
  return make1<AddOp>(loc, {matmul(flat, w, {}, loc), b});
}

namespace {
template <typename OpT> Var reduce(Var x, llvm::ArrayRef<int64_t> axes, bool keepdims, Loc loc) {
  llvm::SmallVector<NamedAttribute> attrs = {attr(x, "axes", ints(x, axes))};
  if (keepdims) attrs.push_back(attr(x, "keepdims", x.builder().opBuilder().getBoolAttr(true)));
  return make1<OpT>(loc, {x}, attrs);
}
} // namespace

Var reduceSum(Var x, std::vector<int64_t> axes, bool keepdims, Loc loc) {
  return reduce<ReduceSumOp>(x, axes, keepdims, loc);
}
Var reduceMean(Var x, std::vector<int64_t> axes, bool keepdims, Loc loc) {
  return reduce<ReduceMeanOp>(x, axes, keepdims, loc);
}
Var reduceMax(Var x, std::vector<int64_t> axes, bool keepdims, Loc loc) {
  return reduce<ReduceMaxOp>(x, axes, keepdims, loc);
}
Var argmax(Var x, int64_t axis, Loc loc) {
  return make1<ArgmaxOp>(loc, {x}, {attr(x, "axis", x.builder().opBuilder().getI64IntegerAttr(axis))});
}

} // namespace nabla::dsl
