// Sliding-window geometry shared by the conv, im2col/col2im and pool kernels:
// which input pixel each tap of each output pixel reads, given stride,
// asymmetric padding and dilation. Output sizes come from the same
// shape::Window arithmetic that result-type inference uses, so the kernels
// and the verifier cannot disagree about them.
#pragma once

#include "backends/reference/Kernels.h"
#include "ir/ShapeHelpers.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"

namespace nabla::reference {

struct WindowGeometry {
  shape::Window window;
  int64_t inH = 0, inW = 0;   // image size (unpadded)
  int64_t outH = 0, outW = 0; // number of window positions

  int64_t kernelH() const { return window.kernel[0]; }
  int64_t kernelW() const { return window.kernel[1]; }
  int64_t taps() const { return window.kernel[0] * window.kernel[1]; }

  /// Image row read by tap kh of output row oh (negative or >= inH in padding).
  int64_t inputRow(int64_t oh, int64_t kh) const {
    return oh * window.stride[0] - window.padBegin[0] + kh * window.dilation[0];
  }
  int64_t inputCol(int64_t ow, int64_t kw) const {
    return ow * window.stride[1] - window.padBegin[1] + kw * window.dilation[1];
  }
  bool inside(int64_t ih, int64_t iw) const { return ih >= 0 && ih < inH && iw >= 0 && iw < inW; }

  /// Calls f(kh, kw, ih, iw) for every tap of output pixel (oh, ow) that
  /// lands inside the image, in row-major tap order (the order that decides
  /// which of several equal maxima is "first").
  template <typename F> void forEachTap(int64_t oh, int64_t ow, F f) const {
    for (int64_t kh = 0; kh < window.kernel[0]; ++kh) {
      int64_t ih = inputRow(oh, kh);
      if (ih < 0 || ih >= inH) continue;
      for (int64_t kw = 0; kw < window.kernel[1]; ++kw) {
        int64_t iw = inputCol(ow, kw);
        if (iw >= 0 && iw < inW) f(kh, kw, ih, iw);
      }
    }
  }
};

/// The geometry of a kernel[0] x kernel[1] window (`dilations` may be null:
/// pooling) sliding over an h x w image; throws naming `op` when the window
/// does not fit the padded image. The attributes were validated by
/// result-type inference.
inline WindowGeometry windowGeometry(mlir::Operation *op, const std::vector<int64_t> &k,
                                     mlir::ArrayAttr strides, mlir::ArrayAttr pads,
                                     mlir::ArrayAttr dilations, int64_t h, int64_t w) {
  std::vector<int64_t> s = intsAttr(strides), p = intsAttr(pads);
  std::vector<int64_t> d = dilations ? intsAttr(dilations) : std::vector<int64_t>{1, 1};
  WindowGeometry g;
  for (int i = 0; i < 2; ++i) {
    g.window.kernel[i] = k[i];
    g.window.stride[i] = s[i];
    g.window.padBegin[i] = p[i];
    g.window.padEnd[i] = p[i + 2];
    g.window.dilation[i] = d[i];
  }
  g.inH = h;
  g.inW = w;
  g.outH = g.window.outputSize(0, h);
  g.outW = g.window.outputSize(1, w);
  if (g.outH < 1 || g.outW < 1)
    kernelError(op, "window " + shape::str({k[0], k[1]}) + " (strides " + shape::str(s) +
                        ", pads " + shape::str(p) + ", dilations " + shape::str(d) +
                        ") does not fit an image of " + shape::str({h, w}));
  return g;
}

/// The shape a kernel computed from its run-time operands, checked against
/// the static dimensions of the op's result type (dynamic ones, like the
/// batch, take the computed value).
inline Shape checkedResultShape(mlir::Operation *op, const Shape &computed) {
  auto type = op->getResult(0).getType().cast<mlir::RankedTensorType>();
  bool ok = type.getRank() == int64_t(computed.size());
  for (int64_t i = 0; ok && i < type.getRank(); ++i)
    ok = type.isDynamicDim(i) || type.getDimSize(i) == computed[size_t(i)];
  if (!ok)
    kernelError(op, "operands give a result of shape " + shapeToString(computed) +
                        " but the result type is " + shape::str(type));
  return computed;
}

/// Throws naming `op` unless operand `what` has the shape the window
/// arithmetic expects (e.g. a grad_output matching its forward op's output).
inline void requireShape(mlir::Operation *op, const std::string &what, const Shape &actual,
                         const Shape &expected, const std::string &because) {
  if (actual != expected)
    kernelError(op, what + " has shape " + shapeToString(actual) + " but " + because +
                        " gives " + shapeToString(expected));
}

/// Row-major offset of (a, b, c, d) in a rank-4 tensor.
inline int64_t offset4(const Shape &s, int64_t a, int64_t b, int64_t c, int64_t d) {
  return ((a * s[1] + b) * s[2] + c) * s[3] + d;
}

} // namespace nabla::reference
