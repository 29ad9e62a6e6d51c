#include "frontend/onnx/ExportContext.h"

#include "frontend/onnx/OnnxFiles.h"
#include "ir/OpBuild.h"

#include "mlir/IR/BuiltinAttributes.h"

namespace nabla::onnx_io {

const ExporterTable &exporters() {
  static const ExporterTable table = [] {
    ExporterTable t;
    registerElementwiseExports(t);
    registerMatrixExports(t);
    registerConvPoolExports(t);
    registerShapeExports(t);
    registerReductionExports(t);
    registerNormalizationExports(t);
    registerLossExports(t);
    return t;
  }();
  return table;
}

void ExportContext::setOp(mlir::Operation *op) {
  op_ = op;
  std::string mnemonic = op->getName().stripDialect().str();
  opBase_ = mnemonic + "_" + std::to_string(opCounts_[mnemonic]++);
}

std::string ExportContext::describeOp() const {
  return "'" + op_->getName().getStringRef().str() + "' at " + describeLocation(op_->getLoc());
}

void ExportContext::unsupported(const std::string &what) const {
  throw Error(describeOp() + ": " + what + " has no ONNX form");
}

void ExportContext::reserve(mlir::Value value, const std::string &name) {
  reserveName(name);
  names_[value] = name;
}

void ExportContext::reserveName(const std::string &name) {
  if (!usedValueNames_.insert(name).second)
    throw Error("two values would both be named '" + name + "' in the ONNX graph");
}

std::string ExportContext::nameOf(mlir::Value value) const {
  auto it = names_.find(value);
  // Ops are exported in block order, so an operand is always named already;
  // a miss means an exporter did not name a result that is used.
  if (it == names_.end())
    throw Error(describeOp() + ": an operand has no ONNX value (exporter bug)");
  return it->second;
}

std::string ExportContext::fresh(const std::string &hint) {
  std::string name = hint;
  for (int k = 1; usedValueNames_.count(name); ++k) name = hint + "_" + std::to_string(k);
  usedValueNames_.insert(name);
  return name;
}

std::string ExportContext::resultName(unsigned index) {
  mlir::Value value = op_->getResult(index);
  if (auto it = names_.find(value); it != names_.end()) return it->second;
  std::string name = fresh(index == 0 ? opBase_ : opBase_ + "_" + std::to_string(index));
  names_[value] = name;
  return name;
}

void ExportContext::alias(unsigned index, const std::string &name) {
  mlir::Value value = op_->getResult(index);
  if (auto it = names_.find(value); it != names_.end()) {
    node("Identity", {name}, {it->second}); // a graph output: it keeps its own name
    return;
  }
  names_[value] = name;
}

void ExportContext::requireUnused(unsigned index, const std::string &what) const {
  if (!op_->getResult(index).use_empty()) unsupported(what);
}

onnx::NodeProto &ExportContext::node(const std::string &opType,
                                     const std::vector<std::string> &inputs,
                                     const std::vector<std::string> &outputs) {
  onnx::NodeProto &n = *graph_.add_node();
  n.set_op_type(opType);
  std::string name = opBase_ + "/" + opType;
  for (int k = 1; usedNodeNames_.count(name); ++k)
    name = opBase_ + "/" + opType + "_" + std::to_string(k);
  usedNodeNames_.insert(name);
  n.set_name(name);
  // The source location survives in the file, for whoever debugs the model.
  n.set_doc_string(describeOp());
  for (const std::string &in : inputs) n.add_input(in);
  for (const std::string &out : outputs) n.add_output(out);
  return n;
}

onnx::NodeProto &ExportContext::nodeThenActivation(const std::string &opType,
                                                  const std::vector<std::string> &inputs,
                                                  llvm::StringRef activation) {
  if (activation == "none") return node(opType, inputs, {resultName(0)});
  if (activation != "relu") unsupported("activation '" + activation.str() + "'");
  std::string preActivation = fresh(opBase_ + ".pre_relu");
  // Protobuf's repeated fields keep elements in place, so the reference
  // stays valid while the Relu node is added.
  onnx::NodeProto &main = node(opType, inputs, {preActivation});
  node("Relu", {preActivation}, {resultName(0)});
  return main;
}

std::string ExportContext::constant(const Tensor &value, const std::string &hint) {
  std::string name = fresh(opBase_ + "." + hint);
  constantNode(value, name);
  return name;
}

void ExportContext::constantNode(const Tensor &value, const std::string &output) {
  onnx::NodeProto &n = node("Constant", {}, {output});
  onnx::AttributeProto &a = *n.add_attribute();
  a.set_name("value");
  a.set_type(onnx::AttributeProto::TENSOR);
  *a.mutable_t() = tensorToProto(value, "");
}

void ExportContext::setInt(onnx::NodeProto &node, const std::string &name, int64_t value) {
  onnx::AttributeProto &a = *node.add_attribute();
  a.set_name(name);
  a.set_type(onnx::AttributeProto::INT);
  a.set_i(value);
}

void ExportContext::setFloat(onnx::NodeProto &node, const std::string &name, float value) {
  onnx::AttributeProto &a = *node.add_attribute();
  a.set_name(name);
  a.set_type(onnx::AttributeProto::FLOAT);
  a.set_f(value);
}

void ExportContext::setString(onnx::NodeProto &node, const std::string &name,
                              const std::string &value) {
  onnx::AttributeProto &a = *node.add_attribute();
  a.set_name(name);
  a.set_type(onnx::AttributeProto::STRING);
  a.set_s(value);
}

void ExportContext::setInts(onnx::NodeProto &node, const std::string &name,
                            const std::vector<int64_t> &values) {
  onnx::AttributeProto &a = *node.add_attribute();
  a.set_name(name);
  a.set_type(onnx::AttributeProto::INTS);
  for (int64_t v : values) a.add_ints(v);
}

std::vector<int64_t> ints(mlir::Attribute arrayAttr) {
  std::vector<int64_t> values;
  for (mlir::Attribute a : arrayAttr.cast<mlir::ArrayAttr>())
    values.push_back(a.cast<mlir::IntegerAttr>().getInt());
  return values;
}

} // namespace nabla::onnx_io
