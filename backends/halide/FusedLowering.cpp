// Lowerings of the ops made by --nabla-fuse-conv-bias-relu: fused_conv2d and
// fused_matmul. The accumulation is conv2d's (or matmul's) with the bias as
// its initial value; the activation is a pointwise Func over it of kind
// Epilogue, so the CPU schedule computes the accumulation tile by tile inside
// the activation's loops and the pre-activation tensor is never stored whole.
#include "backends/halide/Lowering.h"

#include "ir/Dialect.h"

namespace nabla::halide {

namespace {

/// The op's activation as a function of the accumulated value.
std::function<Halide::Expr(Halide::Expr)> activationOf(llvm::StringRef activation,
                                                       mlir::Operation *op) {
  if (activation == "none") return identity;
  if (activation != "relu") loweringError(op, "unknown activation '" + activation.str() + "'");
  return [](Halide::Expr x) { return Halide::max(x, 0.0f); };
}

std::string funcName(mlir::Operation *op) { return op->getName().stripDialect().str(); }

LoweredTensor lowerFusedConv(FusedConv2DOp op, const std::vector<LoweredTensor> &in) {
  WindowAttrs w = windowAttrs(filterKernel(op.getFilter()), op.getStridesAttr(), op.getPadsAttr(),
                              op.getDilationsAttr());
  return epilogue(funcName(op), convolve(in, w, int32_t(op.getGroups()), markedWinograd(op)),
                  activationOf(op.getActivation(), op));
}

LoweredTensor lowerFusedMatmul(FusedMatmulOp op, const std::vector<LoweredTensor> &in) {
  const LoweredTensor *bias = in.size() > 2 ? &in[2] : nullptr;
  return multiply(in[0], in[1], op.getTransposeLhs(), op.getTransposeRhs(), bias, funcName(op),
                  activationOf(op.getActivation(), op));
}

} // namespace

void registerFusedLowerings(LoweringTable &table) {
  table.add1<FusedConv2DOp>(lowerFusedConv);
  table.add1<FusedMatmulOp>(lowerFusedMatmul);
}

} // namespace nabla::halide
