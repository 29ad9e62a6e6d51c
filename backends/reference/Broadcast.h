// numpy broadcasting for reference kernels, checked on run-time shapes.
#pragma once

#include "backends/reference/Kernels.h"

namespace nabla::reference {

/// The broadcast shape of a and b; throws naming `op` if they do not broadcast.
Shape broadcastShape(mlir::Operation *op, const Shape &a, const Shape &b);

/// For each element of `out` (row-major), the flat index of the element of a
/// tensor of shape `in` that broadcasting maps to it.
std::vector<int64_t> broadcastIndices(const Shape &in, const Shape &out);

/// out[i] = f(a[..], b[..]) over the broadcast shape.
template <typename F>
RefTensor broadcastBinary(mlir::Operation *op, const RefTensor &a, const RefTensor &b, F f) {
  Shape shape = broadcastShape(op, a.shape, b.shape);
  std::vector<int64_t> ia = broadcastIndices(a.shape, shape), ib = broadcastIndices(b.shape, shape);
  RefTensor out(shape);
  for (int64_t i = 0; i < out.numel(); ++i) out[i] = f(a[ia[i]], b[ib[i]]);
  return out;
}

} // namespace nabla::reference
