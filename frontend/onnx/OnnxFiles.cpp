#include "frontend/onnx/OnnxFiles.h"

#include "runtime/Error.h"

#include <cstring>
#include <fstream>
#include <sstream>

namespace nabla::onnx_io {

namespace {
std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open " + path + ": " + std::strerror(errno));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

template <typename T, typename Field>
void copyTyped(Tensor &t, const Field &field, const std::string &where) {
  if (int64_t(field.size()) != t.numel())
    throw Error(where + ": has " + std::to_string(field.size()) + " values for shape " +
                shapeToString(t.shape()));
  T *out = t.data<T>();
  for (int64_t i = 0; i < t.numel(); ++i) out[i] = T(field.Get(int(i)));
}
} // namespace

Tensor tensorFromProto(const onnx::TensorProto &proto, const std::string &where) {
  Shape shape(proto.dims().begin(), proto.dims().end());
  for (int64_t d : shape)
    if (d < 0) throw Error(where + ": negative dimension in " + shapeToString(shape));
  DType dtype;
  switch (proto.data_type()) {
  case onnx::TensorProto::FLOAT: dtype = DType::F32; break;
  case onnx::TensorProto::DOUBLE: dtype = DType::F64; break;
  case onnx::TensorProto::INT32: dtype = DType::I32; break;
  case onnx::TensorProto::INT64: dtype = DType::I64; break;
  default:
    throw Error(where + ": unsupported tensor element type " +
                onnx::TensorProto::DataType_Name(onnx::TensorProto::DataType(proto.data_type())));
  }
  if (proto.has_data_location() && proto.data_location() == onnx::TensorProto::EXTERNAL)
    throw Error(where + ": tensors stored in external files are not supported");
  Tensor t(shape, dtype);
  if (proto.has_raw_data()) {
    // raw_data is little-endian, which is this machine's order.
    if (proto.raw_data().size() != t.bytes())
      throw Error(where + ": raw_data has " + std::to_string(proto.raw_data().size()) +
                  " bytes, shape " + shapeToString(shape) + " needs " + std::to_string(t.bytes()));
    std::memcpy(t.rawData(), proto.raw_data().data(), t.bytes());
    return t;
  }
  switch (dtype) {
  case DType::F32: copyTyped<float>(t, proto.float_data(), where); break;
  case DType::F64: copyTyped<double>(t, proto.double_data(), where); break;
  case DType::I32: copyTyped<int32_t>(t, proto.int32_data(), where); break;
  case DType::I64: copyTyped<int64_t>(t, proto.int64_data(), where); break;
  }
  return t;
}

Tensor loadTensor(const std::string &path) {
  onnx::TensorProto proto;
  if (!proto.ParseFromString(readFile(path)))
    throw Error(path + ": not a valid ONNX TensorProto");
  return tensorFromProto(proto, path);
}

onnx::ModelProto loadModel(const std::string &path) {
  onnx::ModelProto model;
  if (!model.ParseFromString(readFile(path))) throw Error(path + ": not a valid ONNX model");
  return model;
}

} // namespace nabla::onnx_io
