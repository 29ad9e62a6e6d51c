#include "runtime/Tensor.h"

#include "runtime/Error.h"

#include <cstdlib>
#include <cstring>
#include <sstream>

namespace nabla {

const char *dtypeName(DType dtype) {
  switch (dtype) {
  case DType::F32: return "f32";
  case DType::F64: return "f64";
  case DType::I32: return "i32";
  case DType::I64: return "i64";
  }
  return "?";
}

size_t dtypeSize(DType dtype) {
  switch (dtype) {
  case DType::F32: case DType::I32: return 4;
  case DType::F64: case DType::I64: return 8;
  }
  return 0;
}

int64_t numElements(const Shape &shape) {
  bool empty = false;
  for (int64_t d : shape) {
    if (d < 0) throw Error("numElements: negative dimension in " + shapeToString(shape));
    empty = empty || d == 0;
  }
  // A zero anywhere makes the product 0, however large the other dims: the
  // running product must not overflow on the way there (a fuzzed checkpoint
  // with shape [3.7e17, 34, 0] did, which is undefined behaviour).
  if (empty) return 0;
  int64_t n = 1;
  for (int64_t d : shape)
    if (__builtin_mul_overflow(n, d, &n))
      throw Error("numElements: shape " + shapeToString(shape) + " has more than 2^63 elements");
  return n;
}

std::string shapeToString(const Shape &shape) {
  std::ostringstream os;
  os << '[';
  for (size_t i = 0; i < shape.size(); ++i) os << (i ? ", " : "") << shape[i];
  os << ']';
  return os.str();
}

namespace {
// 64-byte alignment: a full AVX-512 vector and the cache line, which Halide's
// vectorized loads prefer.
constexpr size_t kAlignment = 64;

std::shared_ptr<std::byte> allocateZeroed(size_t bytes) {
  size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  if (rounded == 0) rounded = kAlignment;
  void *p = std::aligned_alloc(kAlignment, rounded);
  if (!p) throw Error("out of memory allocating " + std::to_string(bytes) + " bytes");
  std::memset(p, 0, rounded);
  return std::shared_ptr<std::byte>(static_cast<std::byte *>(p), [](std::byte *q) { std::free(q); });
}
} // namespace

Tensor::Tensor(Shape shape, DType dtype) : shape_(std::move(shape)), dtype_(dtype) {
  storage_ = allocateZeroed(bytes());
}

void Tensor::checkType(DType expected) const {
  if (expected != dtype_)
    throw Error(std::string("tensor element type is ") + dtypeName(dtype_) + ", accessed as " +
                dtypeName(expected));
}

void Tensor::checkSize(size_t count) const {
  if (int64_t(count) != numel())
    throw Error("tensor of shape " + shapeToString(shape_) + " needs " + std::to_string(numel()) +
                " values, got " + std::to_string(count));
}

double Tensor::at(int64_t i) const {
  switch (dtype_) {
  case DType::F32: return data<float>()[i];
  case DType::F64: return data<double>()[i];
  case DType::I32: return data<int32_t>()[i];
  case DType::I64: return double(data<int64_t>()[i]);
  }
  return 0;
}

Tensor Tensor::clone() const {
  Tensor copy(shape_, dtype_);
  if (bytes()) std::memcpy(copy.rawData(), rawData(), bytes());
  return copy;
}

Tensor Tensor::reshaped(Shape shape) const {
  if (numElements(shape) != numel())
    throw Error("cannot reshape " + shapeToString(shape_) + " to " + shapeToString(shape));
  Tensor view = *this;
  view.shape_ = std::move(shape);
  return view;
}

Tensor Tensor::to(DType dtype) const {
  if (dtype == dtype_) return clone();
  Tensor out(shape_, dtype);
  for (int64_t i = 0, n = numel(); i < n; ++i) {
    double v = at(i);
    switch (dtype) {
    case DType::F32: out.data<float>()[i] = float(v); break;
    case DType::F64: out.data<double>()[i] = v; break;
    case DType::I32: out.data<int32_t>()[i] = int32_t(v); break;
    case DType::I64: out.data<int64_t>()[i] = int64_t(v); break;
    }
  }
  return out;
}

std::string Tensor::describe() const {
  std::ostringstream os;
  os << "tensor<";
  for (int64_t d : shape_) os << d << 'x';
  os << dtypeName(dtype_) << '>';
  return os.str();
}

} // namespace nabla
