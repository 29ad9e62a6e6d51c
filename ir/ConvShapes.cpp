// Result types of convolution, pooling, im2col/col2im and their backward ops.
#include "ir/Dialect.h"
#include "ir/ShapeHelpers.h"

#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace nabla;
using shape::kDynamic;

namespace {
/// An [O, C/groups, KH, KW] filter on its own: a static, positive kernel
/// (conv2d has no kernel_shape attribute to blame) and O divisible by groups.
LogicalResult checkFilterShape(const shape::Diag &diag, RankedTensorType filter, int64_t groups) {
  if (groups < 1) return diag.fail("groups must be positive, got " + llvm::Twine(groups));
  int64_t o = filter.getDimSize(0), kh = filter.getDimSize(2), kw = filter.getDimSize(3);
  if (kh == kDynamic || kw == kDynamic || kh < 1 || kw < 1)
    return diag.fail("filter " + shape::str(filter) + " must have a static, positive kernel size");
  if (o != kDynamic && o % groups != 0)
    return diag.fail("filter " + shape::str(filter) + " has " + llvm::Twine(o) +
                     " output channels, not divisible by groups = " + llvm::Twine(groups));
  return success();
}

/// The [O, C/groups, KH, KW] filter checked against an NCHW input's channels.
LogicalResult checkFilter(const shape::Diag &diag, RankedTensorType input,
                          RankedTensorType filter, int64_t groups) {
  if (failed(checkFilterShape(diag, filter, groups))) return failure();
  int64_t c = input.getDimSize(1), cg = filter.getDimSize(1);
  if (c != kDynamic && cg != kDynamic && c != cg * groups)
    return diag.fail("input " + shape::str(input) + " has " + llvm::Twine(c) +
                     " channels but filter " + shape::str(filter) + " expects " +
                     llvm::Twine(cg) + " x groups " + llvm::Twine(groups));
  return success();
}

ArrayAttr kernelOf(MLIRContext *context, RankedTensorType filter) {
  return Builder(context).getI64ArrayAttr({filter.getDimSize(2), filter.getDimSize(3)});
}

/// Checks that the window applied to image_size produces grad_output's size.
LogicalResult checkGradSpatial(const shape::Diag &diag, const shape::Window &w,
                               llvm::ArrayRef<int64_t> image, RankedTensorType gradOutput) {
  for (int i = 0; i < 2; ++i) {
    if (image[i] < 1) return diag.fail("image_size must be positive, got " + shape::list(image));
    int64_t expected = w.outputSize(i, image[i]);
    if (expected < 1 || !shape::compatible(expected, gradOutput.getDimSize(2 + i)))
      return diag.fail("grad_output " + shape::str(gradOutput) + " does not match image_size " +
                       shape::list(image) + " (the forward op produces " +
                       llvm::Twine(w.outputSize(0, image[0])) + "x" +
                       llvm::Twine(w.outputSize(1, image[1])) + ")");
  }
  return success();
}
} // namespace

namespace nabla::shape {
FailureOr<RankedTensorType> inferConv2D(const Diag &diag, MLIRContext *context, Value inputValue,
                                        Value filterValue, Value biasValue, Attribute strides,
                                        Attribute pads, Attribute dilations, Attribute groupsAttr) {
  auto input = diag.ranked(inputValue, "input", 4);
  auto filter = diag.ranked(filterValue, "filter", 4);
  auto groups = diag.integer(groupsAttr, "groups");
  if (failed(input) || failed(filter) || failed(groups) ||
      failed(checkFilter(diag, *input, *filter, *groups)))
    return failure();
  if (biasValue) {
    auto bias = diag.ranked(biasValue, "bias", 1);
    if (failed(bias)) return failure();
    if (!compatible(bias->getDimSize(0), filter->getDimSize(0)))
      return (void)diag.fail("bias " + str(*bias) + " must have one entry per output channel of " +
                             str(*filter)),
             failure();
  }
  auto w = window(diag, kernelOf(context, *filter), strides, pads, dilations);
  if (failed(w)) return failure();
  auto out = windowOutput(diag, *w, *input);
  if (failed(out)) return failure();
  return RankedTensorType::get({input->getDimSize(0), filter->getDimSize(0), out->first, out->second},
                               input->getElementType());
}
} // namespace nabla::shape

