// nabla's reductions and softmax as ONNX ReduceSum/ReduceMean/ReduceMax and
// Softmax/LogSoftmax, in the exported opset's forms: ReduceSum takes its axes
// as an input (since opset 13), ReduceMean and ReduceMax as an attribute
// (until opset 18); Softmax normalizes along one axis (since opset 13), as
// nabla's does. keepdims is always written: ONNX defaults it to 1, nabla to
// false.
#include "frontend/onnx/ExportContext.h"
#include "frontend/onnx/OnnxExporter.h"
#include "ir/Dialect.h"

namespace nabla::onnx_io {

namespace {

static_assert(kExportOpset >= 13 && kExportOpset < 18,
              "the axes of ReduceSum/ReduceMean/ReduceMax are written in opset 13-17 form");

template <typename ReduceOpT> void exportReduce(mlir::Operation *operation, ExportContext &ctx,
                                                const std::string &onnxOp, bool axesAsInput) {
  auto op = llvm::cast<ReduceOpT>(operation);
  std::vector<int64_t> axes = ints(op.getAxes());
  std::vector<std::string> inputs{ctx.nameOf(op.getInput())};
  // No axes means every axis in both (noop_with_empty_axes stays 0).
  if (axesAsInput && !axes.empty())
    inputs.push_back(
        ctx.constant(Tensor::fromVector<int64_t>({int64_t(axes.size())}, axes), "axes"));
  onnx::NodeProto &node = ctx.node(onnxOp, inputs, {ctx.resultName(0)});
  if (!axesAsInput && !axes.empty()) ExportContext::setInts(node, "axes", axes);
  ExportContext::setInt(node, "keepdims", op.getKeepdims() ? 1 : 0);
}

template <typename SoftmaxOpT> OpExporter softmaxLike(const std::string &onnxOp) {
  return [onnxOp](mlir::Operation *operation, ExportContext &ctx) {
    auto op = llvm::cast<SoftmaxOpT>(operation);
    onnx::NodeProto &node = ctx.node(onnxOp, {ctx.nameOf(op.getInput())}, {ctx.resultName(0)});
    ExportContext::setInt(node, "axis", int64_t(op.getAxis()));
  };
}

} // namespace

void registerReductionExports(ExporterTable &table) {
  table["nabla.reduce_sum"] = [](mlir::Operation *op, ExportContext &ctx) {
    exportReduce<ReduceSumOp>(op, ctx, "ReduceSum", /*axesAsInput=*/true);
  };
  table["nabla.reduce_mean"] = [](mlir::Operation *op, ExportContext &ctx) {
    exportReduce<ReduceMeanOp>(op, ctx, "ReduceMean", /*axesAsInput=*/false);
  };
  table["nabla.reduce_max"] = [](mlir::Operation *op, ExportContext &ctx) {
    exportReduce<ReduceMaxOp>(op, ctx, "ReduceMax", /*axesAsInput=*/false);
  };
  table["nabla.softmax"] = softmaxLike<SoftmaxOp>("Softmax");
  table["nabla.log_softmax"] = softmaxLike<LogSoftmaxOp>("LogSoftmax");
}

} // namespace nabla::onnx_io
