// DSL functions for losses, convolution, pooling, batch norm and dropout.
#include "frontend/OpHelpers.h"
#include "frontend/Ops.h"
#include "ir/Dialect.h"

using namespace mlir;

namespace nabla::dsl {

using detail::make;
using detail::make1;

Var softmaxCrossEntropy(Var logits, Var labels, Loc loc) {
  return make1<SoftmaxCrossEntropyOp>(loc, {logits, labels});
}
Var mseLoss(Var prediction, Var target, Loc loc) {
  return make1<MseLossOp>(loc, {prediction, target});
}

namespace {
llvm::SmallVector<NamedAttribute> windowAttrs(OpBuilder &b, int64_t stride, int64_t pad) {
  return {b.getNamedAttr("strides", b.getI64ArrayAttr({stride, stride})),
          b.getNamedAttr("pads", b.getI64ArrayAttr({pad, pad, pad, pad}))};
}

Var conv(std::initializer_list<Var> operands, Conv2DOptions o, Loc loc) {
  OpBuilder &b = operands.begin()->builder().opBuilder();
  auto attrs = windowAttrs(b, o.stride, o.pad);
  if (o.dilation != 1)
    attrs.push_back(b.getNamedAttr("dilations", b.getI64ArrayAttr({o.dilation, o.dilation})));
  if (o.groups != 1) attrs.push_back(b.getNamedAttr("groups", b.getI64IntegerAttr(o.groups)));
  return make1<Conv2DOp>(loc, operands, attrs);
}

template <typename OpT> Var pool(Var x, Pool2DOptions o, Loc loc) {
  OpBuilder &b = x.builder().opBuilder();
  auto attrs = windowAttrs(b, o.stride, o.pad);
  attrs.push_back(b.getNamedAttr("kernel_shape", b.getI64ArrayAttr({o.size, o.size})));
  return make1<OpT>(loc, {x}, attrs);
}
} // namespace

Var conv2d(Var x, Var w, Var b, Conv2DOptions options, Loc loc) { return conv({x, w, b}, options, loc); }
Var conv2d(Var x, Var w, Conv2DOptions options, Loc loc) { return conv({x, w}, options, loc); }
Var maxPool2d(Var x, Pool2DOptions options, Loc loc) { return pool<MaxPool2DOp>(x, options, loc); }
Var avgPool2d(Var x, Pool2DOptions options, Loc loc) { return pool<AvgPool2DOp>(x, options, loc); }

Var batchNorm(Var x, const std::string &name, BatchNormOptions options, Loc loc) {
  ModelBuilder &m = x.builder();
  Shape shape = x.shape();
  if (shape.size() < 2 || shape[1] == kBatch)
    throw Error(describeLocation(m.location(loc)) + ": batchNorm '" + name +
                "' needs an input [N, C] or [N, C, H, W] with static C, got " +
                shapeToString(shape));
  Shape channels = {shape[1]};
  Var gamma = m.param(name + ".gamma", channels, init::ones(), loc);
  Var beta = m.param(name + ".beta", channels, init::zeros(), loc);
  Var mean = m.state(name + ".running_mean", channels, init::zeros(), loc);
  Var var = m.state(name + ".running_var", channels, init::ones(), loc);
  OpBuilder &b = m.opBuilder();
  Operation *op = make<BatchNormOp>(
      loc, {x, gamma, beta, mean, var},
      {b.getNamedAttr("momentum", b.getF32FloatAttr(float(options.momentum))),
       b.getNamedAttr("epsilon", b.getF32FloatAttr(float(options.epsilon))),
       b.getNamedAttr("training", b.getUnitAttr())});
  m.updateState(name + ".running_mean", m.wrap(op->getResult(1)));
  m.updateState(name + ".running_var", m.wrap(op->getResult(2)));
  return m.wrap(op->getResult(0));
}

Var dropout(Var x, DropoutOptions options, Loc loc) {
  ModelBuilder &m = x.builder();
  OpBuilder &b = m.opBuilder();
  Operation *op = make<DropoutOp>(
      loc, {x, m.step()},
      {b.getNamedAttr("ratio", b.getF32FloatAttr(float(options.ratio))),
       b.getNamedAttr("seed", b.getI64IntegerAttr(int64_t(options.seed))),
       b.getNamedAttr("training", b.getUnitAttr())});
  return m.wrap(op->getResult(0));
}

} // namespace nabla::dsl
