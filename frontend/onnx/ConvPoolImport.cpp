// ONNX Conv, MaxPool, AveragePool and the global pools on nabla's 2-D NCHW
// ops; 1-D windows run as 2-D ones over a unit row. ONNX pads [x1_begin,
// x2_begin, x1_end, x2_end] are nabla's [top, left, bottom, right]; auto_pad
// SAME_* and ceil_mode are resolved to explicit pads here, which needs the
// spatial input size at import time.
#include "frontend/onnx/ImportContext.h"
#include "ir/Dialect.h"

#include <algorithm>

namespace nabla::onnx_io {

namespace {

struct Window {
  std::vector<int64_t> kernel, strides, pads, dilations;
};

/// ceil_mode rounds the output size up: the last window may hang over the
/// end. nabla's windows round down, so the overhang becomes extra end
/// padding, which max pooling ignores and average pooling without
/// count_include_pad leaves out of the divisor, as ONNX does. As in ONNX, a
/// window must still start inside the input or its begin padding.
void addCeilPadding(ImportContext &ctx, Window &w, const std::vector<int64_t> &shape) {
  for (int axis = 0; axis < 2; ++axis) {
    int64_t size = shape[2 + axis];
    if (size < 0) ctx.unsupported("attribute ceil_mode=1 needs a static spatial size");
    int64_t stride = w.strides[axis], begin = w.pads[axis];
    int64_t &end = w.pads[axis + 2];
    int64_t extent = (w.kernel[axis] - 1) * w.dilations[axis] + 1;
    int64_t span = size + begin + end - extent;
    if (span < 0) return; // the window does not fit: the op's verifier says so
    int64_t out = (span + stride - 1) / stride + 1;
    if ((out - 1) * stride >= size + begin) --out;
    end += std::max<int64_t>(0, (out - 1) * stride + extent - (size + begin + end));
  }
}

/// The attribute `name` with `count` entries, or `fallback` if absent.
std::vector<int64_t> readInts(ImportContext &ctx, const std::string &name, size_t count,
                              std::vector<int64_t> fallback) {
  std::optional<std::vector<int64_t>> values = ctx.intsAttr(name);
  if (!values) return fallback;
  if (values->size() != count)
    ctx.malformed("attribute " + name + " needs " + std::to_string(count) + " entries, has " +
                  std::to_string(values->size()));
  return *values;
}

/// nabla's windows are 2-D: a 1-D window over [N, C, L] runs as a 2-D one
/// over [N, C, 1, L] whose first axis has kernel 1, stride 1 and no padding.
Window liftTo2D(const Window &w) {
  Window lifted;
  lifted.kernel = {1, w.kernel[0]};
  lifted.strides = {1, w.strides[0]};
  lifted.dilations = {1, w.dilations[0]};
  lifted.pads = {0, w.pads[0], 0, w.pads[1]};
  return lifted;
}

/// [N, C, L] <-> [N, C, 1, L] for 1-D windows.
mlir::Value insertUnitRow(ImportContext &ctx, mlir::Value value) {
  std::vector<int64_t> shape = shapeOf(value);
  shape.insert(shape.begin() + 2, 1);
  return ctx.reshape(value, shape);
}
mlir::Value dropUnitRow(ImportContext &ctx, mlir::Value value) {
  std::vector<int64_t> shape = shapeOf(value);
  shape.erase(shape.begin() + 2);
  return ctx.reshape(value, shape);
}

/// The number of spatial axes of an [N, C, spatial...] input: 1 or 2.
size_t spatialRank(ImportContext &ctx, mlir::Value input) {
  size_t rank = shapeOf(input).size();
  if (rank != 3 && rank != 4)
    ctx.unsupported("only 1-D and 2-D windows are supported, input has rank " +
                    std::to_string(rank));
  return rank - 2;
}

/// Reads kernel_shape/strides/pads/dilations/auto_pad/ceil_mode for a window
/// over the [N, C, spatial...] `input`, in 2-D form (see liftTo2D). `kernel`
/// is the filter's spatial shape for Conv, empty for pools.
Window readWindow(ImportContext &ctx, mlir::Value input, std::vector<int64_t> kernel) {
  std::vector<int64_t> shape = shapeOf(input);
  size_t spatial = spatialRank(ctx, input);
  Window w;
  w.kernel = readInts(ctx, "kernel_shape", spatial, kernel);
  if (w.kernel.empty()) ctx.malformed("kernel_shape is required");
  if (!kernel.empty() && w.kernel != kernel)
    ctx.malformed("kernel_shape does not match the filter");
  w.strides = readInts(ctx, "strides", spatial, std::vector<int64_t>(spatial, 1));
  w.dilations = readInts(ctx, "dilations", spatial, std::vector<int64_t>(spatial, 1));
  w.pads = readInts(ctx, "pads", 2 * spatial, std::vector<int64_t>(2 * spatial, 0));
  // Checked here, not left to the op's verifier: auto_pad and ceil_mode
  // divide by the strides first.
  auto allAtLeast = [](const std::vector<int64_t> &v, int64_t low) {
    return std::all_of(v.begin(), v.end(), [&](int64_t x) { return x >= low; });
  };
  if (!allAtLeast(w.kernel, 1) || !allAtLeast(w.strides, 1) || !allAtLeast(w.dilations, 1) ||
      !allAtLeast(w.pads, 0))
    ctx.malformed("kernel_shape, strides and dilations must be positive and pads non-negative");
  if (spatial == 1) {
    w = liftTo2D(w);
    shape.insert(shape.begin() + 2, 1);
  }

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
  if (ctx.intAttr("ceil_mode", 0) != 0) addCeilPadding(ctx, w, shape);
  return w;
}

/// Builds the 2-D window op on `x`, going through [N, C, 1, L] for 1-D.
template <typename OpT>
mlir::Value buildWindowOp(ImportContext &ctx, mlir::Value x, llvm::ArrayRef<mlir::Value> extra,
                          llvm::ArrayRef<mlir::NamedAttribute> attrs) {
  bool oneD = shapeOf(x).size() == 3;
  llvm::SmallVector<mlir::Value> operands{oneD ? insertUnitRow(ctx, x) : x};
  operands.append(extra.begin(), extra.end());
  mlir::Value y = ctx.build<OpT>(operands, attrs);
  return oneD ? dropUnitRow(ctx, y) : y;
}

std::vector<mlir::Value> convertConv(ImportContext &ctx) {
  ctx.expectAttributes({"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"});
  mlir::Value x = ctx.input(0), filter = ctx.input(1);
  std::vector<int64_t> filterShape = shapeOf(filter);
  if (filterShape.size() != shapeOf(x).size())
    ctx.malformed("the filter's rank differs from the input's");
  Window w = readWindow(ctx, x, {filterShape.begin() + 2, filterShape.end()});
  llvm::SmallVector<mlir::Value> extra{filterShape.size() == 3 ? insertUnitRow(ctx, filter)
                                                               : filter};
  if (ctx.hasInput(2)) extra.push_back(ctx.input(2));
  return {buildWindowOp<Conv2DOp>(
      ctx, x, extra,
      {ctx.attr("strides", ctx.i64Array(w.strides)), ctx.attr("pads", ctx.i64Array(w.pads)),
       ctx.attr("dilations", ctx.i64Array(w.dilations)),
       ctx.attr("groups", ctx.builder().getI64IntegerAttr(ctx.intAttr("group", 1)))})};
}

std::vector<mlir::Value> convertMaxPool(ImportContext &ctx) {
  ctx.expectAttributes(
      {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"});
  if (ctx.intAttr("storage_order", 0) != 0)
    ctx.unsupported("attribute storage_order=1 unsupported");
  mlir::Value x = ctx.input(0);
  Window w = readWindow(ctx, x, {});
  if (w.dilations != std::vector<int64_t>{1, 1})
    ctx.unsupported("attribute dilations other than 1 unsupported for MaxPool");
  // Output 1 (Indices) is left null: the driver reports it if requested.
  return {buildWindowOp<MaxPool2DOp>(ctx, x, {},
                                     {ctx.attr("kernel_shape", ctx.i64Array(w.kernel)),
                                      ctx.attr("strides", ctx.i64Array(w.strides)),
                                      ctx.attr("pads", ctx.i64Array(w.pads))})};
}

std::vector<mlir::Value> convertAveragePool(ImportContext &ctx) {
  ctx.expectAttributes(
      {"auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides"});
  mlir::Value x = ctx.input(0);
  bool includePad = ctx.intAttr("count_include_pad", 0) != 0;
  // The divisor would count the explicit pads but not the ceil overhang,
  // which nabla's one flag cannot say.
  if (includePad && ctx.intAttr("ceil_mode", 0) != 0)
    ctx.unsupported("attribute ceil_mode=1 with count_include_pad=1 unsupported");
  Window w = readWindow(ctx, x, {});
  return {buildWindowOp<AvgPool2DOp>(
      ctx, x, {},
      {ctx.attr("kernel_shape", ctx.i64Array(w.kernel)),
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
