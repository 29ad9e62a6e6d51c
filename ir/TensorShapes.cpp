// Result types of the data-movement ops: matmul, transpose, reshape, flatten
// and the broadcasting helpers.
#include "ir/Dialect.h"
#include "ir/ShapeHelpers.h"

#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;
using namespace nabla;
using shape::kDynamic;

FailureOr<RankedTensorType> shape::inferMatmul(const Diag &diag, Value lhsValue, Value rhsValue,
                                               bool tl, bool tr) {
  auto lhs = diag.ranked(lhsValue, "lhs", 2);
  auto rhs = diag.ranked(rhsValue, "rhs", 2);
  if (failed(lhs) || failed(rhs)) return failure();
  int64_t m = lhs->getDimSize(tl ? 1 : 0), kl = lhs->getDimSize(tl ? 0 : 1);
  int64_t kr = rhs->getDimSize(tr ? 1 : 0), n = rhs->getDimSize(tr ? 0 : 1);
  if (!compatible(kl, kr))
    return (void)diag.fail("contracted dimensions differ: " + str(*lhs) +
                           (tl ? " (transposed)" : "") + " x " + str(*rhs) +
                           (tr ? " (transposed)" : "") + " contracts " + llvm::Twine(kl) +
                           " with " + llvm::Twine(kr)),
         failure();
  return RankedTensorType::get({m, n}, lhs->getElementType());
}

NABLA_INFER_RETURN_TYPES(MatmulOp) {
  auto type = shape::inferMatmul(diag, adaptor.getLhs(), adaptor.getRhs(), adaptor.getTransposeLhs(),
                                 adaptor.getTransposeRhs());
  if (failed(type)) return failure();
  inferred.push_back(*type);
  return success();
}

NABLA_INFER_RETURN_TYPES(TransposeOp) {
  auto input = diag.ranked(adaptor.getInput(), "input");
  auto perm = diag.ints(adaptor.getPermAttr(), "perm");
  if (failed(input) || failed(perm)) return failure();
  int64_t rank = input->getRank();
  llvm::SmallVector<bool> seen(rank, false);
  bool valid = int64_t(perm->size()) == rank;
  for (int64_t p : *perm) {
    if (!valid || p < 0 || p >= rank || seen[p]) { valid = false; break; }
    seen[p] = true;
  }
  if (!valid)
    return diag.fail("perm " + shape::list(*perm) + " is not a permutation of the " +
                     llvm::Twine(rank) + " dimensions of " + shape::str(*input));
  llvm::SmallVector<int64_t> out;
  for (int64_t p : *perm) out.push_back(input->getDimSize(p));
  inferred.push_back(RankedTensorType::get(out, input->getElementType()));
  return success();
}

NABLA_INFER_RETURN_TYPES(ReshapeOp) {
  auto input = diag.ranked(adaptor.getInput(), "input");
  auto shape = diag.ints(adaptor.getShapeAttr(), "shape");
  if (failed(input) || failed(shape)) return failure();
  int inferredDims = 0;
  int64_t known = 1;
  for (int64_t d : *shape) {
    if (d == -1) ++inferredDims;
    else if (d < 1)
      return diag.fail("shape " + shape::list(*shape) + " has a dimension below 1 other than -1");
    else if (__builtin_mul_overflow(known, d, &known))
      return diag.fail("shape " + shape::list(*shape) + " has more than 2^63 elements");
  }
  if (inferredDims > 1) return diag.fail("shape " + shape::list(*shape) + " has more than one -1");
  int64_t count = shape::product(input->getShape());
  llvm::SmallVector<int64_t> out(shape->begin(), shape->end());
  if (count != kDynamic) {
    if ((inferredDims ? count % known : count != known) != 0)
      return diag.fail("cannot reshape " + shape::str(*input) + " (" + llvm::Twine(count) +
                       " elements) to " + shape::list(*shape));
    for (int64_t &d : out)
      if (d == -1) d = count / known;
  } else {
    // The element count is a multiple of the input's static dimensions; a
    // fully static target must be such a multiple too.
    int64_t staticCount = 1;
    for (int64_t d : input->getShape())
      if (d != kDynamic) staticCount *= d;
    if (!inferredDims && staticCount != 0 && known % staticCount != 0)
      return diag.fail("cannot reshape " + shape::str(*input) + " (a multiple of " +
                       llvm::Twine(staticCount) + " elements) to " + shape::list(*shape) + " (" +
                       llvm::Twine(known) + " elements)");
    for (int64_t &d : out)
      if (d == -1) d = kDynamic;
  }
  inferred.push_back(RankedTensorType::get(out, input->getElementType()));
  return success();
}

