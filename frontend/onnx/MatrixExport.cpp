// nabla.matmul and nabla.fused_matmul as ONNX MatMul and Gemm. A plain
// product is MatMul; transposed operands need Gemm's transA/transB; the
// fused op is Gemm with its bias as C, then Relu (ONNX has no fused
// activation), which the importer reads back as matmul + add + relu.
#include "frontend/onnx/ExportContext.h"
#include "ir/Dialect.h"

namespace nabla::onnx_io {

namespace {

void setTransposes(onnx::NodeProto &gemm, bool transposeLhs, bool transposeRhs) {
  if (transposeLhs) ExportContext::setInt(gemm, "transA", 1);
  if (transposeRhs) ExportContext::setInt(gemm, "transB", 1);
}

void exportMatmul(mlir::Operation *operation, ExportContext &ctx) {
  auto op = llvm::cast<MatmulOp>(operation);
  std::vector<std::string> inputs{ctx.nameOf(op.getLhs()), ctx.nameOf(op.getRhs())};
  if (!op.getTransposeLhs() && !op.getTransposeRhs()) {
    ctx.node("MatMul", inputs, {ctx.resultName(0)});
    return;
  }
  setTransposes(ctx.node("Gemm", inputs, {ctx.resultName(0)}), op.getTransposeLhs(),
                op.getTransposeRhs());
}

void exportFusedMatmul(mlir::Operation *operation, ExportContext &ctx) {
  auto op = llvm::cast<FusedMatmulOp>(operation);
  std::vector<std::string> inputs{ctx.nameOf(op.getLhs()), ctx.nameOf(op.getRhs())};
  if (op.getBias()) inputs.push_back(ctx.nameOf(op.getBias()));
  setTransposes(ctx.nodeThenActivation("Gemm", inputs, op.getActivation()), op.getTransposeLhs(),
                op.getTransposeRhs());
}

} // namespace

void registerMatrixExports(ExporterTable &table) {
  table["nabla.matmul"] = exportMatmul;
  table["nabla.fused_matmul"] = exportFusedMatmul;
}

} // namespace nabla::onnx_io
