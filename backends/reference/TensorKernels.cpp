// Reference kernels for data movement: matmul, transpose, reshape, flatten,
// broadcast_like, sum_to_like, num_elements.
#include "backends/reference/Broadcast.h"
#include "ir/Dialect.h"

using namespace mlir;

namespace nabla::reference {

namespace {
/// matmul and fused_matmul share operands 0-1 and the transpose flags.
template <typename MatmulLike> RefTensor matmul(MatmulLike op, llvm::ArrayRef<RefTensor> in) {
  const RefTensor &a = in[0], &b = in[1];
  bool ta = op.getTransposeLhs(), tb = op.getTransposeRhs();
  int64_t m = a.dim(ta ? 1 : 0), k = a.dim(ta ? 0 : 1);
  int64_t kb = b.dim(tb ? 1 : 0), n = b.dim(tb ? 0 : 1);
  if (k != kb)
    kernelError(op, "contracted dimensions differ at run time: " + a.describe() + " x " +
                        b.describe());
  // Element (i, j) of op(a) and op(b) in row-major storage.
  auto at = [&](int64_t i, int64_t p) { return ta ? a[p * m + i] : a[i * k + p]; };
  auto bt = [&](int64_t p, int64_t j) { return tb ? b[j * k + p] : b[p * n + j]; };
  RefTensor out({m, n});
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double sum = 0;
      for (int64_t p = 0; p < k; ++p) sum += at(i, p) * bt(p, j);
      out[i * n + j] = sum;
    }
  return out;
}

RefTensor transpose(TransposeOp op, llvm::ArrayRef<RefTensor> in) {
  const RefTensor &x = in[0];
  std::vector<int64_t> perm = intsAttr(op.getPermAttr());
  Shape shape;
  for (int64_t p : perm) shape.push_back(x.dim(p));
  RefTensor out(shape);
  std::vector<int64_t> inStrides = x.strides(), outIndex(shape.size(), 0);
  for (int64_t flat = 0; flat < out.numel(); ++flat) {
    int64_t src = 0;
    for (size_t d = 0; d < shape.size(); ++d) src += outIndex[d] * inStrides[perm[d]];
    out[flat] = x[src];
    for (int64_t d = int64_t(shape.size()) - 1; d >= 0; --d) {
      if (++outIndex[d] < shape[d]) break;
      outIndex[d] = 0;
    }
  }
  return out;
}

RefTensor reshapeTo(Operation *op, const RefTensor &x, Shape shape) {
  int64_t known = 1, inferredAt = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) inferredAt = int64_t(i);
    else known *= shape[i];
  }
  bool ok = inferredAt < 0 || (known > 0 && x.numel() % known == 0);
  if (ok && inferredAt >= 0) shape[inferredAt] = x.numel() / known;
  if (!ok || numElements(shape) != x.numel())
    kernelError(op, "cannot reshape " + x.describe() + " to " + shapeToString(shape));
  return RefTensor(std::move(shape), x.data);
}

RefTensor reshape(ReshapeOp op, llvm::ArrayRef<RefTensor> in) {
  return reshapeTo(op, in[0], intsAttr(op.getShapeAttr()));
}

RefTensor flatten(FlattenOp op, llvm::ArrayRef<RefTensor> in) {
  int64_t axis = int64_t(op.getAxis());
  if (axis < 0) axis += in[0].rank();
  int64_t outer = 1;
  for (int64_t i = 0; i < axis; ++i) outer *= in[0].dim(i);
  int64_t inner = outer == 0 ? 0 : in[0].numel() / outer;
  return RefTensor({outer, inner}, in[0].data);
}

RefTensor broadcastLike(BroadcastLikeOp op, llvm::ArrayRef<RefTensor> in) {
  Shape target = in[1].shape;
  if (broadcastShape(op, in[0].shape, target) != target)
    kernelError(op, in[0].describe() + " does not broadcast to " + shapeToString(target));
  std::vector<int64_t> index = broadcastIndices(in[0].shape, target);
  RefTensor out(target);
  for (int64_t i = 0; i < out.numel(); ++i) out[i] = in[0][index[i]];
  return out;
}

RefTensor sumToLike(SumToLikeOp op, llvm::ArrayRef<RefTensor> in) {
  Shape target = in[1].shape;
  if (broadcastShape(op, target, in[0].shape) != in[0].shape)
    kernelError(op, shapeToString(target) + " does not broadcast to " + in[0].describe());
  std::vector<int64_t> index = broadcastIndices(target, in[0].shape);
  RefTensor out(target);
  for (int64_t i = 0; i < in[0].numel(); ++i) out[index[i]] += in[0][i];
  return out;
}

RefTensor numElements(NumElementsOp op, llvm::ArrayRef<RefTensor> in) {
  std::vector<int64_t> axes = intsAttr(op.getAxes());
  if (axes.empty()) return RefTensor::scalar(double(in[0].numel()));
  double count = 1;
  for (int64_t axis : axes) count *= double(in[0].dim(axis < 0 ? axis + in[0].rank() : axis));
  return RefTensor::scalar(count);
}
RefTensor oneHot(OneHotOp op, llvm::ArrayRef<RefTensor> in) {
  int64_t depth = op.getDepthAttr().getInt();
  Shape shape = in[0].shape;
  shape.push_back(depth);
  RefTensor out(shape);
  for (int64_t i = 0; i < in[0].numel(); ++i) {
    double index = in[0][i];
    if (index < 0 || index >= double(depth))
      kernelError(op, "index " + std::to_string(int64_t(index)) + " at position " +
                          std::to_string(i) + " is outside 0.." + std::to_string(depth - 1));
    out[i * depth + int64_t(index)] = 1.0;
  }
  return out;
}
} // namespace

void registerTensorKernels(KernelTable &t) {
  t.add1<MatmulOp>(matmul<MatmulOp>);
  t.add1<FusedMatmulOp>([](FusedMatmulOp op, llvm::ArrayRef<RefTensor> in) {
    RefTensor y = matmul(op, in);
    if (op.getBias()) y = broadcastBinary(op, y, in[2], [](double a, double b) { return a + b; });
    return applyActivation(op.getActivation(), std::move(y));
  });
  t.add1<TransposeOp>(transpose);
  t.add1<ReshapeOp>(reshape);
  t.add1<FlattenOp>(flatten);
  t.add1<BroadcastLikeOp>(broadcastLike);
  t.add1<SumToLikeOp>(sumToLike);
  t.add1<NumElementsOp>(numElements);
  t.add1<OneHotOp>(oneHot);
}

} // namespace nabla::reference
