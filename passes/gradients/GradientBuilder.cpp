#include "passes/gradients/GradientBuilder.h"

#include "runtime/Error.h"

using namespace mlir;

namespace nabla::grad {

Value GradientBuilder::scalar(double value) {
  auto type = RankedTensorType::get({}, b_.getF32Type());
  auto attr = DenseElementsAttr::get(type, b_.getF32FloatAttr(float(value)).getValue());
  return op<ConstantOp>({}, {this->attr("value", attr)});
}

Value GradientBuilder::sumToLike(Value g, Value like) {
  auto likeType = like.getType().cast<RankedTensorType>();
  if (g.getType() == likeType) return g;
  return op<SumToLikeOp>({g, like});
}

Value GradientBuilder::broadcastLike(Value g, Value like) {
  if (g.getType() == like.getType()) return g;
  return op<BroadcastLikeOp>({g, like});
}

Value GradientBuilder::reshapeLike(Value g, Value like) {
  auto type = like.getType().cast<RankedTensorType>();
  if (g.getType() == type) return g;
  llvm::SmallVector<int64_t> shape;
  int dynamic = 0;
  for (int64_t d : type.getShape()) {
    shape.push_back(d == ShapedType::kDynamicSize ? -1 : d);
    dynamic += d == ShapedType::kDynamicSize;
  }
  if (dynamic > 1)
    throw Error(describeLocation(loc_) + ": cannot differentiate a reshape back to " +
                "a shape with more than one dynamic dimension");
  return op<ReshapeOp>({g}, {attr("shape", ints(shape))});
}

Value GradientBuilder::keepDims(Value g, Value input, llvm::ArrayRef<int64_t> axes, bool keepdims) {
  // A full reduction gives a scalar, which broadcasts against anything as is.
  if (keepdims || g.getType().cast<RankedTensorType>().getRank() == 0) return g;
  auto in = input.getType().cast<RankedTensorType>();
  int64_t rank = in.getRank();
  llvm::SmallVector<bool> reduced(rank, axes.empty());
  for (int64_t a : axes) reduced[a < 0 ? a + rank : a] = true;
  llvm::SmallVector<int64_t> shape;
  int dynamic = 0;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t size = reduced[d] ? 1 : in.getDimSize(d);
    dynamic += size == ShapedType::kDynamicSize;
    shape.push_back(size == ShapedType::kDynamicSize ? -1 : size);
  }
  if (dynamic > 1)
    throw Error(describeLocation(loc_) + ": cannot differentiate a reduction that keeps more " +
                "than one dynamic dimension");
  return op<ReshapeOp>({g}, {attr("shape", ints(shape))});
}

Value GradientBuilder::reduceSum(Value x, llvm::ArrayRef<int64_t> axes, bool keepdims) {
  return op<ReduceSumOp>({x}, {attr("axes", ints(axes)), attr("keepdims", b_.getBoolAttr(keepdims))});
}

Value GradientBuilder::zerosLike(Value like) { return op<BroadcastLikeOp>({scalar(0.0), like}); }

} // namespace nabla::grad
