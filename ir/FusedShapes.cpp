// Result types of the fused ops: those of the producer they replace, plus a
// check of the activation name.
#include "ir/Dialect.h"
#include "ir/ShapeHelpers.h"

using namespace mlir;
using namespace nabla;

namespace {
LogicalResult checkActivation(const shape::Diag &diag, Attribute attr) {
  auto name = attr.dyn_cast_or_null<StringAttr>();
  if (name && (name.getValue() == "relu" || name.getValue() == "none")) return success();
  return diag.fail("activation must be \"relu\" or \"none\"");
}
} // namespace

NABLA_INFER_RETURN_TYPES(FusedConv2DOp) {
  if (failed(checkActivation(diag, adaptor.getActivationAttr()))) return failure();
  auto type = shape::inferConv2D(diag, context, adaptor.getInput(), adaptor.getFilter(),
                                 adaptor.getBias(), adaptor.getStridesAttr(), adaptor.getPadsAttr(),
                                 adaptor.getDilationsAttr(), adaptor.getGroupsAttr());
  if (failed(type)) return failure();
  inferred.push_back(*type);
  return success();
}

NABLA_INFER_RETURN_TYPES(FusedMatmulOp) {
  if (failed(checkActivation(diag, adaptor.getActivationAttr()))) return failure();
  auto type = shape::inferMatmul(diag, adaptor.getLhs(), adaptor.getRhs(),
                                 adaptor.getTransposeLhs(), adaptor.getTransposeRhs());
  if (failed(type)) return failure();
  if (Value biasValue = adaptor.getBias()) {
    auto bias = diag.ranked(biasValue, "bias", 1);
    if (failed(bias)) return failure();
    if (!shape::compatible(bias->getDimSize(0), type->getDimSize(1)))
      return diag.fail("bias " + shape::str(*bias) + " must have one entry per column of " +
                       shape::str(*type));
  }
  inferred.push_back(*type);
  return success();
}
