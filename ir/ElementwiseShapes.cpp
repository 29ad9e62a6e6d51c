// Result types of the elementwise ops: unary ops keep their operand's type,
// binary ops broadcast.
#include "ir/Dialect.h"
#include "ir/ShapeHelpers.h"

using namespace mlir;
using namespace nabla;

NABLA_INFER_RETURN_TYPES(ConstantOp) {
  auto value = attributes ? attributes.get("value").dyn_cast_or_null<ElementsAttr>() : nullptr;
  if (!value || !value.getType().isa<RankedTensorType>())
    return diag.fail("needs a 'value' attribute of dense elements with a ranked tensor type");
  inferred.push_back(value.getType());
  return success();
}

// Unary ops: the result has the operand's type.
#define NABLA_UNARY(Op)                                                                            \
  NABLA_INFER_RETURN_TYPES(Op) {                                                                   \
    auto type = diag.ranked(adaptor.getInput(), "input");                                          \
    if (failed(type)) return failure();                                                            \
    inferred.push_back(*type);                                                                     \
    return success();                                                                              \
  }
NABLA_UNARY(NegOp)
NABLA_UNARY(ExpOp)
NABLA_UNARY(LogOp)
NABLA_UNARY(SqrtOp)
NABLA_UNARY(SquareOp)
NABLA_UNARY(ReluOp)
NABLA_UNARY(SigmoidOp)
NABLA_UNARY(TanhOp)
NABLA_UNARY(StepOp)
#undef NABLA_UNARY

// Binary ops: numpy broadcasting of the two shapes.
#define NABLA_BINARY(Op)                                                                           \
  NABLA_INFER_RETURN_TYPES(Op) {                                                                   \
    auto lhs = diag.ranked(adaptor.getLhs(), "lhs");                                               \
    auto rhs = diag.ranked(adaptor.getRhs(), "rhs");                                               \
    if (failed(lhs) || failed(rhs)) return failure();                                              \
    if (lhs->getElementType() != rhs->getElementType())                                            \
      return diag.fail("operand element types differ: " + shape::str(*lhs) + " and " +             \
                       shape::str(*rhs));                                                          \
    auto shape = shape::broadcast(diag, *lhs, *rhs);                                               \
    if (failed(shape)) return failure();                                                           \
    inferred.push_back(RankedTensorType::get(*shape, lhs->getElementType()));                      \
    return success();                                                                              \
  }
NABLA_BINARY(AddOp)
NABLA_BINARY(SubOp)
NABLA_BINARY(MulOp)
NABLA_BINARY(DivOp)
NABLA_BINARY(MaximumOp)
NABLA_BINARY(PowOp)
#undef NABLA_BINARY

bool nabla::isElementwise(Operation *op) {
  return isa<NegOp, ExpOp, LogOp, SqrtOp, SquareOp, ReluOp, SigmoidOp, TanhOp, StepOp, AddOp, SubOp,
             MulOp, DivOp, MaximumOp, PowOp>(op);
}

namespace {
bool windowsTile(ArrayAttr kernel, ArrayAttr strides, ArrayAttr pads) {
  // Attributes are uniqued: equal i64 arrays are the same attribute.
  return kernel == strides &&
         llvm::all_of(pads, [](Attribute pad) { return pad.cast<IntegerAttr>().getInt() == 0; });
}
} // namespace

bool nabla::poolWindowsTile(MaxPool2DOp op) {
  return windowsTile(op.getKernelShape(), op.getStrides(), op.getPads());
}

bool nabla::poolWindowsTile(MaxPool2DBackwardOp op) {
  return windowsTile(op.getKernelShape(), op.getStrides(), op.getPads());
}

bool nabla::poolWindowsTile(MaxPool2DWithIndicesOp op) {
  return windowsTile(op.getKernelShape(), op.getStrides(), op.getPads());
}

bool nabla::poolWindowsTile(MaxPool2DIndicesBackwardOp op) {
  return windowsTile(op.getKernelShape(), op.getStrides(), op.getPads());
}

bool nabla::isPointwise(Operation *op) {
  if (auto pool = dyn_cast<MaxPool2DBackwardOp>(op)) return poolWindowsTile(pool);
  if (auto pool = dyn_cast<MaxPool2DIndicesBackwardOp>(op)) return poolWindowsTile(pool);
  return isElementwise(op);
}
