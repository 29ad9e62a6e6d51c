// nabla.softmax_cross_entropy as ONNX SoftmaxCrossEntropyLoss with the mean
// reduction, so a DSL model's @loss exports too (when its ops do). ONNX takes
// class indices only: nabla's one-hot / probability labels have no ONNX form.
#include "frontend/onnx/ExportContext.h"
#include "ir/Dialect.h"

#include "mlir/IR/BuiltinTypes.h"

namespace nabla::onnx_io {

namespace {

void exportSoftmaxCrossEntropy(mlir::Operation *operation, ExportContext &ctx) {
  auto op = llvm::cast<SoftmaxCrossEntropyOp>(operation);
  auto labels = op.getLabels().getType().cast<mlir::ShapedType>();
  if (!labels.getElementType().isa<mlir::IntegerType>())
    ctx.unsupported("softmax cross-entropy with one-hot (f32) labels");
  onnx::NodeProto &node = ctx.node("SoftmaxCrossEntropyLoss",
                                   {ctx.nameOf(op.getLogits()), ctx.nameOf(op.getLabels())},
                                   {ctx.resultName(0)});
  ExportContext::setString(node, "reduction", "mean");
}

} // namespace

void registerLossExports(ExporterTable &table) {
  table["nabla.softmax_cross_entropy"] = exportSoftmaxCrossEntropy;
}

} // namespace nabla::onnx_io
