// Halide views of nabla tensors: the same memory, dims reversed (Halide's
// first dimension is the innermost), dense strides.
#pragma once

#include "runtime/Tensor.h"

#include "Halide.h"

namespace nabla::halide {

Halide::Type halideTypeOf(DType dtype);

/// A Halide buffer over `tensor`'s storage (no copy; the tensor must outlive it).
Halide::Buffer<> wrapTensor(const Tensor &tensor);

} // namespace nabla::halide
