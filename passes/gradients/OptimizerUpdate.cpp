#include "passes/gradients/OptimizerUpdate.h"

using namespace mlir;

namespace nabla::grad {

UpdateResult buildOptimizerUpdate(GradientBuilder &b, OptimizerKind kind, Value p, Value g,
                                  llvm::ArrayRef<Value> slots,
                                  const std::map<std::string, Value> &hypers) {
  auto h = [&](const char *name) { return hypers.at(name); };
  Value one = b.scalar(1.0);
  Value reg = b.add(g, b.mul(h("weight_decay"), p)); // L2 inside the update
  auto adaptiveStep = [&](Value numerator, Value accumulator) {
    Value denom = b.add(b.op<SqrtOp>({accumulator}), h("epsilon"));
    return b.sub(p, b.mul(h("lr"), b.div(numerator, denom)));
  };
  switch (kind) {
  case OptimizerKind::SGD:
    return {b.sub(p, b.mul(h("lr"), reg)), {}};
  case OptimizerKind::Momentum: case OptimizerKind::Nesterov: {
    Value v = b.add(b.mul(h("momentum"), slots[0]), b.mul(h("grad_scale"), reg));
    Value direction = kind == OptimizerKind::Momentum ? v : b.add(reg, b.mul(h("momentum"), v));
    return {b.sub(p, b.mul(h("lr"), direction)), {v}};
  }
  case OptimizerKind::AdaGrad: {
    Value acc = b.add(slots[0], b.mul(reg, reg));
    return {adaptiveStep(reg, acc), {acc}};
  }
  case OptimizerKind::RMSprop: {
    Value acc = b.add(b.mul(h("rho"), slots[0]), b.mul(b.sub(one, h("rho")), b.mul(reg, reg)));
    return {adaptiveStep(reg, acc), {acc}};
  }
  case OptimizerKind::Adam: {
    Value m = b.add(b.mul(h("beta1"), slots[0]), b.mul(b.sub(one, h("beta1")), reg));
    Value v = b.add(b.mul(h("beta2"), slots[1]), b.mul(b.sub(one, h("beta2")), b.mul(reg, reg)));
    return {adaptiveStep(m, v), {m, v}};
  }
  }
  return {p, {}};
}

} // namespace nabla::grad
