// ONNX ReduceSum/ReduceMean/ReduceMax and Softmax/LogSoftmax. Two opset
// changes matter: axes of ReduceSum moved from an attribute to an input in
// opset 13 (the other reductions in 18), and Softmax/LogSoftmax before opset
// 13 flatten the input to 2-D at `axis` (default 1) and normalize over
// everything from `axis` on, while from 13 they normalize along one axis
// (default -1).
#include "frontend/onnx/ImportContext.h"
#include "ir/Dialect.h"

namespace nabla::onnx_io {

namespace {

template <typename ReduceOpT> std::vector<mlir::Value> convertReduce(ImportContext &ctx) {
  ctx.expectAttributes({"axes", "keepdims", "noop_with_empty_axes"});
  mlir::Value x = ctx.input(0);
  std::vector<int64_t> axes;
  if (auto a = ctx.intsAttr("axes")) axes = *a;
  else if (ctx.hasInput(1)) axes = ctx.constantInts(1, "axes");
  // With noop_with_empty_axes, no axes means the identity, not "all axes".
  if (axes.empty() && ctx.intAttr("noop_with_empty_axes", 0) != 0) return {x};
  bool keepdims = ctx.intAttr("keepdims", 1) != 0;
  return {ctx.build<ReduceOpT>({x}, {ctx.attr("axes", ctx.i64Array(axes)),
                                     ctx.attr("keepdims", ctx.builder().getBoolAttr(keepdims))})};
}

template <typename SoftmaxOpT> std::vector<mlir::Value> convertSoftmax(ImportContext &ctx) {
  ctx.expectAttributes({"axis"});
  mlir::Value x = ctx.input(0);
  std::vector<int64_t> shape = shapeOf(x);
  int64_t rank = int64_t(shape.size());
  bool coerceTo2D = ctx.opset() < 13;
  int64_t axis = ctx.intAttr("axis", coerceTo2D ? 1 : -1);
  if (axis < -rank || axis >= rank) ctx.malformed("axis " + std::to_string(axis) + " out of range");
  if (axis < 0) axis += rank;
  auto axisAttr = [&](int64_t a) {
    return ctx.attr("axis", ctx.builder().getI64IntegerAttr(a));
  };
  if (!coerceTo2D || axis == rank - 1) return {ctx.build<SoftmaxOpT>({x}, {axisAttr(axis)})};

  // Opset < 13: normalize over the flattened trailing block, then restore
  // the shape (a dynamic dimension, if any, becomes the reshape's -1).
  if (std::count(shape.begin(), shape.end(), -1) > 1)
    ctx.unsupported("opset < 13 softmax over several dynamic dimensions unsupported");
  mlir::Value flat =
      ctx.build<FlattenOp>({x}, {ctx.attr("axis", ctx.builder().getI64IntegerAttr(axis))});
  mlir::Value normalized = ctx.build<SoftmaxOpT>({flat}, {axisAttr(1)});
  return {ctx.build<ReshapeOp>({normalized}, {ctx.attr("shape", ctx.i64Array(shape))})};
}

} // namespace

void registerReductionOps(ConverterTable &table) {
  table["ReduceSum"] = convertReduce<ReduceSumOp>;
  table["ReduceMean"] = convertReduce<ReduceMeanOp>;
  table["ReduceMax"] = convertReduce<ReduceMaxOp>;
  table["Softmax"] = convertSoftmax<SoftmaxOp>;
  table["LogSoftmax"] = convertSoftmax<LogSoftmaxOp>;
}

} // namespace nabla::onnx_io
