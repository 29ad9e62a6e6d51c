// nabla's NCHW convolution and pooling as ONNX Conv, MaxPool and
// AveragePool. nabla's pads [top, left, bottom, right] are ONNX's
// [x1_begin, x2_begin, x1_end, x2_end], the same order, so every window
// attribute is copied as it is; the fused convolution is Conv then Relu.
#include "frontend/onnx/ExportContext.h"
#include "ir/Dialect.h"

#include "mlir/IR/BuiltinTypes.h"

namespace nabla::onnx_io {

namespace {

/// Conv's attributes, from conv2d or fused_conv2d (which share them).
template <typename ConvOpT> void setConvAttributes(onnx::NodeProto &conv, ConvOpT op) {
  // kernel_shape is optional (ONNX reads it off the filter) but tools that
  // inspect the graph without shapes want it, so it is written when static.
  auto filter = op.getFilter().getType().template cast<mlir::RankedTensorType>();
  if (filter.hasStaticShape())
    ExportContext::setInts(conv, "kernel_shape", {filter.getDimSize(2), filter.getDimSize(3)});
  ExportContext::setInts(conv, "strides", ints(op.getStrides()));
  ExportContext::setInts(conv, "pads", ints(op.getPads()));
  ExportContext::setInts(conv, "dilations", ints(op.getDilations()));
  ExportContext::setInt(conv, "group", int64_t(op.getGroups()));
}

template <typename ConvOpT> std::vector<std::string> convInputs(ConvOpT op, ExportContext &ctx) {
  std::vector<std::string> inputs{ctx.nameOf(op.getInput()), ctx.nameOf(op.getFilter())};
  if (op.getBias()) inputs.push_back(ctx.nameOf(op.getBias()));
  return inputs;
}

void exportConv(mlir::Operation *operation, ExportContext &ctx) {
  auto op = llvm::cast<Conv2DOp>(operation);
  setConvAttributes(ctx.node("Conv", convInputs(op, ctx), {ctx.resultName(0)}), op);
}

void exportFusedConv(mlir::Operation *operation, ExportContext &ctx) {
  auto op = llvm::cast<FusedConv2DOp>(operation);
  setConvAttributes(ctx.nodeThenActivation("Conv", convInputs(op, ctx), op.getActivation()), op);
}

template <typename PoolOpT> onnx::NodeProto &poolNode(PoolOpT op, const std::string &onnxOp,
                                                      ExportContext &ctx) {
  onnx::NodeProto &pool = ctx.node(onnxOp, {ctx.nameOf(op.getInput())}, {ctx.resultName(0)});
  ExportContext::setInts(pool, "kernel_shape", ints(op.getKernelShape()));
  ExportContext::setInts(pool, "strides", ints(op.getStrides()));
  ExportContext::setInts(pool, "pads", ints(op.getPads()));
  return pool;
}

void exportMaxPool(mlir::Operation *operation, ExportContext &ctx) {
  poolNode(llvm::cast<MaxPool2DOp>(operation), "MaxPool", ctx);
}

void exportAvgPool(mlir::Operation *operation, ExportContext &ctx) {
  auto op = llvm::cast<AvgPool2DOp>(operation);
  // Both leave padded cells out of the divisor by default.
  ExportContext::setInt(poolNode(op, "AveragePool", ctx), "count_include_pad",
                        op.getCountIncludePad() ? 1 : 0);
}

} // namespace

void registerConvPoolExports(ExporterTable &table) {
  table["nabla.conv2d"] = exportConv;
  table["nabla.fused_conv2d"] = exportFusedConv;
  table["nabla.max_pool2d"] = exportMaxPool;
  table["nabla.avg_pool2d"] = exportAvgPool;
}

} // namespace nabla::onnx_io
