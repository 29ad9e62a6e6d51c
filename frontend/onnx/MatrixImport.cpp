// ONNX Gemm and MatMul on nabla.matmul, whose transpose flags cover Gemm's
// transA/transB; alpha and beta become multiplications by constants. MatMul
// of other ranks (vectors, stacks of matrices) is composed from reshape,
// broadcasting mul and reduce_sum.
#include "frontend/onnx/ImportContext.h"
#include "ir/Dialect.h"

namespace nabla::onnx_io {

namespace {

std::vector<mlir::Value> convertGemm(ImportContext &ctx) {
  // `broadcast` exists before opset 7; C broadcasts to the result either way.
  ctx.expectAttributes({"alpha", "beta", "transA", "transB", "broadcast"});
  float alpha = ctx.floatAttr("alpha", 1.0f), beta = ctx.floatAttr("beta", 1.0f);
  bool transA = ctx.intAttr("transA", 0) != 0, transB = ctx.intAttr("transB", 0) != 0;
  mlir::Value y = ctx.build<MatmulOp>(
      {ctx.input(0), ctx.input(1)},
      {ctx.attr("transpose_lhs", ctx.builder().getBoolAttr(transA)),
       ctx.attr("transpose_rhs", ctx.builder().getBoolAttr(transB))});
  if (alpha != 1.0f) y = ctx.build<MulOp>({y, ctx.scalar(alpha)});
  if (ctx.hasInput(2)) {
    mlir::Value c = ctx.input(2);
    if (beta != 1.0f) c = ctx.build<MulOp>({c, ctx.scalar(beta)});
    y = ctx.build<AddOp>({y, c});
  }
  return {y};
}

std::vector<mlir::Value> convertMatMul(ImportContext &ctx) {
  ctx.expectAttributes({});
  mlir::Value a = ctx.input(0), b = ctx.input(1);
  std::vector<int64_t> aShape = shapeOf(a), bShape = shapeOf(b);
  if (aShape.empty() || bShape.empty()) ctx.malformed("MatMul operands must not be scalars");
  if (aShape.size() == 2 && bShape.size() == 2) return {ctx.build<MatmulOp>({a, b})};

  // numpy.matmul semantics: a 1-D lhs is a row [1, K], a 1-D rhs a column
  // [K, 1], and that unit dimension is dropped from the result.
  bool rowVector = aShape.size() == 1, columnVector = bShape.size() == 1;
  if (rowVector) aShape.insert(aShape.begin(), 1);
  if (columnVector) bShape.push_back(1);
  if (aShape.size() == 2 && bShape.size() == 2) {
    mlir::Value y = ctx.build<MatmulOp>({ctx.reshape(a, aShape), ctx.reshape(b, bShape)});
    std::vector<int64_t> yShape = shapeOf(y);
    if (rowVector) yShape.erase(yShape.begin());
    if (columnVector) yShape.pop_back();
    return {ctx.reshape(y, yShape)};
  }

  // Stacks of matrices: nabla.matmul is 2-D only, so a[..., M, K, 1] times
  // b[..., 1, K, N], broadcast over the batch dimensions as numpy does, is
  // summed over K. That is the product written elementwise; it holds an
  // M x K x N intermediate, which is fine for the shapes ONNX models feed
  // MatMul outside the 2-D case (attention-sized batches are not a target).
  std::vector<int64_t> aExpanded = aShape, bExpanded = bShape;
  aExpanded.push_back(1);
  bExpanded.insert(bExpanded.end() - 2, 1);
  mlir::Value products =
      ctx.build<MulOp>({ctx.reshape(a, aExpanded), ctx.reshape(b, bExpanded)});
  mlir::Value y = ctx.build<ReduceSumOp>(
      {products}, {ctx.attr("axes", ctx.i64Array({-2})),
                   ctx.attr("keepdims", ctx.builder().getBoolAttr(false))});
  std::vector<int64_t> yShape = shapeOf(y);
  if (!rowVector && !columnVector) return {y};
  if (columnVector) yShape.pop_back();
  if (rowVector) yShape.erase(yShape.end() - (columnVector ? 1 : 2));
  return {ctx.reshape(y, yShape)};
}

} // namespace

void registerMatrixOps(ConverterTable &table) {
  table["Gemm"] = convertGemm;
  table["MatMul"] = convertMatMul;
}

} // namespace nabla::onnx_io
