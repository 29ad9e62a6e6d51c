#include "backends/halide/HostChecks.h"

#include "ir/Dialect.h"
#include "runtime/Error.h"

#include "Halide.h"

#include <limits>

namespace nabla::halide {

namespace {

/// Whether `v` is an argument that --nabla-split-function made for a value
/// that op `name` of an earlier part computed.
bool computedByEarlierPart(mlir::Value v, llvm::StringRef name) {
  auto arg = v.dyn_cast<mlir::BlockArgument>();
  auto func = arg ? mlir::dyn_cast<mlir::FuncOp>(arg.getOwner()->getParentOp()) : nullptr;
  if (!func) return false;
  auto role = func.getArgAttrOfType<mlir::StringAttr>(arg.getArgNumber(), "nabla.role");
  auto by = func.getArgAttrOfType<mlir::StringAttr>(arg.getArgNumber(), "nabla.computed_by");
  return role && role.getValue() == "intermediate" && by && by.getValue() == name;
}

/// The indices operand of a checked op and the (static) end of its range, or
/// a null value for ops that take no indices.
std::pair<mlir::Value, int64_t> checkedIndicesOf(mlir::Operation *op) {
  auto classes = [](mlir::Value logits) {
    auto type = logits.getType().cast<mlir::RankedTensorType>();
    return type.isDynamicDim(1) ? int64_t(-1) : type.getDimSize(1);
  };
  auto integer = [](mlir::Value labels) {
    return labels.getType().cast<mlir::ShapedType>().getElementType().isa<mlir::IntegerType>();
  };
  if (auto loss = mlir::dyn_cast<SoftmaxCrossEntropyOp>(op); loss && integer(loss.getLabels()))
    return {loss.getLabels(), classes(loss.getLogits())};
  if (auto back = mlir::dyn_cast<SoftmaxCrossEntropyBackwardOp>(op); back && integer(back.getLabels()))
    return {back.getLabels(), classes(back.getLogits())};
  if (auto oneHot = mlir::dyn_cast<OneHotOp>(op))
    return {oneHot.getIndices(), int64_t(oneHot.getDepth())};
  if (auto route = mlir::dyn_cast<MaxPool2DIndicesBackwardOp>(op)) {
    // The taps a max_pool2d_with_indices returns lie in its window, also
    // when an earlier part of a split function computed them.
    if (route.getIndices().getDefiningOp<MaxPool2DWithIndicesOp>() ||
        computedByEarlierPart(route.getIndices(), MaxPool2DWithIndicesOp::getOperationName()))
      return {};
    return {route.getIndices(), windowTaps(route)};
  }
  return {};
}

template <typename T>
void checkRange(const Tensor &indices, const IndexCheck &check, const std::string &name,
                const std::string &where) {
  const T *data = indices.data<T>();
  int64_t count = indices.numel();
  for (int64_t i = 0; i < count; ++i)
    if (data[i] < 0 || int64_t(data[i]) >= check.bound)
      throw Error(where + ": input " + name + "[" + std::to_string(i) + "] = " +
                  std::to_string(data[i]) + " " + check.message + " " + std::to_string(check.bound));
}

} // namespace

int64_t windowTaps(mlir::Operation *maxPoolIndicesBackward) {
  auto op = mlir::cast<MaxPool2DIndicesBackwardOp>(maxPoolIndicesBackward);
  int64_t taps = 1;
  for (mlir::Attribute k : op.getKernelShape()) taps *= k.cast<mlir::IntegerAttr>().getInt();
  return taps;
}

std::string indexRangeMessage(mlir::Operation *op) {
  if (mlir::isa<OneHotOp>(op)) return "is an index outside one_hot's [0, depth) with depth";
  if (mlir::isa<MaxPool2DIndicesBackwardOp>(op))
    return "is a tap outside max_pool2d_indices_backward's window [0, KH * KW) with KH * KW";
  return "is a label outside softmax_cross_entropy's [0, classes) with classes";
}

HostChecks hostChecksOf(mlir::FuncOp func) {
  HostChecks checks;
  func.walk([&](mlir::Operation *op) {
    // A callee's indices are values of the caller: not followed here.
    if (mlir::isa<mlir::CallOpInterface>(op)) checks.complete = false;
    auto [indices, bound] = checkedIndicesOf(op);
    if (!indices) return;
    auto argument = indices.dyn_cast<mlir::BlockArgument>();
    if (!argument || argument.getOwner()->getParentOp() != func || bound < 0) {
      checks.complete = false;
      return;
    }
    for (const IndexCheck &known : checks.indices)
      if (known.argument == argument.getArgNumber() && known.bound == bound) return;
    checks.indices.push_back({argument.getArgNumber(), bound, indexRangeMessage(op)});
  });
  return checks;
}

void checkIndexInputs(const HostChecks &checks, const std::vector<Tensor> &inputs,
                      const std::vector<std::string> &inputNames, const std::string &where) {
  for (const IndexCheck &check : checks.indices) {
    const Tensor &indices = inputs.at(check.argument);
    const std::string &name = inputNames.at(check.argument);
    switch (indices.dtype()) {
    case DType::I32: checkRange<int32_t>(indices, check, name, where); break;
    case DType::I64: checkRange<int64_t>(indices, check, name, where); break;
    default: throw Error(where + ": input " + name + " holds indices but is " + indices.describe());
    }
  }
}

void checkBufferSizes(const std::vector<Tensor> &tensors, const std::vector<std::string> &names,
                      const std::string &where) {
  for (size_t i = 0; i < tensors.size(); ++i)
    if (tensors[i].numel() > std::numeric_limits<int32_t>::max())
      throw Error(where + ": " + names.at(i) + " (" + tensors[i].describe() +
                  ") has 2^31 elements or more: beyond a Halide buffer's 32-bit strides");
}

Halide::Target uncheckedTarget(const Halide::Target &target) {
  return target.with_feature(Halide::Target::NoAsserts)
      .with_feature(Halide::Target::NoBoundsQuery)
      .with_feature(Halide::Target::LargeBuffers);
}

} // namespace nabla::halide
