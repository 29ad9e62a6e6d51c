// Reference kernels for conv2d, its two backward ops and the im2col/col2im
// pair. Each pair of forward/backward kernels walks one shared enumeration of
// (input, filter, output) index triples, so the backward kernels are exact
// adjoints of the forward one by construction; the tests check that claim
// independently (hand values, finite differences, the im2col path).
#include "backends/reference/Window.h"
#include "ir/Dialect.h"

using namespace mlir;

namespace nabla::reference {

namespace {
/// Shapes of one convolution: input x [N, C, H, W], filter w [O, C/g, KH, KW],
/// output y [N, O, OH, OW].
struct ConvLayout {
  Shape x, w, y;
  int64_t groups = 1;
  WindowGeometry geometry;
};

/// Validates channel counts against `groups` at run time (dynamic dims get
/// past the verifier) and derives the output shape.
ConvLayout convLayout(Operation *op, const Shape &x, const Shape &w, int64_t groups,
                      ArrayAttr strides, ArrayAttr pads, ArrayAttr dilations) {
  int64_t c = x[1], o = w[0];
  if (o % groups != 0)
    kernelError(op, "filter " + shapeToString(w) + " has " + std::to_string(o) +
                        " output channels, not divisible by groups = " + std::to_string(groups));
  if (c != w[1] * groups)
    kernelError(op, "input " + shapeToString(x) + " has " + std::to_string(c) +
                        " channels but filter " + shapeToString(w) + " expects " +
                        std::to_string(w[1]) + " x groups " + std::to_string(groups));
  ConvLayout l;
  l.x = x;
  l.w = w;
  l.groups = groups;
  l.geometry = windowGeometry(op, {w[2], w[3]}, strides, pads, dilations, x[2], x[3]);
  l.y = {x[0], o, l.geometry.outH, l.geometry.outW};
  return l;
}

/// Calls f(xIndex, wIndex, yIndex) for every product x * w that contributes
/// to an output element (padding taps contribute nothing and are skipped).
template <typename F> void forEachConvTerm(const ConvLayout &l, F f) {
  int64_t inPerGroup = l.w[1], outPerGroup = l.w[0] / l.groups;
  const WindowGeometry &g = l.geometry;
  for (int64_t n = 0; n < l.y[0]; ++n)
    for (int64_t oc = 0; oc < l.y[1]; ++oc) {
      int64_t firstInput = (oc / outPerGroup) * inPerGroup;
      for (int64_t oh = 0; oh < g.outH; ++oh)
        for (int64_t ow = 0; ow < g.outW; ++ow) {
          int64_t yi = offset4(l.y, n, oc, oh, ow);
          for (int64_t ci = 0; ci < inPerGroup; ++ci)
            g.forEachTap(oh, ow, [&](int64_t kh, int64_t kw, int64_t ih, int64_t iw) {
              f(offset4(l.x, n, firstInput + ci, ih, iw), offset4(l.w, oc, ci, kh, kw), yi);
            });
        }
    }
}

/// conv2d and fused_conv2d share their operands and attributes.
template <typename ConvOp> RefTensor conv2d(ConvOp op, llvm::ArrayRef<RefTensor> in) {
  const RefTensor &x = in[0], &w = in[1];
  ConvLayout l = convLayout(op, x.shape, w.shape, int64_t(op.getGroups()), op.getStrides(),
                            op.getPads(), op.getDilations());
  RefTensor y(checkedResultShape(op, l.y));
  if (op.getBias()) {
    const RefTensor &bias = in[2];
    requireShape(op, "bias", bias.shape, {l.y[1]}, "the filter " + w.describe());
    int64_t plane = l.y[2] * l.y[3];
    for (int64_t i = 0; i < y.numel(); ++i) y[i] = bias[(i / plane) % l.y[1]];
  }
  forEachConvTerm(l, [&](int64_t xi, int64_t wi, int64_t yi) { y[yi] += x[xi] * w[wi]; });
  return y;
}

RefTensor conv2dBackwardData(Conv2DBackwardDataOp op, llvm::ArrayRef<RefTensor> in) {
  const RefTensor &dy = in[0], &w = in[1];
  std::vector<int64_t> image = intsAttr(op.getImageSize());
  int64_t groups = int64_t(op.getGroups());
  Shape x = {dy.dim(0), w.dim(1) * groups, image[0], image[1]};
  ConvLayout l = convLayout(op, x, w.shape, groups, op.getStrides(), op.getPads(),
                            op.getDilations());
  requireShape(op, "grad_output", dy.shape, l.y,
               "conv2d of a " + shapeToString(x) + " input with filter " + w.describe());
  RefTensor dx(checkedResultShape(op, x));
  forEachConvTerm(l, [&](int64_t xi, int64_t wi, int64_t yi) { dx[xi] += dy[yi] * w[wi]; });
  return dx;
}

RefTensor conv2dBackwardFilter(Conv2DBackwardFilterOp op, llvm::ArrayRef<RefTensor> in) {
  const RefTensor &x = in[0], &dy = in[1];
  std::vector<int64_t> kernel = intsAttr(op.getKernelShape());
  int64_t groups = int64_t(op.getGroups());
  if (x.dim(1) % groups != 0)
    kernelError(op, "input " + x.describe() + " has a channel count not divisible by groups = " +
                        std::to_string(groups));
  Shape w = {dy.dim(1), x.dim(1) / groups, kernel[0], kernel[1]};
  ConvLayout l = convLayout(op, x.shape, w, groups, op.getStrides(), op.getPads(),
                            op.getDilations());
  requireShape(op, "grad_output", dy.shape, l.y,
               "conv2d of input " + x.describe() + " with a " + shapeToString(w) + " filter");
  RefTensor dw(checkedResultShape(op, w));
  forEachConvTerm(l, [&](int64_t xi, int64_t wi, int64_t yi) { dw[wi] += x[xi] * dy[yi]; });
  return dw;
}

/// Calls f(colsIndex, xIndex) for every entry of the im2col matrix of an
/// [n, c, H, W] image that reads a real pixel; the other entries (padding)
/// are 0. Rows are (n, oh, ow), columns (c, kh, kw), both row-major.
template <typename F> void forEachIm2ColEntry(const WindowGeometry &g, int64_t n, int64_t c, F f) {
  Shape x = {n, c, g.inH, g.inW};
  int64_t columns = c * g.taps();
  for (int64_t ni = 0; ni < n; ++ni)
    for (int64_t oh = 0; oh < g.outH; ++oh)
      for (int64_t ow = 0; ow < g.outW; ++ow) {
        int64_t row = (ni * g.outH + oh) * g.outW + ow;
        for (int64_t ci = 0; ci < c; ++ci)
          g.forEachTap(oh, ow, [&](int64_t kh, int64_t kw, int64_t ih, int64_t iw) {
            int64_t column = (ci * g.kernelH() + kh) * g.kernelW() + kw;
            f(row * columns + column, offset4(x, ni, ci, ih, iw));
          });
      }
}

RefTensor im2col(Im2ColOp op, llvm::ArrayRef<RefTensor> in) {
  const RefTensor &x = in[0];
  WindowGeometry g = windowGeometry(op, intsAttr(op.getKernelShape()), op.getStrides(),
                                    op.getPads(), op.getDilations(), x.dim(2), x.dim(3));
  RefTensor cols(checkedResultShape(
      op, {x.dim(0) * g.outH * g.outW, x.dim(1) * g.taps()}));
  forEachIm2ColEntry(g, x.dim(0), x.dim(1), [&](int64_t ci, int64_t xi) { cols[ci] = x[xi]; });
  return cols;
}

RefTensor col2im(Col2ImOp op, llvm::ArrayRef<RefTensor> in) {
  const RefTensor &cols = in[0];
  std::vector<int64_t> image = intsAttr(op.getImageSize());
  WindowGeometry g = windowGeometry(op, intsAttr(op.getKernelShape()), op.getStrides(),
                                    op.getPads(), op.getDilations(), image[0], image[1]);
  int64_t pixels = g.outH * g.outW;
  if (cols.dim(0) % pixels != 0 || cols.dim(1) % g.taps() != 0)
    kernelError(op, "input " + cols.describe() + " is not a [N*" + std::to_string(pixels) +
                        ", C*" + std::to_string(g.taps()) + "] im2col matrix for image_size " +
                        shapeToString(image));
  int64_t n = cols.dim(0) / pixels, c = cols.dim(1) / g.taps();
  RefTensor x(checkedResultShape(op, {n, c, image[0], image[1]}));
  forEachIm2ColEntry(g, n, c, [&](int64_t ci, int64_t xi) { x[xi] += cols[ci]; });
  return x;
}
} // namespace

void registerConvKernels(KernelTable &t) {
  t.add1<Conv2DOp>(conv2d<Conv2DOp>);
  t.add1<FusedConv2DOp>([](FusedConv2DOp op, llvm::ArrayRef<RefTensor> in) {
    return applyActivation(op.getActivation(), conv2d(op, in));
  });
  t.add1<Conv2DBackwardDataOp>(conv2dBackwardData);
  t.add1<Conv2DBackwardFilterOp>(conv2dBackwardFilter);
  t.add1<Im2ColOp>(im2col);
  t.add1<Col2ImOp>(col2im);
}

} // namespace nabla::reference
