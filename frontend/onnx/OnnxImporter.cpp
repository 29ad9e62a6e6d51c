// The driver of the importer: reads the graph's inputs, initializers and
// outputs, builds @main and hands each node to the converter of its op type
// (the converters live in one file per op family).
#include "frontend/onnx/OnnxImporter.h"

#include "frontend/onnx/ImportContext.h"
#include "frontend/onnx/OnnxFiles.h"
#include "ir/Dialect.h"
#include "ir/OpBuild.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"

#include <set>

namespace nabla::onnx_io {

namespace {

/// The version of the default operator set, or 0 if the model imports none
/// (a model of only ai.onnx.preview.training ops, say): that is an error only
/// once a node of the default domain needs it.
int64_t defaultOpset(const onnx::ModelProto &model) {
  for (const auto &entry : model.opset_import())
    if (entry.domain().empty() || entry.domain() == "ai.onnx") return entry.version();
  return 0;
}

mlir::Type elementType(mlir::OpBuilder &b, int32_t onnxType, const std::string &what) {
  switch (onnxType) {
  case onnx::TensorProto::FLOAT: return b.getF32Type();
  case onnx::TensorProto::INT64: return b.getIntegerType(64);
  case onnx::TensorProto::INT32: return b.getIntegerType(32);
  default:
    throw UnsupportedError(
        what + ": element type " +
        onnx::TensorProto::DataType_Name(onnx::TensorProto::DataType(onnxType)) + " unsupported");
  }
}

/// The tensor type of a graph input; unknown or symbolic dimensions are `?`.
mlir::RankedTensorType inputType(mlir::OpBuilder &b, const onnx::ValueInfoProto &info) {
  std::string what = "graph input '" + info.name() + "'";
  if (!info.type().has_tensor_type())
    throw UnsupportedError(what +
                           ": only tensor inputs are supported (not sequences, maps, optionals)");
  const auto &tensorType = info.type().tensor_type();
  if (!tensorType.has_shape())
    throw UnsupportedError(what + ": inputs of unknown rank unsupported");
  llvm::SmallVector<int64_t> shape;
  for (const auto &dim : tensorType.shape().dim()) {
    if (dim.has_dim_value()) {
      if (dim.dim_value() < 0) throw Error(what + ": negative dimension");
      shape.push_back(dim.dim_value());
    } else {
      shape.push_back(mlir::ShapedType::kDynamicSize);
    }
  }
  return mlir::RankedTensorType::get(shape, elementType(b, tensorType.elem_type(), what));
}

mlir::RankedTensorType tensorType(mlir::OpBuilder &b, const Tensor &t) {
  llvm::SmallVector<int64_t> shape(t.shape().begin(), t.shape().end());
  return mlir::RankedTensorType::get(shape, b.getF32Type());
}

/// Which inputs of which op types nabla reads at import time.
const std::map<std::string, std::vector<int>> &constantOperands() {
  static const std::map<std::string, std::vector<int>> table = {
      {"Reshape", {1}},    {"ReduceSum", {1}}, {"ReduceMean", {1}},
      {"ReduceMax", {1}},  {"Dropout", {1, 2}},
  };
  return table;
}

std::string printType(mlir::Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  type.print(os);
  return os.str();
}

/// nabla computes in f32: an op that rejects its operands because one is an
/// integer tensor meets an unsupported element type, not a bug.
void rejectNonF32Inputs(ImportContext &ctx, const onnx::NodeProto &node) {
  for (int k = 0; k < node.input_size(); ++k) {
    if (node.input(k).empty() || !ctx.isDefined(node.input(k))) continue;
    mlir::Type type = ctx.lookup(node.input(k)).getType();
    if (!type.cast<mlir::ShapedType>().getElementType().isF32())
      ctx.unsupported("input " + std::to_string(k) + " has element type " + printType(type) +
                      "; this op takes f32 only");
  }
}

/// The verifier's message for `op`, or "" when it verifies.
std::string verifyOp(mlir::Operation &op) {
  std::string message;
  mlir::ScopedDiagnosticHandler capture(op.getContext(), [&](mlir::Diagnostic &diag) {
    if (message.empty()) message = diag.str();
    return mlir::success();
  });
  if (succeeded(mlir::verify(&op))) return "";
  return message.empty() ? "'" + op.getName().getStringRef().str() + "' does not verify" : message;
}

} // namespace

std::vector<std::string> constantOperandInputs(const onnx::ModelProto &model) {
  std::set<std::string> graphInputs;
  for (const auto &in : model.graph().input()) graphInputs.insert(in.name());
  for (const auto &init : model.graph().initializer()) graphInputs.erase(init.name());
  std::vector<std::string> names;
  for (const auto &node : model.graph().node()) {
    auto it = constantOperands().find(node.op_type());
    if (it == constantOperands().end()) continue;
    for (int i : it->second)
      if (i < node.input_size() && graphInputs.count(node.input(i))) names.push_back(node.input(i));
  }
  return names;
}

OnnxImport importOnnx(const onnx::ModelProto &model, mlir::MLIRContext &context,
                      const ImportOptions &options) {
  context.getOrLoadDialect<NablaDialect>();
  context.getOrLoadDialect<mlir::StandardOpsDialect>();
  const onnx::GraphProto &graph = model.graph();
  // An empty file parses as a model without a graph: it computes nothing.
  if (graph.output_size() == 0) throw Error("the model's graph has no outputs");
  int64_t opset = defaultOpset(model);
  if (opset > kNewestImportOpset)
    throw UnsupportedError("the model imports version " + std::to_string(opset) +
                           " of the default ONNX operator set; this importer knows versions up to " +
                           std::to_string(kNewestImportOpset));

  mlir::OpBuilder b(&context);
  OnnxImport result;
  result.module = mlir::ModuleOp::create(b.getUnknownLoc());
  ImportContext ctx(b, opset);

  // Arguments: runtime inputs first, then float initializers as params.
  std::map<std::string, const onnx::TensorProto *> initializers;
  for (const auto &init : graph.initializer()) {
    if (init.name().empty()) throw Error("an initializer has no name");
    initializers[init.name()] = &init;
  }
  llvm::SmallVector<mlir::Type> argTypes;
  std::vector<std::pair<std::string, std::string>> argNamesAndRoles;
  for (const auto &in : graph.input()) {
    if (initializers.count(in.name())) continue; // an input with a default: a param
    if (auto bound = options.boundInputs.find(in.name()); bound != options.boundInputs.end()) {
      ctx.defineConstant(in.name(), bound->second);
      continue;
    }
    argTypes.push_back(inputType(b, in));
    argNamesAndRoles.push_back({in.name(), "input"});
    result.inputNames.push_back(in.name());
  }
  for (const auto &init : graph.initializer()) {
    Tensor value = tensorFromProto(init, "initializer '" + init.name() + "'");
    if (value.dtype() == DType::F64)
      throw UnsupportedError("initializer '" + init.name() + "': element type double unsupported");
    if (value.dtype() != DType::F32) {
      ctx.defineConstant(init.name(), value); // shapes, axes: import-time constants
      continue;
    }
    argTypes.push_back(tensorType(b, value));
    argNamesAndRoles.push_back({init.name(), "param"});
    result.params.push_back({init.name(), value});
  }

  b.setInsertionPointToEnd(result.module->getBody());
  auto func = b.create<mlir::FuncOp>(b.getUnknownLoc(), "main", b.getFunctionType(argTypes, {}));
  mlir::Block *body = func.addEntryBlock();
  for (unsigned k = 0; k < argTypes.size(); ++k) {
    func.setArgAttr(k, "nabla.name", b.getStringAttr(argNamesAndRoles[k].first));
    func.setArgAttr(k, "nabla.role", b.getStringAttr(argNamesAndRoles[k].second));
    ctx.define(argNamesAndRoles[k].first, body->getArgument(k));
  }
  b.setInsertionPointToEnd(body);

  for (int i = 0; i < graph.node_size(); ++i) {
    const onnx::NodeProto &node = graph.node(i);
    std::string label = node.name().empty() ? "node " + std::to_string(i) : node.name();
    mlir::Location loc = mlir::NameLoc::get(b.getStringAttr(label + " (" + node.op_type() + ")"));
    ctx.setNode(&node, i, loc);
    if (!node.domain().empty() && node.domain() != "ai.onnx")
      ctx.unsupported("operator domain '" + node.domain() + "' unsupported");
    if (opset == 0) ctx.malformed("the model imports no version of the default ONNX operator set");
    auto converter = converters().find(node.op_type());
    if (converter == converters().end())
      ctx.unsupported("op type " + node.op_type() + " unsupported");
    mlir::Operation *lastBefore = body->empty() ? nullptr : &body->back();
    std::vector<mlir::Value> outputs;
    try {
      outputs = converter->second(ctx);
    } catch (const UnsupportedError &) {
      throw;
    } catch (const MalformedNodeError &) {
      throw;
    } catch (const Error &e) {
      rejectNonF32Inputs(ctx, node);
      // Otherwise a shape error from op construction, which names the op's
      // location; malformed() names the node instead.
      std::string what = e.what(), located = describeLocation(loc) + ": ";
      if (what.rfind(located, 0) == 0) what.erase(0, located.size());
      ctx.malformed(what);
    }
    // Builders check shapes, not element types: verify what this node built
    // so an integer Max, say, is reported here rather than by a later pass.
    mlir::Block::iterator first = lastBefore ? std::next(lastBefore->getIterator()) : body->begin();
    for (mlir::Operation &op : llvm::make_range(first, body->end())) {
      std::string diagnostic = verifyOp(op);
      if (diagnostic.empty()) continue;
      rejectNonF32Inputs(ctx, node);
      ctx.malformed(diagnostic);
    }
    for (int k = 0; k < node.output_size(); ++k) {
      if (node.output(k).empty()) continue;
      bool produced = k < int(outputs.size()) && outputs[k];
      if (!produced && ctx.isDefined(node.output(k))) continue; // an import-time constant
      if (!produced)
        ctx.unsupported("output " + std::to_string(k) + " ('" + node.output(k) + "') unsupported");
      ctx.define(node.output(k), outputs[k]);
    }
  }

  llvm::SmallVector<mlir::Value> results;
  for (const auto &out : graph.output()) {
    if (!ctx.isDefined(out.name()))
      throw Error("graph output '" + out.name() + "' is not produced by any node");
    results.push_back(ctx.lookup(out.name()));
  }
  b.create<mlir::ReturnOp>(b.getUnknownLoc(), results);
  llvm::SmallVector<mlir::Type> resultTypes;
  for (mlir::Value v : results) resultTypes.push_back(v.getType());
  func.setType(b.getFunctionType(argTypes, resultTypes));
  for (int k = 0; k < graph.output_size(); ++k)
    func.setResultAttr(k, "nabla.name", b.getStringAttr(graph.output(k).name()));
  return result;
}

OnnxImport importOnnx(const std::string &path, mlir::MLIRContext &context,
                      const ImportOptions &options) {
  onnx::ModelProto model = loadModel(path); // its errors name the file already
  try {
    return importOnnx(model, context, options);
  } catch (const UnsupportedError &e) {
    throw UnsupportedError(path + ": " + e.what());
  } catch (const Error &e) {
    throw Error(path + ": " + e.what());
  }
}

} // namespace nabla::onnx_io
