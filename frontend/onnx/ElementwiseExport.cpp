// nabla's elementwise ops as ONNX elementwise ops. nabla's binary ops
// broadcast as numpy does, which is ONNX's multidirectional broadcasting, so
// they map one to one; square, which ONNX lacks, is Mul(x, x).
#include "frontend/onnx/ExportContext.h"

namespace nabla::onnx_io {

namespace {

OpExporter sameOperands(const std::string &onnxOp) {
  return [onnxOp](mlir::Operation *op, ExportContext &ctx) {
    std::vector<std::string> inputs;
    for (mlir::Value operand : op->getOperands()) inputs.push_back(ctx.nameOf(operand));
    ctx.node(onnxOp, inputs, {ctx.resultName(0)});
  };
}

} // namespace

void registerElementwiseExports(ExporterTable &table) {
  const std::pair<const char *, const char *> oneToOne[] = {
      {"nabla.relu", "Relu"}, {"nabla.sigmoid", "Sigmoid"}, {"nabla.tanh", "Tanh"},
      {"nabla.exp", "Exp"},   {"nabla.log", "Log"},         {"nabla.sqrt", "Sqrt"},
      {"nabla.neg", "Neg"},   {"nabla.add", "Add"},         {"nabla.sub", "Sub"},
      {"nabla.mul", "Mul"},   {"nabla.div", "Div"},         {"nabla.pow", "Pow"},
      {"nabla.maximum", "Max"},
  };
  for (auto [nablaOp, onnxOp] : oneToOne) table[nablaOp] = sameOperands(onnxOp);
  table["nabla.square"] = [](mlir::Operation *op, ExportContext &ctx) {
    std::string x = ctx.nameOf(op->getOperand(0));
    ctx.node("Mul", {x, x}, {ctx.resultName(0)});
  };
}

} // namespace nabla::onnx_io
