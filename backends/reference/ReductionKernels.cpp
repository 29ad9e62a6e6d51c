// Reference kernels for reductions, argmax, softmax and log_softmax.
#include "backends/reference/Kernels.h"
#include "ir/Dialect.h"

#include <cmath>
#include <limits>

using namespace mlir;

namespace nabla::reference {

namespace {
/// A reduction's geometry: which axes are reduced, the output shape, and for
/// every input element the output element it folds into.
struct Reduction {
  Shape outShape;
  std::vector<int64_t> outIndex; // per input element
};

Reduction plan(const RefTensor &x, std::vector<int64_t> axes, bool keepdims) {
  std::vector<bool> reduced(size_t(x.rank()), axes.empty());
  for (int64_t axis : axes) reduced[size_t(axis < 0 ? axis + x.rank() : axis)] = true;
  Reduction r;
  Shape keptShape; // output shape with reduced dims as 1
  for (int64_t d = 0; d < x.rank(); ++d) {
    keptShape.push_back(reduced[d] ? 1 : x.dim(d));
    if (!reduced[d]) r.outShape.push_back(x.dim(d));
    else if (keepdims) r.outShape.push_back(1);
  }
  RefTensor kept(keptShape);
  std::vector<int64_t> keptStrides = kept.strides(), index(size_t(x.rank()), 0);
  r.outIndex.resize(size_t(x.numel()));
  for (int64_t flat = 0; flat < x.numel(); ++flat) {
    int64_t out = 0;
    for (int64_t d = 0; d < x.rank(); ++d) out += reduced[d] ? 0 : index[d] * keptStrides[d];
    r.outIndex[flat] = out;
    for (int64_t d = x.rank() - 1; d >= 0; --d) {
      if (++index[d] < x.dim(d)) break;
      index[d] = 0;
    }
  }
  return r;
}

template <typename OpT> Reduction planFor(OpT op, const RefTensor &x) {
  return plan(x, intsAttr(op.getAxes()), op.getKeepdims());
}

RefTensor reduceSum(ReduceSumOp op, llvm::ArrayRef<RefTensor> in) {
  Reduction r = planFor(op, in[0]);
  RefTensor out(r.outShape);
  for (int64_t i = 0; i < in[0].numel(); ++i) out[r.outIndex[i]] += in[0][i];
  return out;
}

RefTensor reduceMean(ReduceMeanOp op, llvm::ArrayRef<RefTensor> in) {
  Reduction r = planFor(op, in[0]);
  RefTensor out(r.outShape);
  for (int64_t i = 0; i < in[0].numel(); ++i) out[r.outIndex[i]] += in[0][i];
  double count = out.numel() ? double(in[0].numel()) / double(out.numel()) : 0.0;
  for (double &v : out.data) v /= count;
  return out;
}

RefTensor reduceMax(ReduceMaxOp op, llvm::ArrayRef<RefTensor> in) {
  Reduction r = planFor(op, in[0]);
  RefTensor out(r.outShape, -std::numeric_limits<double>::infinity());
  for (int64_t i = 0; i < in[0].numel(); ++i)
    out[r.outIndex[i]] = std::max(out[r.outIndex[i]], in[0][i]);
  return out;
}

/// Splits `x` around `axis` into (outer, extent, inner) for row-wise kernels.
struct AxisView {
  int64_t outer = 1, extent = 1, inner = 1;
  int64_t at(int64_t o, int64_t k, int64_t i) const { return (o * extent + k) * inner + i; }
};

AxisView viewAround(const RefTensor &x, int64_t axis) {
  if (axis < 0) axis += x.rank();
  AxisView v;
  for (int64_t d = 0; d < x.rank(); ++d) {
    if (d < axis) v.outer *= x.dim(d);
    else if (d == axis) v.extent = x.dim(d);
    else v.inner *= x.dim(d);
  }
  return v;
}

RefTensor argmax(ArgmaxOp op, llvm::ArrayRef<RefTensor> in) {
  const RefTensor &x = in[0];
  int64_t axis = int64_t(op.getAxis());
  if (axis < 0) axis += x.rank();
  AxisView v = viewAround(x, axis);
  Shape shape;
  for (int64_t d = 0; d < x.rank(); ++d) {
    if (d != axis) shape.push_back(x.dim(d));
    else if (op.getKeepdims()) shape.push_back(1);
  }
  RefTensor out(shape);
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t i = 0; i < v.inner; ++i) {
      int64_t best = 0;
      for (int64_t k = 1; k < v.extent; ++k)
        if (x[v.at(o, k, i)] > x[v.at(o, best, i)]) best = k;
      out[o * v.inner + i] = double(best);
    }
  return out;
}

/// Calls finish(x - max, log(sum(exp(x - max)))) along each row of the view.
/// Subtracting the row maximum first keeps exp() from overflowing and, done
/// before the log-sum is subtracted, keeps the difference exact.
template <typename F>
RefTensor rowwiseSoftmax(const RefTensor &x, int64_t axis, F finish) {
  AxisView v = viewAround(x, axis);
  RefTensor out(x.shape);
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t i = 0; i < v.inner; ++i) {
      double max = -std::numeric_limits<double>::infinity();
      for (int64_t k = 0; k < v.extent; ++k) max = std::max(max, x[v.at(o, k, i)]);
      double sum = 0;
      for (int64_t k = 0; k < v.extent; ++k) sum += std::exp(x[v.at(o, k, i)] - max);
      double logSum = std::log(sum);
      for (int64_t k = 0; k < v.extent; ++k)
        out[v.at(o, k, i)] = finish(x[v.at(o, k, i)] - max, logSum);
    }
  return out;
}

RefTensor softmax(SoftmaxOp op, llvm::ArrayRef<RefTensor> in) {
  return rowwiseSoftmax(in[0], int64_t(op.getAxis()),
                        [](double shifted, double logSum) { return std::exp(shifted - logSum); });
}

RefTensor logSoftmax(LogSoftmaxOp op, llvm::ArrayRef<RefTensor> in) {
  return rowwiseSoftmax(in[0], int64_t(op.getAxis()),
                        [](double shifted, double logSum) { return shifted - logSum; });
}
} // namespace

void registerReductionKernels(KernelTable &t) {
  t.add1<ReduceSumOp>(reduceSum);
  t.add1<ReduceMeanOp>(reduceMean);
  t.add1<ReduceMaxOp>(reduceMax);
  t.add1<ArgmaxOp>(argmax);
  t.add1<SoftmaxOp>(softmax);
  t.add1<LogSoftmaxOp>(logSoftmax);
}

} // namespace nabla::reference
