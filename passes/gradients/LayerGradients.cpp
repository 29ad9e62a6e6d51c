// Gradient rules of losses, convolution, pooling, im2col/col2im, batch norm
// and dropout: mostly one backward op each.
#include "passes/gradients/GradientRules.h"

#include "runtime/Error.h"

using namespace mlir;

namespace nabla::grad {

namespace {
using Grads = std::vector<Value>;
using In = llvm::ArrayRef<Value>;

/// [H, W] of an NCHW value, which backward ops need statically.
ArrayAttr imageSize(GradientBuilder &b, Value x) {
  auto type = x.getType().cast<RankedTensorType>();
  if (type.isDynamicDim(2) || type.isDynamicDim(3))
    throw Error(describeLocation(b.loc()) + ": differentiating needs static spatial sizes, got " +
                "a dynamic H or W");
  return b.ints({type.getDimSize(2), type.getDimSize(3)});
}

/// The window attributes shared by a forward op and its backward op.
template <typename OpT>
llvm::SmallVector<NamedAttribute> windowAttrs(OpT op, GradientBuilder &b) {
  return {b.attr("strides", op.getStrides()), b.attr("pads", op.getPads())};
}

Grads convGrads(Conv2DOp op, Value g, GradientBuilder &b) {
  Value x = op.getInput(), w = op.getFilter();
  auto filter = w.getType().cast<RankedTensorType>();
  auto attrs = windowAttrs(op, b);
  attrs.push_back(b.attr("dilations", op.getDilations()));
  attrs.push_back(b.attr("groups", op.getGroupsAttr() ? Attribute(op.getGroupsAttr())
                                                       : b.builder().getI64IntegerAttr(1)));
  auto dataAttrs = attrs;
  dataAttrs.push_back(b.attr("image_size", imageSize(b, x)));
  auto filterAttrs = attrs;
  filterAttrs.push_back(
      b.attr("kernel_shape", b.ints({filter.getDimSize(2), filter.getDimSize(3)})));
  Grads grads = {b.op<Conv2DBackwardDataOp>({g, w}, dataAttrs),
                 b.op<Conv2DBackwardFilterOp>({x, g}, filterAttrs)};
  if (op.getBias()) grads.push_back(b.reduceSum(g, {0, 2, 3}, /*keepdims=*/false));
  return grads;
}

/// Batch norm in inference mode is an affine map per channel:
/// y = scale * (x - mean) / sqrt(var + eps) + bias.
Grads batchNormInferenceGrads(BatchNormOp op, Value g, GradientBuilder &b) {
  Value x = op.getInput();
  auto type = x.getType().cast<RankedTensorType>();
  int64_t rank = type.getRank(), channels = type.getDimSize(1);
  // Per-channel [C] values broadcast against dimension 1 as [C, 1, ..., 1].
  llvm::SmallVector<int64_t> channelShape = {channels};
  channelShape.append(size_t(rank - 2), 1);
  auto perChannel = [&](Value v) {
    return rank == 2 ? v : b.op<ReshapeOp>({v}, {b.attr("shape", b.ints(channelShape))});
  };
  double eps = op.getEpsilon().convertToDouble();
  Value invStd = b.div(b.scalar(1.0), b.op<SqrtOp>({b.add(op.getRunningVar(), b.scalar(eps))}));
  Value xhat = b.mul(b.sub(x, perChannel(op.getRunningMean())), perChannel(invStd));
  llvm::SmallVector<int64_t> nonChannel = {0};
  for (int64_t d = 2; d < rank; ++d) nonChannel.push_back(d);
  return {b.mul(g, perChannel(b.mul(op.getScale(), invStd))),
          b.reduceSum(b.mul(g, xhat), nonChannel, false), b.reduceSum(g, nonChannel, false),
          Value(), Value()};
}
} // namespace

void registerLayerGradients(RuleTable &t) {
  t.add<SoftmaxCrossEntropyOp>([](SoftmaxCrossEntropyOp op, In g, GradientBuilder &b) {
    return Grads{b.op<SoftmaxCrossEntropyBackwardOp>({op.getLogits(), op.getLabels(), g[0]}),
                 Value()};
  });
  // loss = 0.5 * sum((p - t)^2) / N, so dp = (p - t) * g / N and dt = -dp.
  t.add<MseLossOp>([](MseLossOp op, In g, GradientBuilder &b) {
    Value p = op.getPrediction();
    Value d = b.mul(b.sub(p, op.getTarget()), g[0]);
    if (p.getType().cast<RankedTensorType>().getRank() >= 2)
      d = b.div(d, b.op<NumElementsOp>({p}, {b.attr("axes", b.ints({0}))}));
    return Grads{d, b.neg(d)};
  });

  t.add<Conv2DOp>([](Conv2DOp op, In g, GradientBuilder &b) { return convGrads(op, g[0], b); });
  t.add<MaxPool2DOp>([](MaxPool2DOp op, In g, GradientBuilder &b) {
    auto attrs = windowAttrs(op, b);
    attrs.push_back(b.attr("kernel_shape", op.getKernelShapeAttr()));
    return Grads{b.op<MaxPool2DBackwardOp>({op.getInput(), g[0]}, attrs)};
  });
  t.add<AvgPool2DOp>([](AvgPool2DOp op, In g, GradientBuilder &b) {
    auto attrs = windowAttrs(op, b);
    attrs.push_back(b.attr("kernel_shape", op.getKernelShapeAttr()));
    attrs.push_back(b.attr("image_size", imageSize(b, op.getInput())));
    attrs.push_back(b.attr("count_include_pad", b.builder().getBoolAttr(op.getCountIncludePad())));
    return Grads{b.op<AvgPool2DBackwardOp>({g[0]}, attrs)};
  });
  // im2col and col2im are each other's adjoints.
  t.add<Im2ColOp>([](Im2ColOp op, In g, GradientBuilder &b) {
    auto attrs = windowAttrs(op, b);
    attrs.push_back(b.attr("kernel_shape", op.getKernelShapeAttr()));
    attrs.push_back(b.attr("dilations", op.getDilations()));
    attrs.push_back(b.attr("image_size", imageSize(b, op.getInput())));
    return Grads{b.op<Col2ImOp>({g[0]}, attrs)};
  });
  t.add<Col2ImOp>([](Col2ImOp op, In g, GradientBuilder &b) {
    auto attrs = windowAttrs(op, b);
    attrs.push_back(b.attr("kernel_shape", op.getKernelShapeAttr()));
    attrs.push_back(b.attr("dilations", op.getDilations()));
    return Grads{b.op<Im2ColOp>({g[0]}, attrs)};
  });

  // Only the normalized output carries a gradient; the running statistics
  // are state, not part of the loss.
  t.add<BatchNormOp>([](BatchNormOp op, In g, GradientBuilder &b) {
    if (!g[0]) return Grads(5);
    if (!op.getTraining()) return batchNormInferenceGrads(op, g[0], b);
    Operation *back = b.multi<BatchNormBackwardOp>(
        {op.getInput(), op.getScale(), g[0]}, {b.attr("epsilon", op.getEpsilonAttr()
                                                                     ? Attribute(op.getEpsilonAttr())
                                                                     : b.builder().getF32FloatAttr(1e-5f))});
    return Grads{back->getResult(0), back->getResult(1), back->getResult(2), Value(), Value()};
  });
  // The mask result is already scaled by 1 / (1 - ratio).
  t.add<DropoutOp>([](DropoutOp op, In g, GradientBuilder &b) {
    Grads grads(op->getNumOperands());
    if (g[0]) grads[0] = b.mul(g[0], op.getMask());
    return grads;
  });
}

} // namespace nabla::grad
