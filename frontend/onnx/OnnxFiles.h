// Reading and writing ONNX protobuf files: models and the TensorProto .pb
// files of the ONNX conformance data. Malformed input gives a nabla::Error
// naming the file and what is wrong, never a crash.
#pragma once

#include "runtime/Error.h"
#include "runtime/Tensor.h"

// onnx_pb.h defines ONNX_API before including the generated onnx-ml.pb.h.
#include <onnx/onnx_pb.h>

#include <string>

namespace nabla::onnx_io {

/// A well-formed model or tensor that uses something nabla does not support
/// (an op, an attribute value, an element type). The conformance runner
/// counts these as skips; every other Error is a failure.
class UnsupportedError : public Error {
public:
  using Error::Error;
};

/// Converts a TensorProto (raw_data or typed fields; float, double, int32,
/// int64, and bool as 0/1 int64) to a host tensor; `where` names it in errors.
/// Other element types, and data in external files, are UnsupportedError; a
/// tensor without an element type (an empty file) is malformed.
Tensor tensorFromProto(const onnx::TensorProto &proto, const std::string &where);

/// Reads a serialized TensorProto file (e.g. test_data_set_0/input_0.pb).
Tensor loadTensor(const std::string &path);

/// Reads a serialized ModelProto file (model.onnx).
onnx::ModelProto loadModel(const std::string &path);

/// A TensorProto named `name` holding `tensor` (f32, f64, i32 or i64) as
/// little-endian raw_data, the compact form ONNX recommends for weights.
onnx::TensorProto tensorToProto(const Tensor &tensor, const std::string &name);

/// Writes `model` to `path` atomically (see runtime/AtomicFile.h), so an
/// interrupted export never leaves a truncated model behind.
void saveModel(const onnx::ModelProto &model, const std::string &path);

} // namespace nabla::onnx_io
