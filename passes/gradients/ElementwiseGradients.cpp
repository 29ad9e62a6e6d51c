// Gradient rules of the elementwise ops. Broadcasting binary ops sum their
// gradient back to each operand's shape (sum_to_like).
#include "passes/gradients/GradientRules.h"

using namespace mlir;

namespace nabla::grad {

namespace {
using Grads = std::vector<Value>;
using In = llvm::ArrayRef<Value>;
} // namespace

void registerElementwiseGradients(RuleTable &t) {
  t.addNonDifferentiable<ConstantOp>();
  // step is piecewise constant: its derivative is 0 wherever it exists.
  t.addNonDifferentiable<StepOp>();

  t.add<NegOp>([](NegOp, In g, GradientBuilder &b) { return Grads{b.neg(g[0])}; });
  t.add<ExpOp>([](ExpOp op, In g, GradientBuilder &b) {
    return Grads{b.mul(g[0], op.getResult())};
  });
  t.add<LogOp>([](LogOp op, In g, GradientBuilder &b) {
    return Grads{b.div(g[0], op.getInput())};
  });
  t.add<SqrtOp>([](SqrtOp op, In g, GradientBuilder &b) {
    return Grads{b.div(g[0], b.mul(op.getResult(), b.scalar(2.0)))};
  });
  t.add<SquareOp>([](SquareOp op, In g, GradientBuilder &b) {
    return Grads{b.mul(g[0], b.mul(op.getInput(), b.scalar(2.0)))};
  });
  // relu'(x) = step(x): 1 where x > 0, 0 elsewhere (0 at x = 0, as the book's
  // mask). It is computed from the output (y > 0 exactly where x > 0) so the
  // op producing x keeps ReLU as its only user and can fuse with it.
  t.add<ReluOp>([](ReluOp op, In g, GradientBuilder &b) {
    return Grads{b.mul(g[0], b.op<StepOp>({op.getResult()}))};
  });
  // sigmoid' = y (1 - y), written y - y*y to reuse y twice without a constant.
  t.add<SigmoidOp>([](SigmoidOp op, In g, GradientBuilder &b) {
    Value y = op.getResult();
    return Grads{b.mul(g[0], b.sub(y, b.mul(y, y)))};
  });
  t.add<TanhOp>([](TanhOp op, In g, GradientBuilder &b) {
    Value y = op.getResult();
    return Grads{b.mul(g[0], b.sub(b.scalar(1.0), b.mul(y, y)))};
  });

  t.add<AddOp>([](AddOp op, In g, GradientBuilder &b) {
    return Grads{b.sumToLike(g[0], op.getLhs()), b.sumToLike(g[0], op.getRhs())};
  });
  t.add<SubOp>([](SubOp op, In g, GradientBuilder &b) {
    return Grads{b.sumToLike(g[0], op.getLhs()), b.sumToLike(b.neg(g[0]), op.getRhs())};
  });
  t.add<MulOp>([](MulOp op, In g, GradientBuilder &b) {
    return Grads{b.sumToLike(b.mul(g[0], op.getRhs()), op.getLhs()),
                 b.sumToLike(b.mul(g[0], op.getLhs()), op.getRhs())};
  });
  // d(a/b)/db = -a/b^2 = -(a/b)/b.
  t.add<DivOp>([](DivOp op, In g, GradientBuilder &b) {
    Value gl = b.div(g[0], op.getRhs());
    Value gr = b.neg(b.div(b.mul(g[0], op.getResult()), op.getRhs()));
    return Grads{b.sumToLike(gl, op.getLhs()), b.sumToLike(gr, op.getRhs())};
  });
  // Ties send the gradient to rhs: step(lhs - rhs) is 0 when they are equal.
  t.add<MaximumOp>([](MaximumOp op, In g, GradientBuilder &b) {
    Value lhsWins = b.op<StepOp>({b.sub(op.getLhs(), op.getRhs())});
    Value gl = b.mul(g[0], lhsWins);
    return Grads{b.sumToLike(gl, op.getLhs()), b.sumToLike(b.sub(g[0], gl), op.getRhs())};
  });
  // d(a^p)/da = p a^(p-1); d(a^p)/dp = log(a) a^p.
  t.add<PowOp>([](PowOp op, In g, GradientBuilder &b) {
    Value a = op.getLhs(), p = op.getRhs();
    Value ga = b.mul(g[0], b.mul(p, b.op<PowOp>({a, b.sub(p, b.scalar(1.0))})));
    Value gp = b.mul(g[0], b.mul(b.op<LogOp>({a}), op.getResult()));
    return Grads{b.sumToLike(ga, a), b.sumToLike(gp, p)};
  });
}

} // namespace nabla::grad
