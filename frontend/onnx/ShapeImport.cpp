// ONNX ops that move elements without computing: Flatten, Reshape, Transpose,
// and Constant (kept as an import-time tensor so that shapes and axes fed by
// Constant nodes are readable; materialized only where used as a value).
#include "frontend/onnx/ImportContext.h"
#include "frontend/onnx/OnnxFiles.h"
#include "ir/Dialect.h"

namespace nabla::onnx_io {

namespace {

std::vector<mlir::Value> convertFlatten(ImportContext &ctx) {
  ctx.expectAttributes({"axis"});
  return {ctx.build<FlattenOp>(
      {ctx.input(0)}, {ctx.attr("axis", ctx.builder().getI64IntegerAttr(ctx.intAttr("axis", 1)))})};
}

std::vector<mlir::Value> convertReshape(ImportContext &ctx) {
  ctx.expectAttributes({"allowzero", "shape"});
  mlir::Value x = ctx.input(0);
  // Opset < 5 carries the shape as an attribute, later opsets as input 1.
  std::vector<int64_t> target = ctx.attribute("shape") ? *ctx.intsAttr("shape")
                                                       : ctx.constantInts(1, "the target shape");
  std::vector<int64_t> inputShape = shapeOf(x);
  bool allowZero = ctx.intAttr("allowzero", 0) != 0;
  bool hasInferred = std::count(target.begin(), target.end(), -1) > 0;
  for (size_t i = 0; i < target.size(); ++i) {
    if (target[i] != 0) continue;
    if (allowZero)
      ctx.unsupported("attribute allowzero=1 with a 0 in the shape (an empty tensor) unsupported");
    // 0 copies the input's dimension; a dynamic one can only become the -1.
    if (i >= inputShape.size()) ctx.malformed("shape entry 0 at a position the input lacks");
    if (inputShape[i] >= 0) {
      target[i] = inputShape[i];
    } else if (!hasInferred) {
      target[i] = -1;
      hasInferred = true;
    } else {
      ctx.unsupported("shape copies a dynamic dimension while another is inferred (-1)");
    }
  }
  try {
    return {ctx.build<ReshapeOp>({x}, {ctx.attr("shape", ctx.i64Array(target))})};
  } catch (const MalformedNodeError &) {
    throw;
  } catch (const Error &e) {
    // The shape input is an integer tensor by design: report the shape
    // error itself, not the importer's generic "this op takes f32 only".
    ctx.malformed(e.what());
  }
}

std::vector<mlir::Value> convertTranspose(ImportContext &ctx) {
  ctx.expectAttributes({"perm"});
  mlir::Value x = ctx.input(0);
  std::vector<int64_t> perm;
  if (auto p = ctx.intsAttr("perm")) {
    perm = *p;
  } else { // default: reverse the dimensions
    for (int64_t i = int64_t(shapeOf(x).size()) - 1; i >= 0; --i) perm.push_back(i);
  }
  return {ctx.build<TransposeOp>({x}, {ctx.attr("perm", ctx.i64Array(perm))})};
}

std::vector<mlir::Value> convertConstant(ImportContext &ctx) {
  if (ctx.node().attribute_size() != 1) ctx.malformed("needs exactly one value attribute");
  const onnx::AttributeProto &a = ctx.node().attribute(0);
  Tensor value;
  if (a.name() == "value" && a.type() == onnx::AttributeProto::TENSOR) {
    value = tensorFromProto(a.t(), ctx.describeNode() + " attribute value");
  } else if (a.name() == "value_float" && a.type() == onnx::AttributeProto::FLOAT) {
    value = Tensor::scalar<float>(a.f());
  } else if (a.name() == "value_floats" && a.type() == onnx::AttributeProto::FLOATS) {
    value = Tensor::fromVector<float>({a.floats_size()}, {a.floats().begin(), a.floats().end()});
  } else if (a.name() == "value_int" && a.type() == onnx::AttributeProto::INT) {
    value = Tensor::scalar<int64_t>(a.i());
  } else if (a.name() == "value_ints" && a.type() == onnx::AttributeProto::INTS) {
    value = Tensor::fromVector<int64_t>({a.ints_size()}, {a.ints().begin(), a.ints().end()});
  } else {
    ctx.unsupported("attribute " + a.name() + " unsupported");
  }
  if (value.dtype() == DType::F64) ctx.unsupported("element type double unsupported");
  if (ctx.node().output_size() != 1) ctx.malformed("needs exactly one output");
  ctx.defineConstant(ctx.node().output(0), value);
  return {}; // the output is defined as an import-time constant
}

} // namespace

void registerShapeOps(ConverterTable &table) {
  table["Flatten"] = convertFlatten;
  table["Reshape"] = convertReshape;
  table["Transpose"] = convertTranspose;
  table["Constant"] = convertConstant;
}

} // namespace nabla::onnx_io
