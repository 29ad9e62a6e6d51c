// Result types of batch_norm, its backward op, and dropout.
#include "ir/Dialect.h"
#include "ir/ShapeHelpers.h"

using namespace mlir;
using namespace nabla;

namespace {
/// Checks a per-channel [C] parameter against the input's dimension 1.
LogicalResult checkChannelParam(const shape::Diag &diag, RankedTensorType input, Value value,
                                llvm::StringRef name) {
  auto param = diag.ranked(value, name, 1);
  if (failed(param)) return failure();
  if (!shape::compatible(param->getDimSize(0), input.getDimSize(1)))
    return diag.fail(llvm::Twine(name) + " " + shape::str(*param) +
                     " must have one entry per channel (dimension 1) of " + shape::str(input));
  return success();
}

FailureOr<RankedTensorType> channelInput(const shape::Diag &diag, Value value) {
  auto input = diag.ranked(value, "input");
  if (failed(input)) return failure();
  if (input->getRank() != 2 && input->getRank() != 4)
    return (void)diag.fail("input must be [N, C] or [N, C, H, W], got " + shape::str(*input)),
           failure();
  return input;
}
} // namespace

NABLA_INFER_RETURN_TYPES(BatchNormOp) {
  auto input = channelInput(diag, adaptor.getInput());
  if (failed(input) || failed(checkChannelParam(diag, *input, adaptor.getScale(), "scale")) ||
      failed(checkChannelParam(diag, *input, adaptor.getBias(), "bias")) ||
      failed(checkChannelParam(diag, *input, adaptor.getRunningMean(), "running_mean")) ||
      failed(checkChannelParam(diag, *input, adaptor.getRunningVar(), "running_var")))
    return failure();
  // Each updated statistic keeps the type of the one it replaces.
  inferred.append({*input, adaptor.getRunningMean().getType(), adaptor.getRunningVar().getType()});
  return success();
}

NABLA_INFER_RETURN_TYPES(BatchNormBackwardOp) {
  auto input = channelInput(diag, adaptor.getInput());
  auto grad = diag.ranked(adaptor.getGradOutput(), "grad_output");
  if (failed(input) || failed(grad) ||
      failed(checkChannelParam(diag, *input, adaptor.getScale(), "scale")))
    return failure();
  bool same = grad->getRank() == input->getRank();
  for (int64_t i = 0; same && i < input->getRank(); ++i)
    same = shape::compatible(grad->getDimSize(i), input->getDimSize(i));
  if (!same)
    return diag.fail("grad_output " + shape::str(*grad) + " must have the input's shape " +
                     shape::str(*input));
  auto scale = adaptor.getScale().getType();
  inferred.append({*input, scale, scale});
  return success();
}

NABLA_INFER_RETURN_TYPES(DropoutOp) {
  auto input = diag.ranked(adaptor.getInput(), "input");
  if (failed(input)) return failure();
  auto ratio = adaptor.getRatioAttr().dyn_cast_or_null<FloatAttr>();
  if (!ratio) return diag.fail("attribute 'ratio' must be a float");
  double r = ratio.getValueAsDouble();
  if (!(r >= 0.0 && r < 1.0))
    return diag.fail("ratio must be in [0, 1), got " + std::to_string(r));
  if (Value step = adaptor.getStep())
    if (failed(diag.ranked(step, "step", 0))) return failure();
  inferred.append({*input, *input});
  return success();
}
