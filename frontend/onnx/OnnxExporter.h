// The ONNX exporter: one function of a nabla module, by default a DSL
// model's inference function @forward, together with the values of its
// parameters, becomes an ONNX ModelProto.
//
//   @forward(x {nabla.role = "input"}, conv1.W {nabla.role = "param"}, ...)
//       -> (logits {nabla.name = "logits"})
//
//   graph inputs   the arguments that are not "param" or "state" (inputs,
//                  labels), named by their nabla.name; a dynamic leading
//                  dimension becomes the symbolic dimension "batch"
//   initializers   the "param" and "state" arguments, named by nabla.name,
//                  with values from `parameters` (checked against the
//                  argument's type); not listed as graph inputs, so runtimes
//                  may fold them
//   graph outputs  the results, named by their nabla.name
//   nodes          a few per op, in the function's order, named
//                  "<mnemonic>_<k>/<OpType>", with the op and its source
//                  location in the node's doc_string
//
// Every op exports to ONNX ops that the importer (OnnxImporter.h) turns back
// into the same nabla op, or the same computation, so exporting and
// re-importing keeps the outputs (tests/unit/OnnxExportTest.cpp).
//
// Ops with no ONNX form (gradient and lowering ops: export before autodiff
// and im2col; argmax; mse_loss; training-mode dropout) throw nabla::Error
// naming each op and its source location; ops without any exporter are all
// reported in one error.
#pragma once

#include "runtime/Tensor.h"

#include <onnx/onnx_pb.h>

#include "mlir/IR/BuiltinOps.h"

#include <map>
#include <string>

namespace nabla::onnx_io {

/// The default-domain opset of exported models: the newest of ONNX 1.12
/// (Debian 12's libonnx and python3-onnx, whose checker the tests run),
/// which the importer reads, as it reads every opset of its conformance data.
constexpr int64_t kExportOpset = 17;
/// The IR version that goes with opset 17 (ONNX 1.12).
constexpr int64_t kExportIrVersion = 8;

struct ExportOptions {
  /// The function to export.
  std::string function = "forward";
  /// The graph's name; empty: the module's name, else the function's.
  std::string graphName;
  /// Where `parameters` came from, for errors about missing or mismatched
  /// values ("checkpoint run/checkpoint.pb").
  std::string parameterSource = "the given parameters";
};

/// Exports `options.function` of `module`; `parameters` holds a value for
/// every "param" and "state" argument, keyed by nabla.name (extra entries,
/// such as optimizer slots, are ignored).
onnx::ModelProto exportOnnx(mlir::ModuleOp module, const std::map<std::string, Tensor> &parameters,
                            const ExportOptions &options = {});

} // namespace nabla::onnx_io
