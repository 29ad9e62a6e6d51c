// ONNX Gemm and MatMul on nabla.matmul, whose transpose flags cover Gemm's
// transA/transB; alpha and beta become multiplications by constants.
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
  if (shapeOf(a).size() != 2 || shapeOf(b).size() != 2)
    ctx.unsupported("only 2-D MatMul is supported (operand ranks " +
                    std::to_string(shapeOf(a).size()) + " and " +
                    std::to_string(shapeOf(b).size()) + ")");
  return {ctx.build<MatmulOp>({a, b})};
}

} // namespace

void registerMatrixOps(ConverterTable &table) {
  table["Gemm"] = convertGemm;
  table["MatMul"] = convertMatMul;
}

} // namespace nabla::onnx_io