NABLA_INFER_RETURN_TYPES(Conv2DOp) {
  auto type = shape::inferConv2D(diag, context, adaptor.getInput(), adaptor.getFilter(),
                                 adaptor.getBias(), adaptor.getStridesAttr(), adaptor.getPadsAttr(),
                                 adaptor.getDilationsAttr(), adaptor.getGroupsAttr());
  if (failed(type)) return failure();
  inferred.push_back(*type);
  return success();
}

#define NABLA_POOL(Op)                                                                             \
  NABLA_INFER_RETURN_TYPES(Op) {                                                                   \
    auto input = diag.ranked(adaptor.getInput(), "input", 4);                                      \
    if (failed(input)) return failure();                                                           \
    auto w = shape::window(diag, adaptor.getKernelShapeAttr(), adaptor.getStridesAttr(),           \
                           adaptor.getPadsAttr(), nullptr);                                        \
    if (failed(w)) return failure();                                                               \
    auto out = shape::windowOutput(diag, *w, *input);                                              \
    if (failed(out)) return failure();                                                             \
    inferred.push_back(RankedTensorType::get(                                                      \
        {input->getDimSize(0), input->getDimSize(1), out->first, out->second},                     \
        input->getElementType()));                                                                 \
    return success();                                                                              \
  }
NABLA_POOL(MaxPool2DOp)
NABLA_POOL(AvgPool2DOp)
#undef NABLA_POOL

NABLA_INFER_RETURN_TYPES(MaxPool2DWithIndicesOp) {
  auto input = diag.ranked(adaptor.getInput(), "input", 4);
  if (failed(input)) return failure();
  auto w = shape::window(diag, adaptor.getKernelShapeAttr(), adaptor.getStridesAttr(),
                         adaptor.getPadsAttr(), nullptr);
  if (failed(w)) return failure();
  auto out = shape::windowOutput(diag, *w, *input);
  if (failed(out)) return failure();
  llvm::SmallVector<int64_t, 4> pooled = {input->getDimSize(0), input->getDimSize(1), out->first,
                                          out->second};
  inferred.push_back(RankedTensorType::get(pooled, input->getElementType()));
  inferred.push_back(RankedTensorType::get(pooled, IntegerType::get(context, 32)));
  return success();
}

NABLA_INFER_RETURN_TYPES(Im2ColOp) {
  auto input = diag.ranked(adaptor.getInput(), "input", 4);
  if (failed(input)) return failure();
  auto w = shape::window(diag, adaptor.getKernelShapeAttr(), adaptor.getStridesAttr(),
                         adaptor.getPadsAttr(), adaptor.getDilationsAttr());
  if (failed(w)) return failure();
  auto out = shape::windowOutput(diag, *w, *input);
  if (failed(out)) return failure();
  inferred.push_back(RankedTensorType::get(
      {shape::product({input->getDimSize(0), out->first, out->second}),
       shape::product({input->getDimSize(1), w->kernel[0], w->kernel[1]})},
      input->getElementType()));
  return success();
}

