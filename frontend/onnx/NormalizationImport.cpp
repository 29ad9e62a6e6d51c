// ONNX BatchNormalization and Dropout on nabla.batch_norm and the identity.
//
// BatchNormalization: inference, and training_mode (opset >= 14), whose
// extra outputs are the updated running mean and variance exactly as
// nabla.batch_norm computes them (same momentum convention). The opset 9-13
// training outputs (saved mean/variance) are not supported.
//
// Dropout: in inference it is the identity, and so is training with ratio 0.
// Training with a positive ratio draws a random mask that no reference can
// reproduce, so it is reported as unsupported rather than imported with
// nabla's own mask.
#include "frontend/onnx/ImportContext.h"
#include "ir/Dialect.h"

namespace nabla::onnx_io {

namespace {

std::vector<mlir::Value> convertBatchNorm(ImportContext &ctx) {
  ctx.expectAttributes({"epsilon", "momentum", "training_mode", "spatial"});
  if (ctx.intAttr("spatial", 1) != 1) ctx.unsupported("attribute spatial=0 unsupported");
  bool training = ctx.intAttr("training_mode", 0) != 0;
  size_t rank = shapeOf(ctx.input(0)).size();
  if (rank != 2 && rank != 4)
    ctx.unsupported("only [N, C] and [N, C, H, W] inputs are supported, got rank " +
                    std::to_string(rank));
  int requestedOutputs = 0;
  for (int k = 1; k < ctx.node().output_size(); ++k)
    if (!ctx.node().output(k).empty()) ++requestedOutputs;
  if (requestedOutputs > 0 && ctx.opset() < 14)
    ctx.unsupported("the training outputs of BatchNormalization before opset 14 unsupported");
  llvm::SmallVector<mlir::NamedAttribute> attrs{
      ctx.attr("epsilon", ctx.builder().getF32FloatAttr(ctx.floatAttr("epsilon", 1e-5f))),
      ctx.attr("momentum", ctx.builder().getF32FloatAttr(ctx.floatAttr("momentum", 0.9f)))};
  if (training) attrs.push_back(ctx.attr("training", ctx.builder().getUnitAttr()));
  mlir::Operation *op = ctx.buildMulti<BatchNormOp>(
      {ctx.input(0), ctx.input(1), ctx.input(2), ctx.input(3), ctx.input(4)}, attrs);
  return {op->getResult(0), op->getResult(1), op->getResult(2)};
}

std::vector<mlir::Value> convertDropout(ImportContext &ctx) {
  ctx.expectAttributes({"ratio", "seed", "is_test"});
  mlir::Value x = ctx.input(0);
  if (ctx.node().output_size() > 1 && !ctx.node().output(1).empty())
    ctx.unsupported("output 1 (the boolean mask) unsupported: nabla has no bool tensors");
  // Opsets 7 to 11 evaluate Dropout in inference mode: the identity. Before
  // opset 7, is_test=0 (the default) asks for training mode.
  if (ctx.opset() < 7 && ctx.intAttr("is_test", 0) == 0 && ctx.floatAttr("ratio", 0.5f) != 0.0f)
    ctx.unsupported("training-mode dropout (is_test=0) with ratio > 0 (a random mask) unsupported");
  if (ctx.opset() < 12) return {x};
  bool training = false;
  if (ctx.hasInput(2)) {
    std::optional<Tensor> mode = ctx.constantInput(2);
    if (!mode) ctx.unsupported("training_mode must be known at import time");
    training = mode->numel() == 1 && mode->at(0) != 0;
  }
  if (!training) return {x};
  float ratio = 0.5f;
  if (ctx.hasInput(1)) {
    std::optional<Tensor> r = ctx.constantInput(1);
    if (!r || r->numel() != 1) ctx.unsupported("ratio must be a scalar known at import time");
    ratio = float(r->at(0));
  }
  if (ratio != 0.0f)
    ctx.unsupported("training-mode dropout with ratio > 0 (a random mask) unsupported");
  return {x};
}

} // namespace

void registerNormalizationOps(ConverterTable &table) {
  table["BatchNormalization"] = convertBatchNorm;
  table["Dropout"] = convertDropout;
}

} // namespace nabla::onnx_io
