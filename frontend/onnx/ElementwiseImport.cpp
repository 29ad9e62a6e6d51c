// ONNX elementwise ops: activations, unary math, broadcasting binary ops and
// the variadic Sum/Mean. nabla's binary ops broadcast as numpy does, which is
// ONNX's multidirectional broadcasting, so they map one to one.
#include "frontend/onnx/ImportContext.h"
#include "ir/Dialect.h"

namespace nabla::onnx_io {

namespace {

template <typename OpT> NodeConverter unary() {
  return [](ImportContext &ctx) -> std::vector<mlir::Value> {
    ctx.expectAttributes({});
    return {ctx.build<OpT>({ctx.input(0)})};
  };
}

template <typename OpT> NodeConverter binary() {
  return [](ImportContext &ctx) -> std::vector<mlir::Value> {
    // `broadcast`/`axis` only exist before opset 7, where broadcast=1 with no
    // axis means numpy-style trailing alignment, as here.
    ctx.expectAttributes({"broadcast"});
    if (ctx.attribute("axis")) ctx.unsupported("attribute axis unsupported");
    return {ctx.build<OpT>({ctx.input(0), ctx.input(1)})};
  };
}

mlir::Value sumOfInputs(ImportContext &ctx) {
  if (ctx.numInputs() == 0) ctx.malformed("needs at least one input");
  mlir::Value total = ctx.input(0);
  for (int i = 1; i < ctx.numInputs(); ++i) total = ctx.build<AddOp>({total, ctx.input(i)});
  return total;
}

} // namespace

void registerElementwiseOps(ConverterTable &table) {
  table["Relu"] = unary<ReluOp>();
  table["Sigmoid"] = unary<SigmoidOp>();
  table["Tanh"] = unary<TanhOp>();
  table["Exp"] = unary<ExpOp>();
  table["Log"] = unary<LogOp>();
  table["Sqrt"] = unary<SqrtOp>();
  table["Neg"] = unary<NegOp>();
  table["Add"] = binary<AddOp>();
  table["Sub"] = binary<SubOp>();
  table["Mul"] = binary<MulOp>();
  table["Div"] = binary<DivOp>();
  table["Pow"] = binary<PowOp>();
  table["Max"] = [](ImportContext &ctx) -> std::vector<mlir::Value> {
    ctx.expectAttributes({});
    if (ctx.numInputs() == 0) ctx.malformed("needs at least one input");
    mlir::Value result = ctx.input(0);
    for (int i = 1; i < ctx.numInputs(); ++i) result = ctx.build<MaximumOp>({result, ctx.input(i)});
    return {result};
  };
  table["Identity"] = [](ImportContext &ctx) -> std::vector<mlir::Value> {
    ctx.expectAttributes({});
    return {ctx.input(0)};
  };
  table["Sum"] = [](ImportContext &ctx) -> std::vector<mlir::Value> {
    ctx.expectAttributes({});
    return {sumOfInputs(ctx)};
  };
  table["Mean"] = [](ImportContext &ctx) -> std::vector<mlir::Value> {
    ctx.expectAttributes({});
    mlir::Value total = sumOfInputs(ctx);
    return {ctx.build<DivOp>({total, ctx.scalar(float(ctx.numInputs()))})};
  };
}

} // namespace nabla::onnx_io
