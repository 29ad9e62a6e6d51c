// The reference interpreter's value: a row-major tensor of doubles. Every
// kernel computes and accumulates in double, which makes the interpreter the
// oracle for backend tests and for numerical gradient checks. Integer tensors
// (labels, argmax) are held exactly as doubles and flagged.
#pragma once

#include "runtime/Tensor.h"

#include <string>
#include <vector>

namespace nabla::reference {

struct RefTensor {
  Shape shape;
  std::vector<double> data;
  bool isInteger = false;

  RefTensor() = default;
  explicit RefTensor(Shape s, double fill = 0.0)
      : shape(std::move(s)), data(size_t(numElements(shape)), fill) {}
  RefTensor(Shape s, std::vector<double> values);

  static RefTensor scalar(double value) { return RefTensor({}, std::vector<double>{value}); }
  static RefTensor fromTensor(const Tensor &tensor);
  /// Rounds to f32 (or converts to i64 for integer tensors).
  Tensor toTensor(DType dtype) const;

  int64_t rank() const { return int64_t(shape.size()); }
  int64_t dim(int64_t i) const { return shape.at(size_t(i)); }
  int64_t numel() const { return int64_t(data.size()); }
  double &operator[](int64_t i) { return data[size_t(i)]; }
  double operator[](int64_t i) const { return data[size_t(i)]; }

  /// Row-major strides of `shape`.
  std::vector<int64_t> strides() const;
  std::string describe() const; // "[2, 3]"
};

} // namespace nabla::reference
