#include "backends/halide/TensorBuffer.h"

#include <vector>

namespace nabla::halide {

Halide::Type halideTypeOf(DType dtype) {
  switch (dtype) {
  case DType::F32: return Halide::Float(32);
  case DType::F64: return Halide::Float(64);
  case DType::I32: return Halide::Int(32);
  case DType::I64: return Halide::Int(64);
  }
  return {};
}

Halide::Buffer<> wrapTensor(const Tensor &tensor) {
  int rank = int(tensor.rank());
  std::vector<halide_dimension_t> dims(rank);
  int32_t stride = 1;
  for (int d = rank - 1; d >= 0; --d) {
    dims[rank - 1 - d] = halide_dimension_t(0, int32_t(tensor.dim(d)), stride);
    stride *= int32_t(tensor.dim(d));
  }
  return Halide::Buffer<>(halideTypeOf(tensor.dtype()), const_cast<void *>(tensor.rawData()),
                          rank, dims.data());
}

} // namespace nabla::halide