NABLA_INFER_RETURN_TYPES(FlattenOp) {
  auto input = diag.ranked(adaptor.getInput(), "input");
  auto axisAttr = diag.integer(adaptor.getAxisAttr(), "axis");
  if (failed(input) || failed(axisAttr)) return failure();
  int64_t rank = input->getRank(), axis = *axisAttr;
  if (axis < -rank || axis > rank)
    return diag.fail("axis " + llvm::Twine(axis) + " is out of range for " + shape::str(*input));
  if (axis < 0) axis += rank;
  auto dims = input->getShape();
  inferred.push_back(RankedTensorType::get(
      {shape::product(dims.take_front(axis)), shape::product(dims.drop_front(axis))},
      input->getElementType()));
  return success();
}

NABLA_INFER_RETURN_TYPES(BroadcastLikeOp) {
  auto input = diag.ranked(adaptor.getInput(), "input");
  auto like = diag.ranked(adaptor.getLike(), "like");
  if (failed(input) || failed(like)) return failure();
  if (!shape::broadcastsTo(input->getShape(), like->getShape()))
    return diag.fail(shape::str(*input) + " does not broadcast to the shape of " +
                     shape::str(*like));
  inferred.push_back(RankedTensorType::get(like->getShape(), input->getElementType()));
  return success();
}

NABLA_INFER_RETURN_TYPES(SumToLikeOp) {
  auto input = diag.ranked(adaptor.getInput(), "input");
  auto like = diag.ranked(adaptor.getLike(), "like");
  if (failed(input) || failed(like)) return failure();
  if (!shape::broadcastsTo(like->getShape(), input->getShape()))
    return diag.fail("the shape of " + shape::str(*like) + " does not broadcast to " +
                     shape::str(*input) + ", so there is nothing to sum back to");
  inferred.push_back(RankedTensorType::get(like->getShape(), input->getElementType()));
  return success();
}

NABLA_INFER_RETURN_TYPES(NumElementsOp) {
  auto input = diag.ranked(adaptor.getInput(), "input");
  auto axes = diag.ints(adaptor.getAxesAttr(), "axes");
  if (failed(input) || failed(axes)) return failure();
  llvm::SmallVector<bool> seen(input->getRank(), false);
  for (int64_t axis : *axes) {
    auto normalized = diag.axis(axis, *input, "axes");
    if (failed(normalized)) return failure();
    if (seen[*normalized])
      return diag.fail("axis " + llvm::Twine(axis) + " is listed twice in 'axes' " +
                       shape::list(*axes));
    seen[*normalized] = true;
  }
  inferred.push_back(RankedTensorType::get({}, Float32Type::get(context)));
  return success();
}

NABLA_INFER_RETURN_TYPES(OneHotOp) {
  auto indices = diag.ranked(adaptor.getIndices(), "indices");
  auto depth = diag.integer(adaptor.getDepthAttr(), "depth");
  if (failed(indices) || failed(depth)) return failure();
  if (!indices->getElementType().isa<IntegerType>())
    return diag.fail("indices must be integers, got " + shape::str(*indices));
  if (*depth < 1) return diag.fail("depth must be positive, got " + llvm::Twine(*depth));
  llvm::SmallVector<int64_t> out(indices->getShape().begin(), indices->getShape().end());
  out.push_back(*depth);
  inferred.push_back(RankedTensorType::get(out, Float32Type::get(context)));
  return success();
}
