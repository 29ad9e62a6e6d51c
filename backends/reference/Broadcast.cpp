#include "backends/reference/Broadcast.h"

namespace nabla::reference {

Shape broadcastShape(mlir::Operation *op, const Shape &a, const Shape &b) {
  size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t x = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t y = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (x != y && x != 1 && y != 1)
      kernelError(op, "shapes " + shapeToString(a) + " and " + shapeToString(b) +
                          " do not broadcast");
    out[i] = x == 1 ? y : x;
  }
  return out;
}

std::vector<int64_t> broadcastIndices(const Shape &in, const Shape &out) {
  size_t offset = out.size() - in.size();
  // Stride of each output dimension in the input; 0 where it is broadcast.
  std::vector<int64_t> stride(out.size(), 0);
  int64_t s = 1;
  for (int64_t i = int64_t(in.size()) - 1; i >= 0; --i) {
    stride[offset + i] = in[i] == 1 ? 0 : s;
    s *= in[i];
  }
  int64_t total = numElements(out);
  std::vector<int64_t> indices(static_cast<size_t>(total));
  std::vector<int64_t> counter(out.size(), 0);
  int64_t flat = 0;
  for (int64_t i = 0; i < total; ++i) {
    indices[i] = flat;
    for (int64_t d = int64_t(out.size()) - 1; d >= 0; --d) {
      if (++counter[d] < out[d]) { flat += stride[d]; break; }
      flat -= stride[d] * (out[d] - 1);
      counter[d] = 0;
    }
  }
  return indices;
}

} // namespace nabla::reference
