// Fuzzes the ONNX importer: any bytes that protobuf accepts as a ModelProto
// must either import to a module that verifies or be rejected with
// nabla::Error (UnsupportedError included). Any other exception escaping the
// importer (std::out_of_range, std::bad_alloc, ...) is a finding, so only
// nabla::Error is caught here.
#include "frontend/onnx/OnnxImporter.h"
#include "fuzz/MlirContext.h"

#include "mlir/IR/Verifier.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  onnx::ModelProto model;
  if (size > size_t(INT32_MAX) || !model.ParseFromArray(data, int(size))) return 0;
  nabla::fuzz::QuietContext context;
  try {
    nabla::onnx_io::OnnxImport imported = nabla::onnx_io::importOnnx(model, context.get());
    // The importer promises a valid module; a module that fails verification
    // is a bug in it, so make it a crash the fuzzer reports.
    if (!imported.module || mlir::failed(mlir::verify(*imported.module))) std::abort();
  } catch (const nabla::Error &) {
  }
  return 0;
}
