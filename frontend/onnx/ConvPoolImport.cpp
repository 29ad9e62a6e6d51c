// ONNX Conv, MaxPool, AveragePool and the global pools on nabla's 2-D NCHW
// ops. ONNX pads [x1_begin, x2_begin, x1_end, x2_end] are nabla's [top, left,
// bottom, right]; auto_pad SAME_* is resolved to explicit pads here, which
// needs the spatial input size at import time.
#include "frontend/onnx/ImportContext.h"
#include "ir/Dialect.h"

namespace nabla::onnx_io {

namespace {

struct Window {
  std::vector<int64_t> kernel, strides{1, 1}, pads{0, 0, 0, 0}, dilations{1, 1};
};

/// Reads kernel_shape/strides/pads/dilations/auto_pad for a 2-D window over
/// the NCHW `input`.
Window readWindow(ImportContext &ctx, mlir::Value input, std::vector<int64_t> kernel) {
  std::vector<int64_t> shape = shapeOf(input);
  if (shape.size() != 4)
    ctx.unsupported("only 2-D (NCHW) windows are supported, input has rank " +
                    std::to_string(shape.size()));
  Window w;
  w.kernel = kernel;
  if (auto k = ctx.intsAttr("kernel_shape")) {
    if (k->size() != 2) ctx.malformed("kernel_shape must have 2 entries");
    if (!w.kernel.empty() && *k != w.kernel) ctx.malformed("kernel_shape does not match the filter");
    w.kernel = *k;
  }
  if (w.kernel.empty()) ctx.malformed("kernel_shape is required");
  if (auto s = ctx.intsAttr("strides")) w.strides = *s;
  if (auto d = ctx.intsAttr("dilations")) w.dilations = *d;
  if (auto p = ctx.intsAttr("pads")) w.pads = *p;
  if (w.strides.size() != 2 || w.dilations.size() != 2 || w.pads.size() != 4)
    ctx.malformed("strides and dilations need 2 entries, pads 4");

  std::string autoPad = ctx.stringAttr("auto_pad", "NOTSET");
  if (autoPad == "VALID") {
    w.pads = {0, 0, 0, 0};
  } else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    for (int axis = 0; axis < 2; ++axis) {
      int64_t size = shape[2 + axis];
      if (size < 0) ctx.unsupported("auto_pad=" + autoPad + " needs a static spatial size");
      int64_t out = (size + w.strides[axis] - 1) / w.strides[axis];
      int64_t extent = (w.kernel[axis] - 1) * w.dilations[axis] + 1;
      int64_t total = std::max<int64_t>(0, (out - 1) * w.strides[axis] + extent - size);
      // SAME_UPPER puts the odd extra cell at the end, SAME_LOWER at the start.
      int64_t begin = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
      w.pads[axis] = begin;
      w.pads[axis + 2] = total - begin;
    }
  } else if (autoPad != "NOTSET") {
    ctx.malformed("auto_pad=" + autoPad + " is not a valid value");
  }
  return w;
}

std::vector<mlir::Value> convertConv(ImportContext &ctx) {
  ctx.expectAttributes({"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"});
  mlir::Value x = ctx.input(0), filter = ctx.input(1);
  std::vector<int64_t> filterShape = shapeOf(filter);
  std::vector<int64_t> kernel;
  if (filterShape.size() == 4) kernel = {filterShape[2], filterShape[3]};
  Window w = readWindow(ctx, x, kernel);
  llvm::SmallVector<mlir::Value> operands{x, filter};
  if (ctx.hasInput(2)) operands.push_back(ctx.input(2));
  return {ctx.build<Conv2DOp>(
      operands, {ctx.attr("strides", ctx.i64Array(w.strides)),
                 ctx.attr("pads", ctx.i64Array(w.pads)),
                 ctx.attr("dilations", ctx.i64Array(w.dilations)),
                 ctx.attr("groups", ctx.builder().getI64IntegerAttr(ctx.intAttr("group", 1)))})};
}

void rejectCeilMode(ImportContext &ctx) {
  if (ctx.intAttr("ceil_mode", 0) != 0) ctx.unsupported("attribute ceil_mode=1 unsupported");
}

std::vector<mlir::Value> convertMaxPool(ImportContext &ctx) {
  ctx.expectAttributes(
      {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"});
  rejectCeilMode(ctx);
  if (ctx.intAttr("storage_order", 0) != 0)
    ctx.unsupported("attribute storage_order=1 unsupported");
  mlir::Value x = ctx.input(0);
  Window w = readWindow(ctx, x, {});
  if (w.dilations != std::vector<int64_t>{1, 1})
    ctx.unsupported("attribute dilations other than 1 unsupported for MaxPool");
  // Output 1 (Indices) is left null: the driver reports it if requested.
  return {ctx.build<MaxPool2DOp>({x}, {ctx.attr("kernel_shape", ctx.i64Array(w.kernel)),
                                       ctx.attr("strides", ctx.i64Array(w.strides)),
                                       ctx.attr("pads", ctx.i64Array(w.pads))})};
}

std::vector<mlir::Value> convertAveragePool(ImportContext &ctx) {
  ctx.expectAttributes(
      {"auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides"});
  rejectCeilMode(ctx);
  mlir::Value x = ctx.input(0);
  Window w = readWindow(ctx, x, {});
  bool includePad = ctx.intAttr("count_include_pad", 0) != 0;
  return {ctx.build<AvgPool2DOp>(
      {x}, {ctx.attr("kernel_shape", ctx.i64Array(w.kernel)),
            ctx.attr("strides", ctx.i64Array(w.strides)), ctx.attr("pads", ctx.i64Array(w.pads)),
            ctx.attr("count_include_pad", ctx.builder().getBoolAttr(includePad))})};
}

/// GlobalAveragePool/GlobalMaxPool: a reduction over every spatial axis.
template <typename ReduceOpT> std::vector<mlir::Value> convertGlobalPool(ImportContext &ctx) {
  ctx.expectAttributes({});
  mlir::Value x = ctx.input(0);
  int64_t rank = int64_t(shapeOf(x).size());
  if (rank < 3) ctx.malformed("input must have rank >= 3 (N, C, spatial...)");
  std::vector<int64_t> axes;
  for (int64_t a = 2; a < rank; ++a) axes.push_back(a);
  return {ctx.build<ReduceOpT>({x}, {ctx.attr("axes", ctx.i64Array(axes)),
                                     ctx.attr("keepdims", ctx.builder().getBoolAttr(true))})};
}

} // namespace

void registerConvPoolOps(ConverterTable &table) {
  table["Conv"] = convertConv;
  table["MaxPool"] = convertMaxPool;
  table["AveragePool"] = convertAveragePool;
  table["GlobalAveragePool"] = convertGlobalPool<ReduceMeanOp>;
  table["GlobalMaxPool"] = convertGlobalPool<ReduceMaxOp>;
}

} // namespace nabla::onnx_io
