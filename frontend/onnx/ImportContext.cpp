#include "frontend/onnx/ImportContext.h"

#include "frontend/onnx/OnnxFiles.h"
#include "ir/Dialect.h"

#include "mlir/IR/BuiltinTypes.h"

#include <algorithm>
#include <set>

namespace nabla::onnx_io {

std::string ImportContext::describeNode() const {
  std::string text = "node " + std::to_string(nodeIndex_);
  if (!node_->name().empty()) text += " '" + node_->name() + "'";
  return text + " (" + node_->op_type() + ")";
}

void ImportContext::unsupported(const std::string &what) const {
  throw UnsupportedError(describeNode() + ": " + what);
}

void ImportContext::malformed(const std::string &what) const {
  throw MalformedNodeError(describeNode() + ": " + what);
}

mlir::Value ImportContext::lookup(const std::string &name) {
  if (auto it = values_.find(name); it != values_.end()) return it->second;
  if (auto it = constants_.find(name); it != constants_.end()) {
    mlir::Value v = constant(it->second);
    values_[name] = v;
    return v;
  }
  malformed("input '" + name + "' is not defined by any earlier node, input or initializer");
}

mlir::Value ImportContext::input(int i) {
  if (!hasInput(i)) malformed("missing input " + std::to_string(i));
  return lookup(node_->input(i));
}

std::optional<Tensor> ImportContext::constantInput(int i) const {
  if (!hasInput(i)) return std::nullopt;
  auto it = constants_.find(node_->input(i));
  if (it == constants_.end()) return std::nullopt;
  return it->second;
}

std::vector<int64_t> ImportContext::constantInts(int i, const std::string &what) const {
  if (!hasInput(i)) malformed(what + " (input " + std::to_string(i) + ") is missing");
  std::optional<Tensor> t = constantInput(i);
  if (!t)
    unsupported(what + " (input " + std::to_string(i) + " '" + node_->input(i) +
                "') must be known at import time (an initializer, a Constant or a bound input)");
  if (t->dtype() != DType::I64 && t->dtype() != DType::I32)
    malformed(what + " must be an integer tensor");
  // Read as integers: at() goes through double, inexact past 2^53 and
  // undefined past int64's range.
  std::vector<int64_t> values(t->numel());
  for (int64_t k = 0; k < t->numel(); ++k)
    values[k] = t->dtype() == DType::I64 ? t->data<int64_t>()[k] : t->data<int32_t>()[k];
  return values;
}

const onnx::AttributeProto *ImportContext::attribute(const std::string &name) const {
  for (const auto &a : node_->attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

int64_t ImportContext::intAttr(const std::string &name, int64_t fallback) const {
  const auto *a = attribute(name);
  if (!a) return fallback;
  if (a->type() != onnx::AttributeProto::INT) malformed("attribute " + name + " is not an int");
  return a->i();
}

float ImportContext::floatAttr(const std::string &name, float fallback) const {
  const auto *a = attribute(name);
  if (!a) return fallback;
  if (a->type() != onnx::AttributeProto::FLOAT) malformed("attribute " + name + " is not a float");
  return a->f();
}

std::string ImportContext::stringAttr(const std::string &name, const std::string &fallback) const {
  const auto *a = attribute(name);
  if (!a) return fallback;
  if (a->type() != onnx::AttributeProto::STRING)
    malformed("attribute " + name + " is not a string");
  return a->s();
}

std::optional<std::vector<int64_t>> ImportContext::intsAttr(const std::string &name) const {
  const auto *a = attribute(name);
  if (!a) return std::nullopt;
  if (a->type() != onnx::AttributeProto::INTS)
    malformed("attribute " + name + " is not a list of ints");
  return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

void ImportContext::expectAttributes(std::initializer_list<const char *> known) const {
  std::set<std::string> names(known.begin(), known.end());
  for (const auto &a : node_->attribute())
    if (!names.count(a.name())) unsupported("attribute " + a.name() + " unsupported");
}

mlir::Value ImportContext::reshape(mlir::Value value, const std::vector<int64_t> &shape) {
  if (shapeOf(value) == shape) return value;
  // nabla.reshape infers one dimension; two dynamic ones cannot be expressed.
  if (std::count(shape.begin(), shape.end(), -1) > 1)
    unsupported("reshaping to " + shapeToString(shape) + " with several dynamic dimensions");
  return build<ReshapeOp>({value}, {attr("shape", i64Array(shape))});
}

mlir::Value ImportContext::scalar(float value) {
  return constant(Tensor::scalar<float>(value));
}

mlir::Value ImportContext::constant(const Tensor &t) {
  llvm::SmallVector<int64_t> shape(t.shape().begin(), t.shape().end());
  mlir::DenseElementsAttr value;
  switch (t.dtype()) {
  case DType::F32:
    value = mlir::DenseElementsAttr::get(mlir::RankedTensorType::get(shape, builder_.getF32Type()),
                                         llvm::makeArrayRef(t.data<float>(), t.numel()));
    break;
  case DType::I64:
    value = mlir::DenseElementsAttr::get(
        mlir::RankedTensorType::get(shape, builder_.getIntegerType(64)),
        llvm::makeArrayRef(t.data<int64_t>(), t.numel()));
    break;
  case DType::I32:
    value = mlir::DenseElementsAttr::get(
        mlir::RankedTensorType::get(shape, builder_.getIntegerType(32)),
        llvm::makeArrayRef(t.data<int32_t>(), t.numel()));
    break;
  case DType::F64:
    unsupported("element type double unsupported (nabla computes in f32)");
  }
  return builder_.create<ConstantOp>(loc_, value.getType(), value).getResult();
}

std::vector<int64_t> shapeOf(mlir::Value value) {
  auto type = value.getType().cast<mlir::RankedTensorType>();
  std::vector<int64_t> shape(type.getShape().begin(), type.getShape().end());
  for (int64_t &d : shape)
    if (mlir::ShapedType::isDynamic(d)) d = -1;
  return shape;
}

const ConverterTable &converters() {
  static const ConverterTable table = [] {
    ConverterTable t;
    registerElementwiseOps(t);
    registerMatrixOps(t);
    registerConvPoolOps(t);
    registerShapeOps(t);
    registerReductionOps(t);
    registerLossOps(t);
    registerNormalizationOps(t);
    return t;
  }();
  return table;
}

} // namespace nabla::onnx_io