NABLA_INFER_RETURN_TYPES(Col2ImOp) {
  auto input = diag.ranked(adaptor.getInput(), "input", 2);
  auto image = diag.ints(adaptor.getImageSizeAttr(), "image_size", 2);
  if (failed(input) || failed(image)) return failure();
  auto w = shape::window(diag, adaptor.getKernelShapeAttr(), adaptor.getStridesAttr(),
                         adaptor.getPadsAttr(), adaptor.getDilationsAttr());
  if (failed(w)) return failure();
  if ((*image)[0] < 1 || (*image)[1] < 1)
    return diag.fail("image_size must be positive, got " + shape::list(*image));
  int64_t oh = w->outputSize(0, (*image)[0]), ow = w->outputSize(1, (*image)[1]);
  if (oh < 1 || ow < 1)
    return diag.fail("window " +
                     shape::list({w->dilation[0] * (w->kernel[0] - 1) + 1,
                                  w->dilation[1] * (w->kernel[1] - 1) + 1}) +
                     " does not fit image_size " + shape::list(*image) + " (pads " +
                     shape::list({w->padBegin[0], w->padBegin[1], w->padEnd[0], w->padEnd[1]}) +
                     ")");
  int64_t rows = input->getDimSize(0), cols = input->getDimSize(1);
  int64_t window = w->kernel[0] * w->kernel[1];
  if (cols == kDynamic || cols % window != 0)
    return diag.fail("input " + shape::str(*input) + " must have a static column count that is a "
                     "multiple of the window size " + llvm::Twine(window));
  if (rows != kDynamic && rows % (oh * ow) != 0)
    return diag.fail("input " + shape::str(*input) + " has a row count that is not a multiple of " +
                     llvm::Twine(oh * ow) + " output pixels per image");
  int64_t n = rows == kDynamic ? kDynamic : rows / (oh * ow);
  inferred.push_back(RankedTensorType::get({n, cols / window, (*image)[0], (*image)[1]},
                                           input->getElementType()));
  return success();
}

NABLA_INFER_RETURN_TYPES(Conv2DBackwardDataOp) {
  auto grad = diag.ranked(adaptor.getGradOutput(), "grad_output", 4);
  auto filter = diag.ranked(adaptor.getFilter(), "filter", 4);
  auto image = diag.ints(adaptor.getImageSizeAttr(), "image_size", 2);
  auto groups = diag.integer(adaptor.getGroupsAttr(), "groups");
  if (failed(grad) || failed(filter) || failed(image) || failed(groups) ||
      failed(checkFilterShape(diag, *filter, *groups)))
    return failure();
  if (!shape::compatible(grad->getDimSize(1), filter->getDimSize(0)))
    return diag.fail("grad_output " + shape::str(*grad) + " has a channel count other than the " +
                     "filter's output channels " + shape::str(*filter));
  auto w = shape::window(diag, kernelOf(context, *filter), adaptor.getStridesAttr(),
                         adaptor.getPadsAttr(), adaptor.getDilationsAttr());
  if (failed(w) || failed(checkGradSpatial(diag, *w, *image, *grad))) return failure();
  int64_t c = filter->getDimSize(1) == kDynamic ? kDynamic : filter->getDimSize(1) * *groups;
  inferred.push_back(RankedTensorType::get({grad->getDimSize(0), c, (*image)[0], (*image)[1]},
                                           grad->getElementType()));
  return success();
}

NABLA_INFER_RETURN_TYPES(Conv2DBackwardFilterOp) {
  auto input = diag.ranked(adaptor.getInput(), "input", 4);
  auto grad = diag.ranked(adaptor.getGradOutput(), "grad_output", 4);
  auto groups = diag.integer(adaptor.getGroupsAttr(), "groups");
  if (failed(input) || failed(grad) || failed(groups)) return failure();
  if (*groups < 1) return diag.fail("groups must be positive, got " + llvm::Twine(*groups));
  auto w = shape::window(diag, adaptor.getKernelShapeAttr(), adaptor.getStridesAttr(),
                         adaptor.getPadsAttr(), adaptor.getDilationsAttr());
  if (failed(w)) return failure();
  auto out = shape::windowOutput(diag, *w, *input);
  if (failed(out)) return failure();
  if (!shape::compatible(input->getDimSize(0), grad->getDimSize(0)) ||
      !shape::compatible(out->first, grad->getDimSize(2)) ||
      !shape::compatible(out->second, grad->getDimSize(3)))
    return diag.fail("grad_output " + shape::str(*grad) + " does not match the convolution of " +
                     shape::str(*input));
  int64_t c = input->getDimSize(1), o = grad->getDimSize(1);
  if (c == kDynamic || c % *groups != 0)
    return diag.fail("input " + shape::str(*input) + " must have a static channel count divisible "
                     "by groups = " + llvm::Twine(*groups));
  if (o != kDynamic && o % *groups != 0)
    return diag.fail("grad_output " + shape::str(*grad) + " has " + llvm::Twine(o) +
                     " output channels, not divisible by groups = " + llvm::Twine(*groups));
  inferred.push_back(RankedTensorType::get(
      {grad->getDimSize(1), c / *groups, w->kernel[0], w->kernel[1]}, input->getElementType()));
  return success();
}

