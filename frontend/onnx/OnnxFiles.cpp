#include "frontend/onnx/OnnxFiles.h"

#include "runtime/AtomicFile.h"
#include "runtime/Error.h"

#include <cstring>
#include <fstream>
#include <limits>
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

/// The number of elements of `shape`, or an error if it overflows: the dims
/// of a corrupt file must not turn into a huge allocation.
int64_t checkedNumel(const Shape &shape, const std::string &where) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) throw Error(where + ": negative dimension in " + shapeToString(shape));
    if (d != 0 && n > std::numeric_limits<int32_t>::max() / d)
      throw Error(where + ": shape " + shapeToString(shape) + " is too large");
    n *= d;
  }
  return n;
}

/// How many values the typed field of `dtype` holds.
int64_t typedCount(const onnx::TensorProto &proto, DType dtype, bool isBool) {
  switch (dtype) {
  case DType::F32: return proto.float_data_size();
  case DType::F64: return proto.double_data_size();
  case DType::I32: return proto.int32_data_size();
  // ONNX stores bool values in int32_data.
  case DType::I64: return isBool ? proto.int32_data_size() : proto.int64_data_size();
  }
  return 0;
}

template <typename T, typename Field> void copyTyped(Tensor &t, const Field &field) {
  T *out = t.data<T>();
  for (int64_t i = 0; i < t.numel(); ++i) out[i] = T(field.Get(int(i)));
}
} // namespace

Tensor tensorFromProto(const onnx::TensorProto &proto, const std::string &where) {
  Shape shape(proto.dims().begin(), proto.dims().end());
  int64_t numel = checkedNumel(shape, where);
  DType dtype;
  bool isBool = false;
  switch (proto.data_type()) {
  case onnx::TensorProto::FLOAT: dtype = DType::F32; break;
  case onnx::TensorProto::DOUBLE: dtype = DType::F64; break;
  case onnx::TensorProto::INT32: dtype = DType::I32; break;
  case onnx::TensorProto::INT64: dtype = DType::I64; break;
  case onnx::TensorProto::BOOL:
    // nabla has no bool tensors; 0/1 in int64 keeps flags such as Dropout's
    // training_mode readable and bool outputs comparable.
    dtype = DType::I64;
    isBool = true;
    break;
  case onnx::TensorProto::UNDEFINED: throw Error(where + ": the tensor has no element type");
  default:
    throw UnsupportedError(where + ": unsupported tensor element type " +
                           onnx::TensorProto::DataType_Name(onnx::TensorProto::DataType(proto.data_type())));
  }
  if (proto.has_data_location() && proto.data_location() == onnx::TensorProto::EXTERNAL)
    throw UnsupportedError(where + ": tensors stored in external files are not supported");
  // Sizes are checked before allocating, so a corrupt file cannot ask for
  // more memory than its data fills.
  if (proto.has_raw_data()) {
    size_t elementBytes = isBool ? 1 : dtypeSize(dtype);
    if (proto.raw_data().size() != size_t(numel) * elementBytes)
      throw Error(where + ": raw_data has " + std::to_string(proto.raw_data().size()) +
                  " bytes, shape " + shapeToString(shape) + " needs " +
                  std::to_string(size_t(numel) * elementBytes));
  } else if (typedCount(proto, dtype, isBool) != numel) {
    throw Error(where + ": has " + std::to_string(typedCount(proto, dtype, isBool)) +
                " values for shape " + shapeToString(shape));
  }
  Tensor t(shape, dtype);
  if (proto.has_raw_data()) {
    // raw_data is little-endian, which is this machine's order.
    const char *raw = proto.raw_data().data();
    if (isBool)
      for (int64_t i = 0; i < numel; ++i) t.data<int64_t>()[i] = raw[i] != 0;
    else
      std::memcpy(t.rawData(), raw, t.bytes());
    return t;
  }
  switch (dtype) {
  case DType::F32: copyTyped<float>(t, proto.float_data()); break;
  case DType::F64: copyTyped<double>(t, proto.double_data()); break;
  case DType::I32: copyTyped<int32_t>(t, proto.int32_data()); break;
  case DType::I64:
    if (isBool) copyTyped<int64_t>(t, proto.int32_data());
    else copyTyped<int64_t>(t, proto.int64_data());
    break;
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

onnx::TensorProto tensorToProto(const Tensor &tensor, const std::string &name) {
  onnx::TensorProto proto;
  proto.set_name(name);
  for (int64_t d : tensor.shape()) proto.add_dims(d);
  switch (tensor.dtype()) {
  case DType::F32: proto.set_data_type(onnx::TensorProto::FLOAT); break;
  case DType::F64: proto.set_data_type(onnx::TensorProto::DOUBLE); break;
  case DType::I32: proto.set_data_type(onnx::TensorProto::INT32); break;
  case DType::I64: proto.set_data_type(onnx::TensorProto::INT64); break;
  }
  // raw_data is little-endian, which is this machine's order (as in
  // tensorFromProto).
  if (tensor.bytes() > 0)
    proto.set_raw_data(static_cast<const char *>(tensor.rawData()), tensor.bytes());
  else
    proto.set_raw_data("");
  return proto;
}

void saveModel(const onnx::ModelProto &model, const std::string &path) {
  std::string bytes;
  if (!model.SerializeToString(&bytes))
    throw Error(path + ": the model could not be serialized (over protobuf's 2 GiB limit?)");
  writeFileAtomically(path, bytes);
}

} // namespace nabla::onnx_io
