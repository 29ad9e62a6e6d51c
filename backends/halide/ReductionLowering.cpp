// Lowerings of reductions, argmax and the (numerically stable) softmax and
// log_softmax. Reductions are gather-style update definitions, accumulated in
// f32 (the oracle accumulates in double: see the tests' tolerances).
#include "backends/halide/Lowering.h"

#include "ir/Dialect.h"

#include <limits>

namespace nabla::halide {

using Halide::Expr;
using Halide::Var;

namespace {

const Expr kMinusInfinity = Expr(-std::numeric_limits<float>::infinity());

/// Which input dims a reduction over `axes` (all when empty) removes.
std::vector<bool> reducedMask(int rank, const std::vector<int64_t> &axes) {
  std::vector<bool> mask(rank, axes.empty());
  for (int64_t a : axes) mask[a < 0 ? a + rank : a] = true;
  return mask;
}

/// The pieces of a reduction over the dims in `mask`: the output shape and
/// vars, the RDom over the reduced dims, and the input index built from both.
struct ReductionShape {
  std::vector<Expr> shape;
  std::vector<Var> vars;
  Halide::RDom r;
  std::vector<Expr> inputIndex;
  Expr count = 1; // number of reduced elements
};

ReductionShape reductionShape(const LoweredTensor &input, const std::vector<bool> &mask,
                              bool keepdims) {
  ReductionShape out;
  std::vector<Halide::Range> ranges; // innermost (last NCHW) reduced dim first
  for (int d = input.rank() - 1; d >= 0; --d)
    if (mask[d]) {
      ranges.emplace_back(0, input.shape[d]);
      out.count = out.count * input.shape[d];
    }
  for (int d = 0; d < input.rank(); ++d)
    if (!mask[d] || keepdims) out.shape.push_back(mask[d] ? Expr(1) : input.shape[d]);
  out.vars = makeVars(int(out.shape.size()));
  if (!ranges.empty()) out.r = Halide::RDom(ranges, "r");
  int remaining = int(ranges.size()), outPos = 0;
  for (int d = 0; d < input.rank(); ++d) {
    if (mask[d]) {
      out.inputIndex.push_back(out.r[--remaining]);
      if (keepdims) ++outPos;
    } else {
      out.inputIndex.push_back(out.vars[outPos++]);
    }
  }
  return out;
}

enum class Reduce { Sum, Mean, Max };

/// Lanes of the partial sums when the innermost dim is summed.
constexpr int32_t kSumLanes = 8;

/// The sum over the dims in `mask` when they include the innermost one and
/// it is at least kSumLanes long (the bias gradient of a conv sums N, H and
/// W): vectorized over the output, each lane would gather with the stride of
/// a whole plane. Instead `partial` keeps kSumLanes running sums per output,
/// one per residue of the innermost index, so its vector loads are
/// contiguous; a short second reduction adds the lanes.
LoweredTensor laneSum(const LoweredTensor &input, const std::vector<bool> &mask, bool keepdims,
                      const std::string &name) {
  int rank = input.rank();
  Expr width = input.shape[size_t(rank - 1)];
  LoweredTensor chunks = input; // the innermost dim counted in chunks of lanes
  chunks.shape.back() = (width + kSumLanes - 1) / kSumLanes;
  ReductionShape rs = reductionShape(chunks, mask, keepdims);
  Var lane = makeVars(1, "lane")[0];
  Expr position = rs.inputIndex.back() * kSumLanes + lane;
  std::vector<Expr> index = rs.inputIndex;
  index.back() = Halide::min(position, width - 1); // the select drops the clamped lanes
  std::vector<Var> partialVars = rs.vars;
  partialVars.push_back(lane);
  Halide::Func partial = makeFunc(name + "_lanes");
  defineAt(partial, partialVars) = 0.0f;
  defineAt(partial, partialVars) += Halide::select(position < width, input.at(index), 0.0f);
  std::vector<Expr> partialShape = rs.shape;
  partialShape.push_back(kSumLanes);
  LoweredTensor lanes{partial, partialShape, ScheduleKind::Reduction};

  Halide::RDom r(0, kSumLanes, "lane_sum");
  std::vector<Expr> at = toExprs(rs.vars);
  at.push_back(r);
  Halide::Func f = makeFunc(name);
  defineAt(f, rs.vars) = 0.0f;
  defineAt(f, rs.vars) += lanes.at(at);
  return {f, rs.shape, ScheduleKind::Reduction, {lanes}};
}

bool summedInLanes(const LoweredTensor &input, const std::vector<bool> &mask) {
  return input.rank() > 0 && mask.back() && constantValue(input.shape.back()) >= kSumLanes;
}

template <typename OpT> void addReduce(LoweringTable &table, Reduce kind, const char *name) {
  table.add1<OpT>([kind, name](OpT op, const std::vector<LoweredTensor> &in) {
    auto mask = reducedMask(in[0].rank(), ints(op.getAxesAttr()));
    if (kind == Reduce::Sum && summedInLanes(in[0], mask))
      return laneSum(in[0], mask, op.getKeepdims(), name);
    ReductionShape rs = reductionShape(in[0], mask, op.getKeepdims());
    Halide::Func f = makeFunc(name);
    Expr x = in[0].at(rs.inputIndex);
    if (!rs.r.defined()) { // a reduction over no dims (rank-0 input) is a copy
      defineAt(f, rs.vars) = x;
      return LoweredTensor{f, rs.shape, ScheduleKind::Pointwise};
    }
    if (kind == Reduce::Max) {
      defineAt(f, rs.vars) = kMinusInfinity;
      defineAt(f, rs.vars) = Halide::max(Expr(defineAt(f, rs.vars)), x);
    } else {
      defineAt(f, rs.vars) = 0.0f;
      defineAt(f, rs.vars) += x;
      if (kind == Reduce::Mean)
        defineAt(f, rs.vars) = Expr(defineAt(f, rs.vars)) / Halide::cast<float>(rs.count);
    }
    return LoweredTensor{f, rs.shape, ScheduleKind::Reduction};
  });
}

LoweredTensor lowerArgmax(ArgmaxOp op, const std::vector<LoweredTensor> &in) {
  int64_t axis = op.getAxis();
  std::vector<bool> mask(in[0].rank(), false);
  mask[axis < 0 ? axis + in[0].rank() : axis] = true;
  ReductionShape rs = reductionShape(in[0], mask, op.getKeepdims());
  // (index, value) of the first maximum: strict > keeps the earliest.
  Halide::Func best = makeFunc("argmax_best");
  defineAt(best, rs.vars) = Halide::Tuple(0, kMinusInfinity);
  Halide::FuncRef cur = defineAt(best, rs.vars);
  Expr x = in[0].at(rs.inputIndex);
  Expr better = x > cur[1] || (rs.r.x == 0); // the first element always seeds the search
  defineAt(best, rs.vars) = Halide::tuple_select(better, Halide::Tuple(rs.r.x, x),
                                                 Halide::Tuple(cur[0], cur[1]));
  Halide::Func f = makeFunc("argmax");
  defineAt(f, rs.vars) = Halide::cast<int64_t>(defineAt(best, rs.vars)[0]);
  LoweredTensor stage{best, rs.shape, ScheduleKind::Reduction};
  return {f, rs.shape, ScheduleKind::Pointwise, {stage}};
}

/// softmax / log_softmax along one axis, after subtracting the row maximum.
} // namespace

LoweredTensor softmaxAlong(const LoweredTensor &x, int64_t axis, bool log) {
  int rank = x.rank();
  if (axis < 0) axis += rank;
  std::vector<bool> mask(rank, false);
  mask[axis] = true;
  ReductionShape rs = reductionShape(x, mask, /*keepdims=*/false);
  auto v = makeVars(rank);
  std::vector<Expr> rowIndex; // the reduced Funcs' index for element v
  for (int d = 0; d < rank; ++d)
    if (d != axis) rowIndex.push_back(v[d]);
  auto row = [&](const Halide::Func &g) {
    return g(std::vector<Expr>(rowIndex.rbegin(), rowIndex.rend()));
  };

  Halide::Func rowMax = makeFunc("softmax_max");
  defineAt(rowMax, rs.vars) = kMinusInfinity;
  defineAt(rowMax, rs.vars) = Halide::max(Expr(defineAt(rowMax, rs.vars)), x.at(rs.inputIndex));
  LoweredTensor maxStage{rowMax, rs.shape, ScheduleKind::Reduction};

  // exp(x - max) summed along the axis.
  std::vector<Expr> rowOfInput; // rowMax index at the RDom's input element
  for (int d = 0; d < rank; ++d)
    if (d != axis) rowOfInput.push_back(rs.inputIndex[d]);
  Expr maxOfRow = rowMax(std::vector<Expr>(rowOfInput.rbegin(), rowOfInput.rend()));
  Halide::Func rowSum = makeFunc("softmax_sum");
  defineAt(rowSum, rs.vars) = 0.0f;
  defineAt(rowSum, rs.vars) += Halide::exp(x.at(rs.inputIndex) - maxOfRow);
  LoweredTensor sumStage{rowSum, rs.shape, ScheduleKind::Reduction, {maxStage}};

  Halide::Func f = makeFunc(log ? "log_softmax" : "softmax");
  Expr shifted = x.at(toExprs(v)) - row(rowMax);
  // strict_float keeps (x - max) - log(sum) from being reassociated into
  // x - (max + log(sum)), which would round at the scale of the logits.
  defineAt(f, v) = log ? Halide::strict_float(shifted - Halide::log(row(rowSum)))
                       : Halide::exp(shifted) / row(rowSum);
  return {f, x.shape, ScheduleKind::Pointwise, {maxStage, sumStage}};
}

void registerReductionLowerings(LoweringTable &table) {
  addReduce<ReduceSumOp>(table, Reduce::Sum, "reduce_sum");
  addReduce<ReduceMeanOp>(table, Reduce::Mean, "reduce_mean");
  addReduce<ReduceMaxOp>(table, Reduce::Max, "reduce_max");
  table.add1<ArgmaxOp>(lowerArgmax);
  table.add1<SoftmaxOp>([](SoftmaxOp op, const std::vector<LoweredTensor> &in) {
    return softmaxAlong(in[0], op.getAxis(), false);
  });
  table.add1<LogSoftmaxOp>([](LogSoftmaxOp op, const std::vector<LoweredTensor> &in) {
    return softmaxAlong(in[0], op.getAxis(), true);
  });
}

} // namespace nabla::halide
