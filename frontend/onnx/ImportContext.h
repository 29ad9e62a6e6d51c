// Shared state and helpers of the ONNX importer, used by the per-family op
// converters (ElementwiseImport.cpp, ConvPoolImport.cpp, ...): the map from
// ONNX value names to MLIR values, import-time constants, attribute readers
// that reject malformed attributes, and error messages that name the node.
#pragma once

#include "frontend/onnx/OnnxImporter.h"
#include "ir/OpBuild.h"

#include "mlir/IR/Builders.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nabla::onnx_io {

class ImportContext;

/// A malformed node, reported by ImportContext::malformed with the node
/// already named (so the driver passes it on as it is).
class MalformedNodeError : public Error {
public:
  using Error::Error;
};

/// One converter per ONNX op type: reads the node's inputs and attributes
/// through `ctx` and returns its outputs in order (null for outputs that the
/// node does not produce).
using NodeConverter = std::function<std::vector<mlir::Value>(ImportContext &ctx)>;

/// Registration hooks of the op families; each adds its converters.
using ConverterTable = std::map<std::string, NodeConverter>;
void registerElementwiseOps(ConverterTable &table);
void registerMatrixOps(ConverterTable &table);
void registerConvPoolOps(ConverterTable &table);
void registerShapeOps(ConverterTable &table);
void registerReductionOps(ConverterTable &table);
void registerLossOps(ConverterTable &table);
void registerNormalizationOps(ConverterTable &table);

/// The whole converter table (built once).
const ConverterTable &converters();

class ImportContext {
public:
  ImportContext(mlir::OpBuilder &builder, int64_t opset) : builder_(builder), opset_(opset) {}

  mlir::OpBuilder &builder() { return builder_; }
  mlir::Location loc() const { return loc_; }
  int64_t opset() const { return opset_; }

  // --- the node being converted -------------------------------------------
  void setNode(const onnx::NodeProto *node, int index, mlir::Location loc) {
    node_ = node;
    nodeIndex_ = index;
    loc_ = loc;
  }
  const onnx::NodeProto &node() const { return *node_; }
  /// "node 3 'conv1' (Conv)" for error messages.
  std::string describeNode() const;
  [[noreturn]] void unsupported(const std::string &what) const;
  [[noreturn]] void malformed(const std::string &what) const;

  // --- inputs ----------------------------------------------------------------
  int numInputs() const { return node_->input_size(); }
  /// True if input i is given (ONNX marks a skipped optional input with "").
  bool hasInput(int i) const { return i < numInputs() && !node_->input(i).empty(); }
  /// Input i as an MLIR value (import-time constants are materialized).
  mlir::Value input(int i);
  /// Input i as a tensor known at import time, or nullopt when it is only
  /// known at run time.
  std::optional<Tensor> constantInput(int i) const;
  /// Input i as a list of integers that must be known at import time.
  std::vector<int64_t> constantInts(int i, const std::string &what) const;

  // --- attributes -------------------------------------------------------------
  const onnx::AttributeProto *attribute(const std::string &name) const;
  int64_t intAttr(const std::string &name, int64_t fallback) const;
  float floatAttr(const std::string &name, float fallback) const;
  std::string stringAttr(const std::string &name, const std::string &fallback) const;
  std::optional<std::vector<int64_t>> intsAttr(const std::string &name) const;
  /// Rejects any attribute of the node not in `known`, so an attribute the
  /// importer would silently ignore is reported instead.
  void expectAttributes(std::initializer_list<const char *> known) const;

  // --- values -------------------------------------------------------------------
  void define(const std::string &name, mlir::Value value) { values_[name] = value; }
  void defineConstant(const std::string &name, Tensor value) { constants_[name] = value; }
  bool isDefined(const std::string &name) const {
    return values_.count(name) || constants_.count(name);
  }
  mlir::Value lookup(const std::string &name);

  // --- building ---------------------------------------------------------------
  template <typename OpT>
  mlir::Value build(mlir::ValueRange operands, llvm::ArrayRef<mlir::NamedAttribute> attrs = {}) {
    return buildOp<OpT>(builder_, loc_, operands, attrs)->getResult(0);
  }
  template <typename OpT>
  mlir::Operation *buildMulti(mlir::ValueRange operands,
                              llvm::ArrayRef<mlir::NamedAttribute> attrs = {}) {
    return buildOp<OpT>(builder_, loc_, operands, attrs).getOperation();
  }
  mlir::NamedAttribute attr(llvm::StringRef name, mlir::Attribute value) {
    return builder_.getNamedAttr(name, value);
  }
  mlir::Attribute i64Array(llvm::ArrayRef<int64_t> values) {
    return builder_.getI64ArrayAttr(values);
  }
  /// `value` reshaped to `shape` (static but for at most one -1; more is
  /// unsupported); `value` itself if it already has that shape.
  mlir::Value reshape(mlir::Value value, const std::vector<int64_t> &shape);
  /// A 0-d f32 constant.
  mlir::Value scalar(float value);
  /// A constant holding `tensor` (any supported element type).
  mlir::Value constant(const Tensor &tensor);

private:
  mlir::OpBuilder &builder_;
  int64_t opset_;
  const onnx::NodeProto *node_ = nullptr;
  int nodeIndex_ = -1;
  mlir::Location loc_ = builder_.getUnknownLoc();
  std::map<std::string, mlir::Value> values_;
  std::map<std::string, Tensor> constants_;
};

/// The static shape of a ranked tensor value (-1 for dynamic dimensions).
std::vector<int64_t> shapeOf(mlir::Value value);

} // namespace nabla::onnx_io
