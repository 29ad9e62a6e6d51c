// Lowerings of the elementwise ops: constants, unary math and broadcasting
// binary math. Each is one pure Func (ScheduleKind::Pointwise).
#include "backends/halide/Lowering.h"

#include "ir/Dialect.h"
#include "runtime/Error.h"

namespace nabla::halide {

using Halide::Expr;
using Halide::Var;

namespace {
int64_t staticDim(mlir::Type type, int64_t i) {
  return type.cast<mlir::RankedTensorType>().getDimSize(i);
}
constexpr int64_t kDynamic = mlir::ShapedType::kDynamicSize;
} // namespace

Expr broadcastRead(const LoweredTensor &tensor, mlir::Type type, const std::vector<Var> &out) {
  int offset = int(out.size()) - tensor.rank();
  std::vector<Expr> index;
  for (int j = 0; j < tensor.rank(); ++j) {
    int64_t size = staticDim(type, j);
    Expr i = out[j + offset];
    if (size == 1)
      index.push_back(0);
    else if (size == kDynamic) // a dynamic dim may still be 1 at run time
      index.push_back(Halide::select(tensor.shape[j] == 1, 0, i));
    else
      index.push_back(i);
  }
  return tensor.at(index);
}

std::vector<Expr> broadcastShape(const LoweredTensor &a, mlir::Type aType, const LoweredTensor &b,
                                 mlir::Type bType) {
  int rank = std::max(a.rank(), b.rank());
  std::vector<Expr> shape(rank);
  for (int i = 0; i < rank; ++i) {
    int ia = i - (rank - a.rank()), ib = i - (rank - b.rank());
    if (ia < 0) { shape[i] = b.shape[ib]; continue; }
    if (ib < 0) { shape[i] = a.shape[ia]; continue; }
    int64_t sa = staticDim(aType, ia), sb = staticDim(bType, ib);
    if (sa == 1) shape[i] = b.shape[ib];
    else if (sb == 1) shape[i] = a.shape[ia];
    else if (sa != kDynamic) shape[i] = a.shape[ia];
    else if (sb != kDynamic) shape[i] = b.shape[ib];
    else shape[i] = Halide::max(a.shape[ia], b.shape[ib]); // one of them is 1 or both equal
  }
  return shape;
}

namespace {
template <typename OpT>
void addUnary(LoweringTable &table, std::function<Expr(Expr)> formula) {
  table.add1<OpT>([formula](OpT op, const std::vector<LoweredTensor> &in) {
    auto v = makeVars(in[0].rank());
    Halide::Func f = makeFunc(op->getName().stripDialect().str());
    defineAt(f, v) = formula(in[0].at(toExprs(v)));
    return LoweredTensor{f, in[0].shape, ScheduleKind::Pointwise};
  });
}

template <typename OpT>
void addBinary(LoweringTable &table, std::function<Expr(Expr, Expr)> formula) {
  table.add1<OpT>([formula](OpT op, const std::vector<LoweredTensor> &in) {
    mlir::Type lt = op.getLhs().getType(), rt = op.getRhs().getType();
    auto shape = refineShape(op.getType(), broadcastShape(in[0], lt, in[1], rt));
    auto v = makeVars(int(shape.size()));
    Halide::Func f = makeFunc(op->getName().stripDialect().str());
    defineAt(f, v) = formula(broadcastRead(in[0], lt, v), broadcastRead(in[1], rt, v));
    return LoweredTensor{f, shape, ScheduleKind::Pointwise};
  });
}

/// A constant becomes a Buffer baked into the pipeline (a splat becomes a
/// literal), in the Halide dimension order.
LoweredTensor lowerConstant(ConstantOp op) {
  auto type = op.getType().cast<mlir::RankedTensorType>();
  auto elements = op.getValue().dyn_cast<mlir::DenseElementsAttr>();
  if (!elements) loweringError(op, "only dense constants are supported");
  std::vector<Expr> shape;
  for (int64_t d : type.getShape()) shape.push_back(int32_t(d));
  auto v = makeVars(int(type.getRank()));
  Halide::Type ht = halideType(type.getElementType());
  Halide::Func f = makeFunc("constant");
  if (elements.isSplat()) {
    Expr value = ht.is_float() ? Halide::cast(ht, Expr(elements.getSplatValue<llvm::APFloat>()
                                                          .convertToDouble()))
                               : Halide::cast(ht, Expr(elements.getSplatValue<llvm::APInt>()
                                                           .getSExtValue()));
    defineAt(f, v) = value;
    return {f, shape, ScheduleKind::Pointwise};
  }
  std::vector<int> extents(type.getShape().rbegin(), type.getShape().rend());
  Halide::Buffer<> buffer(ht, extents);
  int64_t n = type.getNumElements(), i = 0;
  // Row-major NCHW order equals the reversed-dims Buffer's dense order.
  if (ht.is_float()) {
    for (const llvm::APFloat &x : elements.getValues<llvm::APFloat>()) {
      double d = x.convertToDouble();
      if (ht.bits() == 32) static_cast<float *>(buffer.data())[i++] = float(d);
      else static_cast<double *>(buffer.data())[i++] = d;
    }
  } else {
    for (const llvm::APInt &x : elements.getValues<llvm::APInt>()) {
      if (ht.bits() == 32) static_cast<int32_t *>(buffer.data())[i++] = int32_t(x.getSExtValue());
      else static_cast<int64_t *>(buffer.data())[i++] = x.getSExtValue();
    }
  }
  if (i != n) loweringError(op, "constant has " + std::to_string(i) + " elements, expected " +
                                    std::to_string(n));
  defineAt(f, v) = buffer(std::vector<Expr>(v.rbegin(), v.rend()));
  return {f, shape, ScheduleKind::Pointwise};
}
} // namespace

void registerElementwiseLowerings(LoweringTable &table) {
  table.add1<ConstantOp>([](ConstantOp op, const std::vector<LoweredTensor> &) {
    return lowerConstant(op);
  });
  addUnary<NegOp>(table, [](Expr x) { return -x; });
  addUnary<ExpOp>(table, [](Expr x) { return Halide::exp(x); });
  addUnary<LogOp>(table, [](Expr x) { return Halide::log(x); });
  addUnary<SqrtOp>(table, [](Expr x) { return Halide::sqrt(x); });
  addUnary<SquareOp>(table, [](Expr x) { return x * x; });
  addUnary<ReluOp>(table, [](Expr x) { return Halide::max(x, 0.0f); });
  addUnary<SigmoidOp>(table, [](Expr x) { return 1.0f / (1.0f + Halide::exp(-x)); });
  addUnary<TanhOp>(table, [](Expr x) { return Halide::tanh(x); });
  addUnary<StepOp>(table, [](Expr x) { return Halide::select(x > 0.0f, 1.0f, 0.0f); });

  addBinary<AddOp>(table, [](Expr a, Expr b) { return a + b; });
  addBinary<SubOp>(table, [](Expr a, Expr b) { return a - b; });
  addBinary<MulOp>(table, [](Expr a, Expr b) { return a * b; });
  addBinary<DivOp>(table, [](Expr a, Expr b) { return a / b; });
  addBinary<MaximumOp>(table, [](Expr a, Expr b) { return Halide::max(a, b); });
  addBinary<PowOp>(table, [](Expr a, Expr b) { return Halide::pow(a, b); });
}

} // namespace nabla::halide
