#include "frontend/onnx/OnnxExportFile.h"

#include "frontend/onnx/OnnxExporter.h"
#include "frontend/onnx/OnnxFiles.h"
#include "runtime/Checkpoint.h"
#include "runtime/Error.h"

namespace nabla::onnx_io {

void exportOnnxFile(mlir::ModuleOp module, const OnnxExportRequest &request) {
  if (request.output.empty() || request.output == "-")
    throw Error("an ONNX model is binary: give the file to write with -o");
  ExportOptions options{.function = request.function};
  std::map<std::string, Tensor> checkpointValues;
  if (!request.weights.empty()) {
    // Parameters and running statistics are the checkpoint's "parameters";
    // its optimizer slots are not part of the model.
    for (const NamedTensor &t : loadCheckpoint(request.weights).parameters)
      checkpointValues[t.name] = t.tensor;
    options.parameterSource = "checkpoint " + request.weights;
  } else {
    options.parameterSource = request.defaultsSource;
  }
  const auto &values = request.weights.empty() ? request.defaults : checkpointValues;
  saveModel(exportOnnx(module, values, options), request.output);
}

} // namespace nabla::onnx_io
