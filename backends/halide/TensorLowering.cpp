// Lowerings of the ops that move data: matmul, transpose, reshape, flatten,
// broadcast_like, sum_to_like and num_elements.
#include "backends/halide/HostChecks.h"
#include "backends/halide/Lowering.h"

#include "ir/Dialect.h"

#include <optional>

namespace nabla::halide {

using Halide::Expr;
using Halide::Var;

namespace {

int64_t staticDim(mlir::Value value, int64_t i) {
  return value.getType().cast<mlir::RankedTensorType>().getDimSize(i);
}

LoweredTensor lowerMatmul(MatmulOp op, const std::vector<LoweredTensor> &in) {
  return multiply(in[0], in[1], op.getTransposeLhs(), op.getTransposeRhs(), nullptr, "matmul");
}

LoweredTensor lowerTranspose(TransposeOp op, const std::vector<LoweredTensor> &in) {
  std::vector<int64_t> perm = ints(op.getPermAttr());
  auto v = makeVars(int(perm.size()));
  std::vector<Expr> index(perm.size()), shape(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) {
    index[perm[i]] = v[i]; // result dim i is input dim perm[i]
    shape[i] = in[0].shape[perm[i]];
  }
  Halide::Func f = makeFunc("transpose");
  defineAt(f, v) = in[0].at(index);
  return {f, shape, ScheduleKind::Pointwise};
}

/// The input index of a reinterpretation that only splits input dims into
/// runs of output dims (a [N, 4320] gradient viewed as [N, 30, 12, 12]): each
/// input dim's index is linear in its run's output indices, with no division
/// or modulo. Empty unless every input dim is such a run (dynamic dims map
/// to one equal dynamic dim; extra output dims must be 1).
std::optional<std::vector<Expr>> splitIndex(const LoweredTensor &input,
                                            const std::vector<Expr> &shape,
                                            const std::vector<Var> &v) {
  std::vector<Expr> index;
  size_t o = 0;
  for (int d = 0; d < input.rank(); ++d) {
    int64_t want = constantValue(input.shape[d]);
    if (!want) {
      if (o == shape.size() || !Halide::Internal::can_prove(shape[o] == input.shape[d]))
        return std::nullopt;
      index.push_back(v[o++]);
      continue;
    }
    Expr linear = 0;
    int64_t got = 1;
    while (got < want && o < shape.size()) {
      int64_t extent = constantValue(shape[o]);
      if (!extent) return std::nullopt;
      linear = linear * int32_t(extent) + v[o++];
      got *= extent;
    }
    if (got != want) return std::nullopt;
    index.push_back(linear);
  }
  for (; o < shape.size(); ++o)
    if (constantValue(shape[o]) != 1) return std::nullopt;
  return index;
}

/// Row-major reinterpretation: the output index is linearized with the output
/// shape and unraveled with the input shape, unless it only splits dims
/// (then it is a view, see LoweredTensor::view).
LoweredTensor reinterpret(const LoweredTensor &input, const std::vector<Expr> &shape,
                          const std::string &name) {
  auto v = makeVars(int(shape.size()));
  if (std::optional<std::vector<Expr>> index = splitIndex(input, shape, v)) {
    Halide::Func f = makeFunc(name);
    defineAt(f, v) = input.at(*index);
    LoweredTensor out{f, shape, ScheduleKind::Pointwise};
    out.reinterpreted = {input};
    out.view = true;
    return out;
  }
  Expr linear = 0;
  for (size_t i = 0; i < shape.size(); ++i) linear = linear * shape[i] + v[i];
  std::vector<Expr> index(input.rank());
  for (int d = input.rank() - 1; d >= 0; --d) {
    index[d] = d == 0 ? linear : linear % input.shape[d];
    linear = linear / input.shape[d];
  }
  Halide::Func f = makeFunc(name);
  defineAt(f, v) = input.at(index);
  LoweredTensor out{f, shape, ScheduleKind::Pointwise};
  out.reinterpreted = {input};
  int64_t inRow = input.rank() ? constantValue(input.shape.back()) : 0;
  int64_t outRow = shape.empty() ? 0 : constantValue(shape.back());
  if (inRow > 1 && outRow > 1)
    out.rowBlock = outRow % inRow == 0 ? inRow : inRow % outRow == 0 ? outRow : 0;
  return out;
}

LoweredTensor lowerReshape(ReshapeOp op, const std::vector<LoweredTensor> &in) {
  std::vector<int64_t> target = ints(op.getShapeAttr());
  Expr known = 1;
  for (int64_t d : target)
    if (d != -1) known = known * int32_t(d);
  std::vector<Expr> shape;
  for (int64_t d : target)
    shape.push_back(d == -1 ? product(in[0].shape) / known : Expr(int32_t(d)));
  return reinterpret(in[0], refineShape(op.getType(), shape), "reshape");
}

LoweredTensor lowerFlatten(FlattenOp op, const std::vector<LoweredTensor> &in) {
  int rank = in[0].rank();
  int axis = int(op.getAxis());
  if (axis < 0) axis += rank;
  std::vector<Expr> before(in[0].shape.begin(), in[0].shape.begin() + axis);
  std::vector<Expr> after(in[0].shape.begin() + axis, in[0].shape.end());
  return reinterpret(in[0], refineShape(op.getType(), {product(before), product(after)}),
                     "flatten");
}

LoweredTensor lowerBroadcastLike(BroadcastLikeOp op, const std::vector<LoweredTensor> &in) {
  std::vector<Expr> shape = refineShape(op.getType(), in[1].shape);
  auto v = makeVars(int(shape.size()));
  Halide::Func f = makeFunc("broadcast_like");
  defineAt(f, v) = broadcastRead(in[0], op.getInput().getType(), v);
  return {f, shape, ScheduleKind::Pointwise};
}

/// Sums the input's extra leading dims and the dims where `like` is 1. A
/// dynamic dim of `like` is taken to equal the input's (broadcasting a
/// dynamic batch of 1 is not supported here; shape inference passes it).
LoweredTensor lowerSumToLike(SumToLikeOp op, const std::vector<LoweredTensor> &in) {
  const LoweredTensor &input = in[0];
  std::vector<Expr> shape = refineShape(op.getType(), in[1].shape);
  int rank = int(shape.size()), lead = input.rank() - rank;
  std::vector<Halide::Range> ranges;
  std::vector<int> reducedDims; // input dims summed over
  for (int d = 0; d < input.rank(); ++d) {
    bool reduced = d < lead || (staticDim(op.getLike(), d - lead) == 1 &&
                                staticDim(op.getInput(), d) != 1);
    if (reduced) {
      reducedDims.push_back(d);
      ranges.emplace_back(0, input.shape[d]);
    }
  }
  auto v = makeVars(rank);
  Halide::Func f = makeFunc("sum_to_like");
  if (ranges.empty()) {
    defineAt(f, v) = input.at(toExprs(v));
    return {f, shape, ScheduleKind::Pointwise};
  }
  Halide::RDom r(ranges, "r");
  std::vector<Expr> index(input.rank());
  size_t next = 0;
  for (int d = 0; d < input.rank(); ++d) {
    if (next < reducedDims.size() && reducedDims[next] == d)
      index[d] = r[int(next++)];
    else
      index[d] = v[d - lead];
  }
  defineAt(f, v) = 0.0f;
  defineAt(f, v) += input.at(index);
  return {f, shape, ScheduleKind::Reduction};
}

LoweredTensor lowerNumElements(NumElementsOp op, const std::vector<LoweredTensor> &in) {
  std::vector<int64_t> axes = ints(op.getAxesAttr());
  std::vector<Expr> counted;
  if (axes.empty()) counted = in[0].shape;
  for (int64_t a : axes) counted.push_back(in[0].shape[a < 0 ? a + in[0].rank() : a]);
  Halide::Func f = makeFunc("num_elements");
  f() = Halide::cast<float>(product(counted));
  return {f, {}, ScheduleKind::Pointwise};
}

/// 1.0 where the last index equals the label; a label outside [0, depth)
/// stops the pipeline with an error naming it, as the reference does.
LoweredTensor lowerOneHot(OneHotOp op, const std::vector<LoweredTensor> &in) {
  int32_t depth = int32_t(op.getDepthAttr().getInt());
  int rank = in[0].rank();
  auto v = makeVars(rank + 1);
  std::vector<Expr> index(v.begin(), v.begin() + rank);
  LoweredTensor checked =
      checkedIndices(in[0], depth, indexRangeMessage(op));
  Halide::Func f = makeFunc("one_hot");
  defineAt(f, v) = Halide::select(checked.at(index) == v[rank], 1.0f, 0.0f);
  std::vector<Expr> shape = in[0].shape;
  shape.push_back(depth);
  return {f, shape, ScheduleKind::Pointwise, {checked}};
}

/// The tensor whose trailing dims `a` (M x K) flattens into its rows of K
/// (a [N, 30, 12, 12] pool read by an affine layer as [N, 4320]), when they
/// are static: then a product can read it directly, one reduction variable
/// per dim; read transposed (the weight gradient X^T dY), its row index is
/// unravelled into the dims, once per row of a register tile (outside the
/// reduction). No flattened copy is stored. Null otherwise.
const LoweredTensor *flattenedSource(const LoweredTensor &a) {
  if (a.reinterpreted.empty() || a.rank() != 2) return nullptr;
  const LoweredTensor &source = a.reinterpreted[0];
  if (source.rank() < 3 || !Halide::Internal::can_prove(source.shape[0] == a.shape[0]))
    return nullptr;
  int64_t k = 1;
  for (int d = 1; d < source.rank(); ++d) k *= constantValue(source.shape[d]);
  return k && k == constantValue(a.shape[1]) ? &source : nullptr;
}

} // namespace

LoweredTensor multiply(const LoweredTensor &lhs, const LoweredTensor &rhs, bool transposeLhs,
                       bool transposeRhs, const LoweredTensor *bias, const std::string &name,
                       const std::function<Expr(Expr)> &activation) {
  Expr m = transposeLhs ? lhs.shape[1] : lhs.shape[0];
  Expr k = transposeLhs ? lhs.shape[0] : lhs.shape[1];
  Expr n = transposeRhs ? rhs.shape[0] : rhs.shape[1];
  auto v = makeVars(2); // (i, j)
  Halide::RDom r(0, k, "k");
  Expr a = transposeLhs ? lhs.at({r, v[0]}) : lhs.at({v[0], r});
  Expr row = r; // the index of B's row that multiplies a
  const LoweredTensor *source = flattenedSource(lhs);
  if (source && transposeLhs) { // A(i, k) = lhs(k, i): i unravels into (c, h, w) per row
    std::vector<Expr> index(size_t(source->rank()));
    index[0] = r;
    Expr rest = v[0];
    for (int d = source->rank() - 1; d >= 1; --d) {
      index[size_t(d)] = d > 1 ? rest % source->shape[d] : rest;
      rest = rest / source->shape[d];
    }
    a = source->at(index);
  } else if (source) { // reduction variables innermost first: (w, h, c) of an NCHW source
    std::vector<Halide::Range> dims;
    for (int d = source->rank() - 1; d >= 1; --d) dims.emplace_back(0, source->shape[d]);
    r = Halide::RDom(dims, "k");
    std::vector<Expr> index = {v[0]};
    row = 0;
    for (int d = 1; d < source->rank(); ++d) {
      Halide::RVar x = r[source->rank() - 1 - d];
      index.push_back(x);
      row = row * source->shape[d] + x;
    }
    a = source->at(index);
  }
  // The schedule's vector lanes run along j: a transposed rhs would be read
  // with stride K, so it is transposed once into a contiguous copy.
  std::vector<LoweredTensor> stages;
  if (transposeRhs) {
    auto t = makeVars(2); // (k, j)
    Halide::Func copy = makeFunc("matmul_rhs_transposed");
    defineAt(copy, t) = rhs.at({t[1], t[0]});
    stages.push_back({copy, {k, n}, ScheduleKind::Transpose});
  }
  Expr b = transposeRhs ? stages[0].at({row, v[1]}) : rhs.at({row, v[1]});
  Halide::Func acc = makeFunc(name + "_acc");
  defineAt(acc, v) = bias ? bias->at({v[1]}) : Expr(0.0f);
  defineAt(acc, v) += a * b;
  LoweredTensor product{acc, {m, n}, ScheduleKind::Matmul, stages};
  // The GPU's shared-memory schedule stages 2-D operands only.
  if (!source) product.operands = {lhs.func, transposeRhs ? stages[0].func : rhs.func};
  return epilogue(name, std::move(product), activation);
}

void registerTensorLowerings(LoweringTable &table) {
  table.add1<MatmulOp>(lowerMatmul);
  table.add1<TransposeOp>(lowerTranspose);
  table.add1<ReshapeOp>(lowerReshape);
  table.add1<FlattenOp>(lowerFlatten);
  table.add1<BroadcastLikeOp>(lowerBroadcastLike);
  table.add1<SumToLikeOp>(lowerSumToLike);
  table.add1<NumElementsOp>(lowerNumElements);
  table.add1<OneHotOp>(lowerOneHot);
}

} // namespace nabla::halide
