// Reference kernels for max/average pooling and their backward ops. Padded
// cells never win a max (ONNX MaxPool) and, unless count_include_pad is set,
// are left out of an average's divisor (ONNX AveragePool's default). Forward
// and backward share the window walk and the "which input / what divisor"
// decisions, so the backward ops route gradients exactly where the forward
// ops read from.
#include "backends/reference/Window.h"
#include "ir/Dialect.h"

#include <string>

using namespace mlir;

namespace nabla::reference {

namespace {
/// The geometry of a pool op's window over an h x w image.
template <typename PoolOp> WindowGeometry poolGeometry(PoolOp op, int64_t h, int64_t w) {
  return windowGeometry(op, intsAttr(op.getKernelShape()), op.getStrides(), op.getPads(),
                        /*dilations=*/nullptr, h, w);
}

[[noreturn]] void emptyWindow(Operation *op, int64_t oh, int64_t ow) {
  kernelError(op, "pooling window at output (" + std::to_string(oh) + ", " + std::to_string(ow) +
                      ") lies entirely in the padding");
}

/// Calls f(inOffset, outOffset) for each of the N*C image planes: offsets of
/// the plane in the input [N, C, H, W] and the output [N, C, OH, OW].
template <typename F> void forEachPlane(int64_t n, int64_t c, const WindowGeometry &g, F f) {
  for (int64_t p = 0; p < n * c; ++p) f(p * g.inH * g.inW, p * g.outH * g.outW);
}

/// Where the first maximum (row-major tap order) of output pixel (oh, ow)'s
/// window lies: its plane-relative index and its tap kh * KW + kw (what
/// max_pool2d_with_indices returns).
struct WindowMax {
  int64_t index = -1, tap = -1;
};

WindowMax firstMax(Operation *op, const WindowGeometry &g, const RefTensor &x, int64_t base,
                   int64_t oh, int64_t ow) {
  WindowMax best;
  g.forEachTap(oh, ow, [&](int64_t kh, int64_t kw, int64_t ih, int64_t iw) {
    int64_t i = ih * g.inW + iw;
    if (best.index < 0 || x[base + i] > x[base + best.index]) best = {i, kh * g.kernelW() + kw};
  });
  if (best.index < 0) emptyWindow(op, oh, ow);
  return best;
}

/// The number an average over output pixel (oh, ow)'s window divides by.
double avgDivisor(Operation *op, const WindowGeometry &g, bool countIncludePad, int64_t oh,
                  int64_t ow) {
  if (countIncludePad) return double(g.taps());
  int64_t inside = 0;
  g.forEachTap(oh, ow, [&](int64_t, int64_t, int64_t, int64_t) { ++inside; });
  if (inside == 0) emptyWindow(op, oh, ow);
  return double(inside);
}

RefTensor maxPool(MaxPool2DOp op, llvm::ArrayRef<RefTensor> in) {
  const RefTensor &x = in[0];
  WindowGeometry g = poolGeometry(op, x.dim(2), x.dim(3));
  RefTensor y(checkedResultShape(op, {x.dim(0), x.dim(1), g.outH, g.outW}));
  forEachPlane(x.dim(0), x.dim(1), g, [&](int64_t xBase, int64_t yBase) {
    for (int64_t oh = 0; oh < g.outH; ++oh)
      for (int64_t ow = 0; ow < g.outW; ++ow)
        y[yBase + oh * g.outW + ow] = x[xBase + firstMax(op, g, x, xBase, oh, ow).index];
  });
  return y;
}

RefTensor maxPoolBackward(MaxPool2DBackwardOp op, llvm::ArrayRef<RefTensor> in) {
  const RefTensor &x = in[0], &dy = in[1];
  WindowGeometry g = poolGeometry(op, x.dim(2), x.dim(3));
  requireShape(op, "grad_output", dy.shape, {x.dim(0), x.dim(1), g.outH, g.outW},
               "max_pool2d of input " + x.describe());
  RefTensor dx(checkedResultShape(op, x.shape));
  forEachPlane(x.dim(0), x.dim(1), g, [&](int64_t xBase, int64_t yBase) {
    for (int64_t oh = 0; oh < g.outH; ++oh)
      for (int64_t ow = 0; ow < g.outW; ++ow)
        dx[xBase + firstMax(op, g, x, xBase, oh, ow).index] += dy[yBase + oh * g.outW + ow];
  });
  return dx;
}

std::vector<RefTensor> maxPoolWithIndices(MaxPool2DWithIndicesOp op,
                                          llvm::ArrayRef<RefTensor> in) {
  const RefTensor &x = in[0];
  WindowGeometry g = poolGeometry(op, x.dim(2), x.dim(3));
  Shape pooled = checkedResultShape(op, {x.dim(0), x.dim(1), g.outH, g.outW});
  RefTensor y(pooled), indices(pooled);
  indices.isInteger = true;
  forEachPlane(x.dim(0), x.dim(1), g, [&](int64_t xBase, int64_t yBase) {
    for (int64_t oh = 0; oh < g.outH; ++oh)
      for (int64_t ow = 0; ow < g.outW; ++ow) {
        WindowMax best = firstMax(op, g, x, xBase, oh, ow);
        y[yBase + oh * g.outW + ow] = x[xBase + best.index];
        indices[yBase + oh * g.outW + ow] = double(best.tap);
      }
  });
  return {y, indices};
}

RefTensor maxPoolIndicesBackward(MaxPool2DIndicesBackwardOp op, llvm::ArrayRef<RefTensor> in) {
  const RefTensor &indices = in[0], &dy = in[1];
  std::vector<int64_t> image = intsAttr(op.getImageSize());
  WindowGeometry g = poolGeometry(op, image[0], image[1]);
  requireShape(op, "grad_output", dy.shape, {dy.dim(0), dy.dim(1), g.outH, g.outW},
               "max_pool2d of a " + shapeToString(image) + " image");
  requireShape(op, "indices", indices.shape, dy.shape, "grad_output " + dy.describe());
  RefTensor dx(checkedResultShape(op, {dy.dim(0), dy.dim(1), image[0], image[1]}));
  forEachPlane(dy.dim(0), dy.dim(1), g, [&](int64_t xBase, int64_t yBase) {
    for (int64_t oh = 0; oh < g.outH; ++oh)
      for (int64_t ow = 0; ow < g.outW; ++ow) {
        int64_t tap = int64_t(indices[yBase + oh * g.outW + ow]);
        bool routed = false;
        g.forEachTap(oh, ow, [&](int64_t kh, int64_t kw, int64_t ih, int64_t iw) {
          if (kh * g.kernelW() + kw != tap) return;
          dx[xBase + ih * g.inW + iw] += dy[yBase + oh * g.outW + ow];
          routed = true;
        });
        if (!routed)
          kernelError(op, "indices value " + std::to_string(tap) + " at output (" +
                              std::to_string(oh) + ", " + std::to_string(ow) +
                              ") is not a tap of the window inside the image");
      }
  });
  return dx;
}

RefTensor avgPool(AvgPool2DOp op, llvm::ArrayRef<RefTensor> in) {
  const RefTensor &x = in[0];
  WindowGeometry g = poolGeometry(op, x.dim(2), x.dim(3));
  RefTensor y(checkedResultShape(op, {x.dim(0), x.dim(1), g.outH, g.outW}));
  bool includePad = op.getCountIncludePad();
  forEachPlane(x.dim(0), x.dim(1), g, [&](int64_t xBase, int64_t yBase) {
    for (int64_t oh = 0; oh < g.outH; ++oh)
      for (int64_t ow = 0; ow < g.outW; ++ow) {
        double divisor = avgDivisor(op, g, includePad, oh, ow), sum = 0;
        g.forEachTap(oh, ow, [&](int64_t, int64_t, int64_t ih, int64_t iw) {
          sum += x[xBase + ih * g.inW + iw];
        });
        y[yBase + oh * g.outW + ow] = sum / divisor;
      }
  });
  return y;
}

RefTensor avgPoolBackward(AvgPool2DBackwardOp op, llvm::ArrayRef<RefTensor> in) {
  const RefTensor &dy = in[0];
  std::vector<int64_t> image = intsAttr(op.getImageSize());
  WindowGeometry g = poolGeometry(op, image[0], image[1]);
  requireShape(op, "grad_output", dy.shape, {dy.dim(0), dy.dim(1), g.outH, g.outW},
               "avg_pool2d of a " + shapeToString(image) + " image");
  RefTensor dx(checkedResultShape(op, {dy.dim(0), dy.dim(1), image[0], image[1]}));
  bool includePad = op.getCountIncludePad();
  forEachPlane(dy.dim(0), dy.dim(1), g, [&](int64_t xBase, int64_t yBase) {
    for (int64_t oh = 0; oh < g.outH; ++oh)
      for (int64_t ow = 0; ow < g.outW; ++ow) {
        double share = dy[yBase + oh * g.outW + ow] / avgDivisor(op, g, includePad, oh, ow);
        g.forEachTap(oh, ow, [&](int64_t, int64_t, int64_t ih, int64_t iw) {
          dx[xBase + ih * g.inW + iw] += share;
        });
      }
  });
  return dx;
}
} // namespace

void registerPoolKernels(KernelTable &t) {
  t.add1<MaxPool2DOp>(maxPool);
  t.add1<MaxPool2DBackwardOp>(maxPoolBackward);
  t.add<MaxPool2DWithIndicesOp>(maxPoolWithIndices);
  t.add1<MaxPool2DIndicesBackwardOp>(maxPoolIndicesBackward);
  t.add1<AvgPool2DOp>(avgPool);
  t.add1<AvgPool2DBackwardOp>(avgPoolBackward);
}

} // namespace nabla::reference