NABLA_INFER_RETURN_TYPES(MaxPool2DBackwardOp) {
  auto input = diag.ranked(adaptor.getInput(), "input", 4);
  auto grad = diag.ranked(adaptor.getGradOutput(), "grad_output", 4);
  if (failed(input) || failed(grad)) return failure();
  auto w = shape::window(diag, adaptor.getKernelShapeAttr(), adaptor.getStridesAttr(),
                         adaptor.getPadsAttr(), nullptr);
  if (failed(w)) return failure();
  auto out = shape::windowOutput(diag, *w, *input);
  if (failed(out)) return failure();
  if (!shape::compatible(input->getDimSize(0), grad->getDimSize(0)) ||
      !shape::compatible(input->getDimSize(1), grad->getDimSize(1)) ||
      !shape::compatible(out->first, grad->getDimSize(2)) ||
      !shape::compatible(out->second, grad->getDimSize(3)))
    return diag.fail("grad_output " + shape::str(*grad) + " does not match the pooling of " +
                     shape::str(*input));
  inferred.push_back(*input);
  return success();
}

NABLA_INFER_RETURN_TYPES(MaxPool2DIndicesBackwardOp) {
  auto indices = diag.ranked(adaptor.getIndices(), "indices", 4);
  auto grad = diag.ranked(adaptor.getGradOutput(), "grad_output", 4);
  auto image = diag.ints(adaptor.getImageSizeAttr(), "image_size", 2);
  if (failed(indices) || failed(grad) || failed(image)) return failure();
  auto w = shape::window(diag, adaptor.getKernelShapeAttr(), adaptor.getStridesAttr(),
                         adaptor.getPadsAttr(), nullptr);
  if (failed(w) || failed(checkGradSpatial(diag, *w, *image, *grad))) return failure();
  for (int d = 0; d < 4; ++d)
    if (!shape::compatible(indices->getDimSize(d), grad->getDimSize(d)))
      return diag.fail("indices " + shape::str(*indices) + " and grad_output " +
                       shape::str(*grad) + " must have one shape");
  inferred.push_back(RankedTensorType::get(
      {grad->getDimSize(0), grad->getDimSize(1), (*image)[0], (*image)[1]},
      grad->getElementType()));
  return success();
}

NABLA_INFER_RETURN_TYPES(AvgPool2DBackwardOp) {
  auto grad = diag.ranked(adaptor.getGradOutput(), "grad_output", 4);
  auto image = diag.ints(adaptor.getImageSizeAttr(), "image_size", 2);
  if (failed(grad) || failed(image)) return failure();
  auto w = shape::window(diag, adaptor.getKernelShapeAttr(), adaptor.getStridesAttr(),
                         adaptor.getPadsAttr(), nullptr);
  if (failed(w) || failed(checkGradSpatial(diag, *w, *image, *grad))) return failure();
  inferred.push_back(RankedTensorType::get(
      {grad->getDimSize(0), grad->getDimSize(1), (*image)[0], (*image)[1]},
      grad->getElementType()));
  return success();
}
