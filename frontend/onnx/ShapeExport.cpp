// nabla ops that move elements without computing, and constants: Reshape
// (its target shape as a Constant input, as ONNX wants since opset 5),
// Flatten, Transpose and Constant.
#include "frontend/onnx/ExportContext.h"
#include "ir/Dialect.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"

#include <algorithm>

namespace nabla::onnx_io {

namespace {

void exportReshape(mlir::Operation *operation, ExportContext &ctx) {
  auto op = llvm::cast<ReshapeOp>(operation);
  std::vector<int64_t> shape = ints(op.getShape());
  // ONNX reads a 0 as "copy the input's dimension" unless allowzero=1,
  // which the importer does not read back: nabla never makes empty tensors.
  if (std::count(shape.begin(), shape.end(), 0))
    ctx.unsupported("a reshape to an empty tensor (a 0 in the shape)");
  std::string target =
      ctx.constant(Tensor::fromVector<int64_t>({int64_t(shape.size())}, shape), "shape");
  ctx.node("Reshape", {ctx.nameOf(op.getInput()), target}, {ctx.resultName(0)});
}

void exportFlatten(mlir::Operation *operation, ExportContext &ctx) {
  auto op = llvm::cast<FlattenOp>(operation);
  onnx::NodeProto &node = ctx.node("Flatten", {ctx.nameOf(op.getInput())}, {ctx.resultName(0)});
  ExportContext::setInt(node, "axis", int64_t(op.getAxis()));
}

void exportTranspose(mlir::Operation *operation, ExportContext &ctx) {
  auto op = llvm::cast<TransposeOp>(operation);
  onnx::NodeProto &node = ctx.node("Transpose", {ctx.nameOf(op.getInput())}, {ctx.resultName(0)});
  ExportContext::setInts(node, "perm", ints(op.getPerm()));
}

template <typename T> Tensor denseToTensor(mlir::DenseElementsAttr dense, const Shape &shape) {
  auto values = dense.getValues<T>();
  return Tensor::fromVector<T>(shape, std::vector<T>(values.begin(), values.end()));
}

void exportConstant(mlir::Operation *operation, ExportContext &ctx) {
  auto op = llvm::cast<ConstantOp>(operation);
  auto dense = op.getValue().dyn_cast<mlir::DenseElementsAttr>();
  if (!dense) ctx.unsupported("a constant that is not dense elements");
  auto type = dense.getType().cast<mlir::RankedTensorType>();
  Shape shape(type.getShape().begin(), type.getShape().end());
  mlir::Type element = type.getElementType();
  Tensor value;
  if (element.isF32()) value = denseToTensor<float>(dense, shape);
  else if (element.isInteger(64)) value = denseToTensor<int64_t>(dense, shape);
  else if (element.isInteger(32)) value = denseToTensor<int32_t>(dense, shape);
  else ctx.unsupported("a constant of element type other than f32, i64 and i32");
  ctx.constantNode(value, ctx.resultName(0));
}

} // namespace

void registerShapeExports(ExporterTable &table) {
  table["nabla.reshape"] = exportReshape;
  table["nabla.flatten"] = exportFlatten;
  table["nabla.transpose"] = exportTranspose;
  table["nabla.constant"] = exportConstant;
}

} // namespace nabla::onnx_io
