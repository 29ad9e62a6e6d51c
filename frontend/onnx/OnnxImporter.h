// The ONNX importer: turns an ONNX ModelProto into a nabla module with one
// function, @main.
//
//   @main(graph inputs that are not initializers...   {nabla.role = "input"},
//         float initializers...                        {nabla.role = "param"})
//       -> graph outputs...                            {nabla.name = "<output>"}
//
// Every argument and result carries `nabla.name` with its ONNX value name.
// Float initializers become "param" arguments (not constants) so that a
// model's weights stay trainable and the IR stays small; their values come
// back in OnnxImport::params, keyed by name, in argument order. Integer
// initializers are shapes and axes in practice: they are read at import time
// (Reshape's shape, ReduceSum's axes) and materialized as nabla.constant only
// if an op uses them as a tensor.
//
// Unsupported ops, attribute values and element types throw
// onnx_io::UnsupportedError naming the node (index and name), its op type and
// the attribute; malformed models throw nabla::Error.
#pragma once

#include "frontend/onnx/OnnxFiles.h"
#include "runtime/Error.h"
#include "runtime/Tensor.h"

#include <onnx/onnx_pb.h>

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"

#include <map>
#include <string>
#include <vector>

namespace nabla::onnx_io {

/// The newest version of the default operator set the importer knows: ONNX
/// 1.12's, as Debian ships it (and the exporter writes). A newer model is
/// refused rather than read with older semantics of its ops.
constexpr int64_t kNewestImportOpset = 17;

struct ImportOptions {
  /// Graph inputs whose values are fixed at import time. nabla ops take
  /// shapes and axes as attributes, so an ONNX model that feeds Reshape's
  /// shape or ReduceSum's axes through a graph input can only be imported
  /// with that input bound here (see constantOperandInputs).
  std::map<std::string, Tensor> boundInputs;
};

struct OnnxImport {
  mlir::OwningOpRef<mlir::ModuleOp> module;
  /// Values of the "param" arguments of @main, in argument order.
  std::vector<std::pair<std::string, Tensor>> params;
  /// Names of @main's "input" arguments, in argument order.
  std::vector<std::string> inputNames;
};

OnnxImport importOnnx(const onnx::ModelProto &model, mlir::MLIRContext &context,
                      const ImportOptions &options = {});
OnnxImport importOnnx(const std::string &path, mlir::MLIRContext &context,
                      const ImportOptions &options = {});

/// The graph inputs that supported ops read as import-time constants (e.g.
/// Reshape's shape), which must be given in ImportOptions::boundInputs.
std::vector<std::string> constantOperandInputs(const onnx::ModelProto &model);

} // namespace nabla::onnx_io
