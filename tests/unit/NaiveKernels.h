// Independent naive double-precision loops for the ops whose reference
// kernels are still being written on other branches. Each is the textbook
// definition written out directly; once the reference interpreter has the
// kernel, tests swap to referenceOracle and these can go.
#pragma once

#include "backends/reference/RefTensor.h"

#include <array>

namespace nabla::testing::naive {

using reference::RefTensor;

struct Window {
  std::array<int64_t, 2> kernel, stride = {1, 1}, dilation = {1, 1};
  std::array<int64_t, 4> pads = {0, 0, 0, 0}; // top, left, bottom, right
  int64_t outH(int64_t h) const {
    return (h + pads[0] + pads[2] - dilation[0] * (kernel[0] - 1) - 1) / stride[0] + 1;
  }
  int64_t outW(int64_t w) const {
    return (w + pads[1] + pads[3] - dilation[1] * (kernel[1] - 1) - 1) / stride[1] + 1;
  }
};

RefTensor matmul(const RefTensor &a, const RefTensor &b, bool ta, bool tb);
RefTensor transpose(const RefTensor &x, const std::vector<int64_t> &perm);
/// Sum / mean / max over `axes` (all when empty).
RefTensor reduce(const RefTensor &x, std::vector<int64_t> axes, bool keepdims,
                 const std::string &kind);
RefTensor argmax(const RefTensor &x, int64_t axis, bool keepdims);
RefTensor softmax(const RefTensor &x, int64_t axis, bool log);
/// labels: integer [N] (isInteger) or one-hot [N, C].
RefTensor softmaxCrossEntropy(const RefTensor &logits, const RefTensor &labels);
RefTensor softmaxCrossEntropyBackward(const RefTensor &logits, const RefTensor &labels,
                                      double gradLoss);
RefTensor mseLoss(const RefTensor &p, const RefTensor &t);
/// Sums `x` down to `shape` (numpy broadcasting in reverse).
RefTensor sumTo(const RefTensor &x, const Shape &shape);

RefTensor conv2d(const RefTensor &x, const RefTensor &w, const RefTensor *bias, const Window &win,
                 int64_t groups);
RefTensor conv2dBackwardData(const RefTensor &dy, const RefTensor &w, const Window &win,
                             int64_t groups, int64_t h, int64_t wd);
RefTensor conv2dBackwardFilter(const RefTensor &x, const RefTensor &dy, const Window &win,
                               int64_t groups);
RefTensor im2col(const RefTensor &x, const Window &win);
RefTensor col2im(const RefTensor &cols, const Window &win, int64_t n, int64_t c, int64_t h,
                 int64_t w);
RefTensor maxPool(const RefTensor &x, const Window &win);
RefTensor avgPool(const RefTensor &x, const Window &win, bool countIncludePad);
RefTensor maxPoolBackward(const RefTensor &x, const RefTensor &dy, const Window &win);
RefTensor avgPoolBackward(const RefTensor &dy, const Window &win, bool countIncludePad, int64_t h,
                          int64_t w);

} // namespace nabla::testing::naive
