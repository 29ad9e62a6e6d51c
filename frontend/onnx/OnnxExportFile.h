// Exporting a module to an .onnx file with its parameter values taken from a
// training checkpoint or from defaults: the job behind `nablac -emit=onnx`.
#pragma once

#include "runtime/Tensor.h"

#include "mlir/IR/BuiltinOps.h"

#include <map>
#include <string>

namespace nabla::onnx_io {

struct OnnxExportRequest {
  /// The function to export (a DSL model's @forward, an imported model's @main).
  std::string function = "forward";
  /// A checkpoint (runtime/Checkpoint.h, as the trainer writes it) whose
  /// parameters give every value; empty: `defaults` give them.
  std::string weights;
  /// Values to use without a checkpoint, and where they came from for
  /// error messages ("the initial values of seed 0").
  std::map<std::string, Tensor> defaults;
  std::string defaultsSource = "the input, which carries no parameter values (give --weights)";
  /// The .onnx file to write (atomically).
  std::string output;
};

void exportOnnxFile(mlir::ModuleOp module, const OnnxExportRequest &request);

} // namespace nabla::onnx_io
