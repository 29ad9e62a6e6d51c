// nabla.batch_norm and nabla.dropout as ONNX BatchNormalization and Dropout.
//
// Batch norm: inference normalizes with the running statistics, whose
// unchanged values are the op's other two results; training_mode=1 (opset
// >= 14) returns the updated running statistics with the same momentum
// convention as nabla's (running = momentum * running + (1 - momentum) *
// batch).
//
// Dropout: inference is the identity, written as a Dropout node with its
// ratio so the graph still says where dropout sits (ONNX runtimes evaluate it
// as the identity without training_mode). Training draws nabla's own
// counter-based mask, which no ONNX runtime reproduces, so it has no ONNX
// form.
#include "frontend/onnx/ExportContext.h"
#include "ir/Dialect.h"

namespace nabla::onnx_io {

namespace {

void exportBatchNorm(mlir::Operation *operation, ExportContext &ctx) {
  auto op = llvm::cast<BatchNormOp>(operation);
  std::vector<std::string> inputs;
  for (mlir::Value operand : op->getOperands()) inputs.push_back(ctx.nameOf(operand));
  std::vector<std::string> outputs{ctx.resultName(0)};
  if (op.getTraining()) {
    // An unused output is left out with an empty name, as ONNX allows.
    for (unsigned i : {1u, 2u})
      outputs.push_back(op->getResult(i).use_empty() ? "" : ctx.resultName(i));
    while (outputs.back().empty()) outputs.pop_back();
  }
  onnx::NodeProto &node = ctx.node("BatchNormalization", inputs, outputs);
  ExportContext::setFloat(node, "epsilon", op.getEpsilon().convertToFloat());
  ExportContext::setFloat(node, "momentum", op.getMomentum().convertToFloat());
  if (op.getTraining()) {
    ExportContext::setInt(node, "training_mode", 1);
  } else {
    ctx.alias(1, ctx.nameOf(op.getRunningMean()));
    ctx.alias(2, ctx.nameOf(op.getRunningVar()));
  }
}

void exportDropout(mlir::Operation *operation, ExportContext &ctx) {
  auto op = llvm::cast<DropoutOp>(operation);
  if (op.getTraining()) ctx.unsupported("training-mode dropout (nabla's own random mask)");
  ctx.requireUnused(1, "the dropout mask");
  std::string ratio = ctx.constant(Tensor::scalar<float>(op.getRatio().convertToFloat()), "ratio");
  ctx.node("Dropout", {ctx.nameOf(op.getInput()), ratio}, {ctx.resultName(0)});
}

} // namespace

void registerNormalizationExports(ExporterTable &table) {
  table["nabla.batch_norm"] = exportBatchNorm;
  table["nabla.dropout"] = exportDropout;
}

} // namespace nabla::onnx_io
