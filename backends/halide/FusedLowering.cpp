// Lowerings of the ops made by --nabla-fuse-conv-bias-relu: fused_conv2d and
// fused_matmul. The accumulation is conv2d's (or matmul's) with the bias as
// its initial value; the activation is a pointwise Func over it of kind
// Epilogue, so the CPU schedule computes the accumulation tile by tile inside
// the activation's loops and the pre-activation tensor is never stored whole.
#include "backends/halide/Lowering.h"

#include "ir/Dialect.h"

namespace nabla::halide {

namespace {

/// `activation(acc)`, or `acc` itself when there is nothing to apply.
LoweredTensor activate(llvm::StringRef activation, mlir::Operation *op, LoweredTensor acc) {
  if (activation == "none") return acc;
  if (activation != "relu") loweringError(op, "unknown activation '" + activation.str() + "'");
  auto v = makeVars(acc.rank());
  Halide::Func f = makeFunc(op->getName().stripDialect().str());
  defineAt(f, v) = Halide::max(acc.at(toExprs(v)), 0.0f);
  std::vector<Halide::Expr> shape = acc.shape;
  return {f, shape, ScheduleKind::Epilogue, {std::move(acc)}};
}

LoweredTensor lowerFusedConv(FusedConv2DOp op, const std::vector<LoweredTensor> &in) {
  WindowAttrs w = windowAttrs(filterKernel(op.getFilter()), op.getStridesAttr(), op.getPadsAttr(),
                              op.getDilationsAttr());
  return activate(op.getActivation(), op, convolve(in, w, int32_t(op.getGroups())));
}

LoweredTensor lowerFusedMatmul(FusedMatmulOp op, const std::vector<LoweredTensor> &in) {
  const LoweredTensor *bias = in.size() > 2 ? &in[2] : nullptr;
  return activate(op.getActivation(), op,
                  multiply(in[0], in[1], op.getTransposeLhs(), op.getTransposeRhs(), bias));
}

} // namespace

void registerFusedLowerings(LoweringTable &table) {
  table.add1<FusedConv2DOp>(lowerFusedConv);
  table.add1<FusedMatmulOp>(lowerFusedMatmul);
}

} // namespace nabla::halide
