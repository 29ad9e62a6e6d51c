// Gradient rules of matmul, data movement, reductions and softmax.
#include "passes/gradients/GradientRules.h"


using namespace mlir;

namespace nabla::grad {

namespace {
using Grads = std::vector<Value>;
using In = llvm::ArrayRef<Value>;

std::vector<int64_t> ints(ArrayAttr attr) {
  std::vector<int64_t> out;
  for (Attribute a : attr) out.push_back(a.cast<IntegerAttr>().getInt());
  return out;
}

/// C = op(A) op(B) with op = transpose when flagged. For C = A B the
/// gradients are dA = G B^T and dB = A^T G; the flags permute these.
Grads matmulGrads(MatmulOp op, Value g, GradientBuilder &b) {
  Value a = op.getLhs(), w = op.getRhs();
  bool ta = op.getTransposeLhs(), tb = op.getTransposeRhs();
  auto mm = [&](Value x, Value y, bool tx, bool ty) {
    llvm::SmallVector<NamedAttribute> attrs;
    if (tx) attrs.push_back(b.attr("transpose_lhs", b.builder().getBoolAttr(true)));
    if (ty) attrs.push_back(b.attr("transpose_rhs", b.builder().getBoolAttr(true)));
    return b.op<MatmulOp>({x, y}, attrs);
  };
  if (!ta && !tb) return {mm(g, w, false, true), mm(a, g, true, false)};
  if (ta && !tb) return {mm(w, g, false, true), mm(a, g, false, false)};
  if (!ta && tb) return {mm(g, w, false, false), mm(g, a, true, false)};
  return {mm(w, g, true, true), mm(g, a, true, true)};
}

/// The inverse of a permutation.
std::vector<int64_t> inverse(const std::vector<int64_t> &perm) {
  std::vector<int64_t> inv(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inv[perm[i]] = int64_t(i);
  return inv;
}

template <typename OpT> std::vector<int64_t> axesOf(OpT op) { return ints(op.getAxes()); }
} // namespace

void registerTensorGradients(RuleTable &t) {
  t.addNonDifferentiable<NumElementsOp>();
  t.addNonDifferentiable<ArgmaxOp>();

  t.add<MatmulOp>([](MatmulOp op, In g, GradientBuilder &b) { return matmulGrads(op, g[0], b); });
  t.add<TransposeOp>([](TransposeOp op, In g, GradientBuilder &b) {
    auto perm = inverse(ints(op.getPermAttr()));
    return Grads{b.op<TransposeOp>({g[0]}, {b.attr("perm", b.ints(perm))})};
  });
  t.add<ReshapeOp>([](ReshapeOp op, In g, GradientBuilder &b) {
    return Grads{b.reshapeLike(g[0], op.getInput())};
  });
  t.add<FlattenOp>([](FlattenOp op, In g, GradientBuilder &b) {
    return Grads{b.reshapeLike(g[0], op.getInput())};
  });
  t.add<BroadcastLikeOp>([](BroadcastLikeOp op, In g, GradientBuilder &b) {
    return Grads{b.sumToLike(g[0], op.getInput()), Value()};
  });
  t.add<SumToLikeOp>([](SumToLikeOp op, In g, GradientBuilder &b) {
    return Grads{b.broadcastLike(g[0], op.getInput()), Value()};
  });

  t.add<ReduceSumOp>([](ReduceSumOp op, In g, GradientBuilder &b) {
    Value kept = b.keepDims(g[0], op.getInput(), axesOf(op), op.getKeepdims());
    return Grads{b.broadcastLike(kept, op.getInput())};
  });
  t.add<ReduceMeanOp>([](ReduceMeanOp op, In g, GradientBuilder &b) {
    Value kept = b.keepDims(g[0], op.getInput(), axesOf(op), op.getKeepdims());
    Value count = b.op<NumElementsOp>({op.getInput()}, {b.attr("axes", op.getAxes())});
    return Grads{b.broadcastLike(b.div(kept, count), op.getInput())};
  });
  // Every element equal to the maximum receives the gradient (ties share it
  // fully): mask = 1 - step(max - x), which is 1 exactly where x == max.
  t.add<ReduceMaxOp>([](ReduceMaxOp op, In g, GradientBuilder &b) {
    Value x = op.getInput();
    Value max = b.keepDims(op.getResult(), x, axesOf(op), op.getKeepdims());
    Value mask = b.sub(b.scalar(1.0), b.op<StepOp>({b.sub(max, x)}));
    Value kept = b.keepDims(g[0], x, axesOf(op), op.getKeepdims());
    return Grads{b.mul(b.broadcastLike(kept, x), mask)};
  });
  // softmax: dx = y * (g - sum(g * y)) along the axis.
  t.add<SoftmaxOp>([](SoftmaxOp op, In g, GradientBuilder &b) {
    Value y = op.getResult();
    int64_t axis = int64_t(op.getAxis());
    Value dot = b.reduceSum(b.mul(g[0], y), {axis}, /*keepdims=*/true);
    return Grads{b.mul(y, b.sub(g[0], dot))};
  });
  // log_softmax: dx = g - softmax(x) * sum(g) along the axis.
  t.add<LogSoftmaxOp>([](LogSoftmaxOp op, In g, GradientBuilder &b) {
    int64_t axis = int64_t(op.getAxis());
    Value total = b.reduceSum(g[0], {axis}, /*keepdims=*/true);
    Value probs = b.op<ExpOp>({op.getResult()});
    return Grads{b.sub(g[0], b.mul(probs, total))};
  });
}

} // namespace nabla::grad
