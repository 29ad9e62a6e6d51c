// Reference kernels for constants, unary math and broadcasting binary math.
#include "backends/reference/Broadcast.h"
#include "ir/Dialect.h"

#include "mlir/IR/BuiltinAttributes.h"

#include <cmath>

using namespace mlir;

namespace nabla::reference {

namespace {
RefTensor constant(ConstantOp op, llvm::ArrayRef<RefTensor>) {
  auto attr = op.getValue().cast<DenseElementsAttr>();
  auto type = attr.getType().cast<ShapedType>();
  RefTensor out(Shape(type.getShape().begin(), type.getShape().end()));
  int64_t i = 0;
  if (type.getElementType().isa<FloatType>())
    for (const APFloat &v : attr.getValues<APFloat>()) out[i++] = v.convertToDouble();
  else
    for (const APInt &v : attr.getValues<APInt>()) out[i++] = double(v.getSExtValue());
  return out;
}

template <typename F> auto unary(F f) {
  return [f](Operation *, llvm::ArrayRef<RefTensor> in) {
    RefTensor out(in[0].shape);
    for (int64_t i = 0; i < out.numel(); ++i) out[i] = f(in[0][i]);
    return out;
  };
}

template <typename F> auto binary(F f) {
  return [f](Operation *op, llvm::ArrayRef<RefTensor> in) {
    return broadcastBinary(op, in[0], in[1], f);
  };
}
} // namespace

void registerElementwiseKernels(KernelTable &t) {
  t.add1<ConstantOp>(constant);
  t.add1<NegOp>(unary([](double x) { return -x; }));
  t.add1<ExpOp>(unary([](double x) { return std::exp(x); }));
  t.add1<LogOp>(unary([](double x) { return std::log(x); }));
  t.add1<SqrtOp>(unary([](double x) { return std::sqrt(x); }));
  t.add1<SquareOp>(unary([](double x) { return x * x; }));
  // NaN propagates, as with numpy.maximum(0, x) in the book.
  t.add1<ReluOp>(unary([](double x) { return x > 0 || std::isnan(x) ? x : 0.0; }));
  t.add1<SigmoidOp>(unary([](double x) { return 1.0 / (1.0 + std::exp(-x)); }));
  t.add1<TanhOp>(unary([](double x) { return std::tanh(x); }));
  t.add1<StepOp>(unary([](double x) { return x > 0 ? 1.0 : 0.0; }));
  t.add1<AddOp>(binary([](double a, double b) { return a + b; }));
  t.add1<SubOp>(binary([](double a, double b) { return a - b; }));
  t.add1<MulOp>(binary([](double a, double b) { return a * b; }));
  t.add1<DivOp>(binary([](double a, double b) { return a / b; }));
  t.add1<MaximumOp>(binary([](double a, double b) { return a >= b ? a : b; }));
  t.add1<PowOp>(binary([](double a, double b) { return std::pow(a, b); }));
}

} // namespace nabla::reference
