#include "backends/reference/RefTensor.h"

#include "runtime/Error.h"

#include <cmath>

namespace nabla::reference {

RefTensor::RefTensor(Shape s, std::vector<double> values)
    : shape(std::move(s)), data(std::move(values)) {
  if (int64_t(data.size()) != numElements(shape))
    throw Error("RefTensor of shape " + shapeToString(shape) + " given " +
                std::to_string(data.size()) + " values");
}

RefTensor RefTensor::fromTensor(const Tensor &tensor) {
  RefTensor out(tensor.shape());
  for (int64_t i = 0; i < tensor.numel(); ++i) out[i] = tensor.at(i);
  out.isInteger = tensor.dtype() == DType::I32 || tensor.dtype() == DType::I64;
  return out;
}

Tensor RefTensor::toTensor(DType dtype) const {
  Tensor out(shape, dtype);
  for (int64_t i = 0; i < numel(); ++i) {
    double v = data[size_t(i)];
    switch (dtype) {
    case DType::F32: out.data<float>()[i] = float(v); break;
    case DType::F64: out.data<double>()[i] = v; break;
    case DType::I32: out.data<int32_t>()[i] = int32_t(std::llround(v)); break;
    case DType::I64: out.data<int64_t>()[i] = int64_t(std::llround(v)); break;
    }
  }
  return out;
}

std::vector<int64_t> RefTensor::strides() const {
  std::vector<int64_t> s(shape.size(), 1);
  for (int64_t i = int64_t(shape.size()) - 2; i >= 0; --i) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

std::string RefTensor::describe() const { return shapeToString(shape); }

} // namespace nabla::reference
