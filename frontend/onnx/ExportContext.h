// Shared state and helpers of the ONNX exporter, used by the per-family op
// exporters (ElementwiseExport.cpp, ConvPoolExport.cpp, ...): the names of
// exported values, node and attribute building, and errors that name the op
// being exported and its source location.
#pragma once

#include "runtime/Error.h"
#include "runtime/Tensor.h"

#include <onnx/onnx_pb.h>

#include "mlir/IR/Operation.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringRef.h"

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace nabla::onnx_io {

class ExportContext;

/// One exporter per nabla op: adds the op's nodes to the graph through `ctx`.
using OpExporter = std::function<void(mlir::Operation *op, ExportContext &ctx)>;

/// Registration hooks of the op families, keyed by op name ("nabla.conv2d").
using ExporterTable = std::map<std::string, OpExporter>;
void registerElementwiseExports(ExporterTable &table);
void registerMatrixExports(ExporterTable &table);
void registerConvPoolExports(ExporterTable &table);
void registerShapeExports(ExporterTable &table);
void registerReductionExports(ExporterTable &table);
void registerNormalizationExports(ExporterTable &table);
void registerLossExports(ExporterTable &table);

/// The whole exporter table (built once).
const ExporterTable &exporters();

class ExportContext {
public:
  explicit ExportContext(onnx::GraphProto &graph) : graph_(graph) {}

  // --- the op being exported ---------------------------------------------------
  /// Starts exporting `op`; its nodes are named "<mnemonic>_<k>/<OpType>".
  void setOp(mlir::Operation *op);
  mlir::Operation *op() const { return op_; }
  /// "'nabla.dropout' at Nets.cpp:97:7" for error messages.
  std::string describeOp() const;
  [[noreturn]] void unsupported(const std::string &what) const;

  // --- value names ---------------------------------------------------------------
  /// Reserves `name` for `value` (arguments; results that are graph outputs).
  /// Throws if another value already has that name.
  void reserve(mlir::Value value, const std::string &name);
  /// Reserves `name` for a value that a later node defines.
  void reserveName(const std::string &name);
  bool isNamed(mlir::Value value) const { return names_.count(value) != 0; }
  bool isNameTaken(const std::string &name) const { return usedValueNames_.count(name) != 0; }
  /// The name of a value that is already defined (an operand of the op).
  std::string nameOf(mlir::Value value) const;
  /// The name of result `index` of the current op: its reserved name if it
  /// is a graph output, a fresh "<mnemonic>_<k>" otherwise.
  std::string resultName(unsigned index);
  /// A new name for an intermediate value of the op's nodes.
  std::string fresh(const std::string &hint);
  /// Result `index` of the current op is the existing value `name` (batch
  /// norm's running statistics in inference); an Identity node makes it a
  /// graph output if it must have a name of its own.
  void alias(unsigned index, const std::string &name);
  /// Rejects the op if result `index` is used: for results ONNX cannot express.
  void requireUnused(unsigned index, const std::string &what) const;

  // --- building ------------------------------------------------------------------
  onnx::NodeProto &node(const std::string &opType, const std::vector<std::string> &inputs,
                        const std::vector<std::string> &outputs);
  /// `opType` on `inputs` followed by the fused ops' `activation` ("none" or
  /// "relu", a Relu node), writing result 0; returns the `opType` node for
  /// its attributes.
  onnx::NodeProto &nodeThenActivation(const std::string &opType,
                                      const std::vector<std::string> &inputs,
                                      llvm::StringRef activation);
  /// A Constant node holding `value`, its output named "<mnemonic>_<k>.<hint>";
  /// returns that name. Constants stay nodes, not initializers: initializers
  /// are the model's parameters (the importer makes them trainable).
  std::string constant(const Tensor &value, const std::string &hint);
  /// A Constant node holding `value` whose output is named `output`.
  void constantNode(const Tensor &value, const std::string &output);
  static void setInt(onnx::NodeProto &node, const std::string &name, int64_t value);
  static void setFloat(onnx::NodeProto &node, const std::string &name, float value);
  static void setString(onnx::NodeProto &node, const std::string &name, const std::string &value);
  static void setInts(onnx::NodeProto &node, const std::string &name,
                      const std::vector<int64_t> &values);

private:
  onnx::GraphProto &graph_;
  mlir::Operation *op_ = nullptr;
  std::string opBase_; // "<mnemonic>_<k>" of the current op
  std::map<std::string, int> opCounts_;
  llvm::DenseMap<mlir::Value, std::string> names_;
  std::set<std::string> usedValueNames_, usedNodeNames_;
};

/// The integers of an I64ArrayAttr.
std::vector<int64_t> ints(mlir::Attribute arrayAttr);

} // namespace nabla::onnx_io
