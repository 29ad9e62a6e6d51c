// The driver of the exporter: the function's arguments become graph inputs
// and initializers, its results graph outputs, and each op goes to the
// exporter of its op name (one file per op family).
#include "frontend/onnx/OnnxExporter.h"

#include "frontend/onnx/ExportContext.h"
#include "frontend/onnx/OnnxFiles.h"
#include "ir/OpBuild.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

namespace nabla::onnx_io {

namespace {

std::string stringAttrOr(mlir::DictionaryAttr attrs, llvm::StringRef name,
                         const std::string &fallback) {
  if (attrs)
    if (auto value = attrs.getAs<mlir::StringAttr>(name)) return value.getValue().str();
  return fallback;
}

/// Every op of `func` with no exporter, each with its location, in one error
/// (as autodiff reports every op lacking a gradient at once).
void rejectOpsWithoutExporter(mlir::FuncOp func) {
  std::string missing;
  func.walk([&](mlir::Operation *op) {
    if (op == func.getOperation() || llvm::isa<mlir::ReturnOp>(op)) return;
    if (exporters().count(op->getName().getStringRef().str())) return;
    missing += "\n  '" + op->getName().getStringRef().str() + "' at " +
               describeLocation(op->getLoc());
  });
  if (!missing.empty())
    throw Error("@" + func.getName().str() + " has ops with no ONNX form (export before " +
                "autodiff and lowering passes):" + missing);
}

int32_t onnxElementType(mlir::Type element, const std::string &what) {
  if (element.isF32()) return onnx::TensorProto::FLOAT;
  if (element.isInteger(64)) return onnx::TensorProto::INT64;
  if (element.isInteger(32)) return onnx::TensorProto::INT32;
  std::string text;
  llvm::raw_string_ostream os(text);
  element.print(os);
  throw Error(what + ": element type " + os.str() + " has no ONNX form here");
}

/// Name and type of a graph input or output. Dynamic dimensions are
/// symbolic: "batch" for the leading one (nabla's dynamic batch, shared by
/// all inputs and outputs), "<value>_dim<k>" for others, which say nothing
/// about each other.
void describeValue(onnx::ValueInfoProto &info, const std::string &name, mlir::Type type,
                   const std::string &what) {
  auto tensor = type.dyn_cast<mlir::RankedTensorType>();
  if (!tensor) throw Error(what + ": only ranked tensors have an ONNX form");
  info.set_name(name);
  auto *tensorType = info.mutable_type()->mutable_tensor_type();
  tensorType->set_elem_type(onnxElementType(tensor.getElementType(), what));
  auto *shape = tensorType->mutable_shape();
  for (int64_t k = 0; k < tensor.getRank(); ++k) {
    auto *dim = shape->add_dim();
    if (!tensor.isDynamicDim(k)) dim->set_dim_value(tensor.getDimSize(k));
    else dim->set_dim_param(k == 0 ? "batch" : name + "_dim" + std::to_string(k));
  }
}

/// `value` (from `source`) as the initializer of argument `name`, checked
/// against its type.
onnx::TensorProto initializer(const std::string &name, mlir::Type type, const Tensor &value,
                              const std::string &what, const std::string &source) {
  auto tensor = type.dyn_cast<mlir::RankedTensorType>();
  if (!tensor || !tensor.hasStaticShape() || !tensor.getElementType().isF32())
    throw Error(what + ": parameters export as f32 tensors of static shape");
  Shape expected(tensor.getShape().begin(), tensor.getShape().end());
  if (value.shape() != expected || value.dtype() != DType::F32)
    throw Error(what + " is " + shapeToString(expected) + " f32, its value in " + source +
                " is " + shapeToString(value.shape()) + " " + dtypeName(value.dtype()));
  return tensorToProto(value, name);
}

} // namespace

onnx::ModelProto exportOnnx(mlir::ModuleOp module, const std::map<std::string, Tensor> &parameters,
                            const ExportOptions &options) {
  auto func = module.lookupSymbol<mlir::FuncOp>(options.function);
  if (!func || func.isExternal()) {
    std::string available;
    for (auto f : module.getOps<mlir::FuncOp>())
      if (!f.isExternal()) available += (available.empty() ? "@" : ", @") + f.getName().str();
    throw Error("the module has no function @" + options.function + " to export (it has " +
                (available.empty() ? "none" : available) + ")");
  }
  std::string where = "@" + options.function;
  if (!func.getBody().hasOneBlock())
    throw Error(where + ": only single-block functions have an ONNX form");
  rejectOpsWithoutExporter(func);

  onnx::ModelProto model;
  model.set_ir_version(kExportIrVersion);
  model.set_producer_name("nabla");
  auto *opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(kExportOpset);
  onnx::GraphProto &graph = *model.mutable_graph();
  std::string graphName = options.graphName;
  if (graphName.empty()) graphName = module.getName() ? module.getName()->str() : options.function;
  graph.set_name(graphName);
  ExportContext ctx(graph);

  // Arguments: params and state are initializers, everything else inputs.
  mlir::Block &body = func.getBody().front();
  for (unsigned k = 0; k < func.getNumArguments(); ++k) {
    mlir::DictionaryAttr attrs = func.getArgAttrDict(k);
    std::string name = stringAttrOr(attrs, "nabla.name", "arg" + std::to_string(k));
    std::string role = stringAttrOr(attrs, "nabla.role", "input");
    std::string what = where + " argument " + std::to_string(k) + " '" + name + "'";
    if (ctx.isNameTaken(name)) throw Error(what + ": another argument has that name");
    ctx.reserve(body.getArgument(k), name);
    mlir::Type type = func.getType().getInput(k);
    if (role == "param" || role == "state") {
      auto value = parameters.find(name);
      if (value == parameters.end())
        throw Error(what + " (a " + role + ") has no value in " + options.parameterSource);
      *graph.add_initializer() =
          initializer(name, type, value->second, what, options.parameterSource);
    } else {
      describeValue(*graph.add_input(), name, type, what);
    }
  }

  // Results that ops produce take their output names directly; returned
  // arguments and values returned twice get an Identity at the end.
  auto ret = llvm::cast<mlir::ReturnOp>(body.getTerminator());
  std::vector<std::pair<mlir::Value, std::string>> needIdentity;
  std::vector<std::string> outputNames;
  for (unsigned k = 0; k < ret.getNumOperands(); ++k) {
    std::string name =
        stringAttrOr(func.getResultAttrDict(k), "nabla.name", "output" + std::to_string(k));
    mlir::Value value = ret.getOperand(k);
    bool argumentUnderItsName = value.isa<mlir::BlockArgument>() && ctx.nameOf(value) == name;
    bool taken = std::find(outputNames.begin(), outputNames.end(), name) != outputNames.end() ||
                 (ctx.isNameTaken(name) && !argumentUnderItsName);
    if (taken)
      throw Error(where + " result " + std::to_string(k) + " '" + name +
                  "': another argument or result has that name");
    outputNames.push_back(name);
    if (argumentUnderItsName) continue; // the graph input is the output
    if (value.isa<mlir::BlockArgument>() || ctx.isNamed(value)) {
      ctx.reserveName(name); // defined by an Identity after the ops
      needIdentity.push_back({value, name});
    } else {
      ctx.reserve(value, name);
    }
  }

  for (mlir::Operation &op : body.without_terminator()) {
    ctx.setOp(&op);
    exporters().at(op.getName().getStringRef().str())(&op, ctx);
  }
  ctx.setOp(ret);
  for (auto &[value, name] : needIdentity) ctx.node("Identity", {ctx.nameOf(value)}, {name});
  for (unsigned k = 0; k < ret.getNumOperands(); ++k)
    describeValue(*graph.add_output(), outputNames[k], func.getType().getResult(k),
                  where + " result " + std::to_string(k) + " '" + outputNames[k] + "'");
  return model;
}

} // namespace nabla::onnx_io
