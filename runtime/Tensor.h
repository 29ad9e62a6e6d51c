// Host tensors: a shape, an element type and a 64-byte aligned buffer that
// copies of the handle share (clone() makes a deep copy). Row-major, NCHW for
// activations. This header depends on nothing of the compiler, so AOT binaries
// can link it.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace nabla {

enum class DType { F32, F64, I32, I64 };

const char *dtypeName(DType dtype);
size_t dtypeSize(DType dtype);

using Shape = std::vector<int64_t>;

int64_t numElements(const Shape &shape);
std::string shapeToString(const Shape &shape);

template <typename T> constexpr DType dtypeOf();
template <> constexpr DType dtypeOf<float>() { return DType::F32; }
template <> constexpr DType dtypeOf<double>() { return DType::F64; }
template <> constexpr DType dtypeOf<int32_t>() { return DType::I32; }
template <> constexpr DType dtypeOf<int64_t>() { return DType::I64; }

class Tensor {
public:
  Tensor() = default;
  /// A zero-filled tensor.
  Tensor(Shape shape, DType dtype);

  template <typename T>
  static Tensor fromVector(Shape shape, const std::vector<T> &values) {
    Tensor t(std::move(shape), dtypeOf<T>());
    t.checkSize(values.size());
    std::copy(values.begin(), values.end(), t.data<T>());
    return t;
  }
  template <typename T> static Tensor scalar(T value) {
    return fromVector<T>({}, {value});
  }

  const Shape &shape() const { return shape_; }
  int64_t rank() const { return static_cast<int64_t>(shape_.size()); }
  int64_t dim(int64_t i) const { return shape_.at(i); }
  DType dtype() const { return dtype_; }
  int64_t numel() const { return numElements(shape_); }
  size_t bytes() const { return numel() * dtypeSize(dtype_); }
  bool defined() const { return storage_ != nullptr; }

  template <typename T> T *data() {
    checkType(dtypeOf<T>());
    return reinterpret_cast<T *>(storage_.get());
  }
  template <typename T> const T *data() const {
    checkType(dtypeOf<T>());
    return reinterpret_cast<const T *>(storage_.get());
  }
  template <typename T> std::span<T> span() { return {data<T>(), size_t(numel())}; }
  template <typename T> std::span<const T> span() const {
    return {data<T>(), size_t(numel())};
  }
  void *rawData() { return storage_.get(); }
  const void *rawData() const { return storage_.get(); }

  /// Element i converted to double, whatever the element type.
  double at(int64_t i) const;

  Tensor clone() const;
  /// The same buffer viewed with another shape of equal element count.
  Tensor reshaped(Shape shape) const;
  /// A copy converted to another element type.
  Tensor to(DType dtype) const;

  std::string describe() const; // e.g. "tensor<2x3xf32>"

private:
  void checkType(DType expected) const;
  void checkSize(size_t count) const;

  Shape shape_;
  DType dtype_ = DType::F32;
  std::shared_ptr<std::byte> storage_;
};

} // namespace nabla
