#include "tests/unit/NaiveKernels.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace nabla::testing::naive {

namespace {
/// Row-major offset of `index` in `shape`.
int64_t offset(const Shape &shape, const std::vector<int64_t> &index) {
  int64_t o = 0;
  for (size_t i = 0; i < shape.size(); ++i) o = o * shape[i] + index[i];
  return o;
}
std::vector<int64_t> unravel(const Shape &shape, int64_t o) {
  std::vector<int64_t> index(shape.size());
  for (int64_t i = int64_t(shape.size()) - 1; i >= 0; --i) {
    index[i] = o % shape[i];
    o /= shape[i];
  }
  return index;
}
double &at4(RefTensor &t, int64_t a, int64_t b, int64_t c, int64_t d) {
  return t.data[size_t(((a * t.shape[1] + b) * t.shape[2] + c) * t.shape[3] + d)];
}
double at4(const RefTensor &t, int64_t a, int64_t b, int64_t c, int64_t d) {
  return t.data[size_t(((a * t.shape[1] + b) * t.shape[2] + c) * t.shape[3] + d)];
}
} // namespace

RefTensor matmul(const RefTensor &a, const RefTensor &b, bool ta, bool tb) {
  int64_t m = ta ? a.dim(1) : a.dim(0), k = ta ? a.dim(0) : a.dim(1);
  int64_t n = tb ? b.dim(0) : b.dim(1);
  RefTensor c({m, n});
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double s = 0;
      for (int64_t p = 0; p < k; ++p)
        s += (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
      c[i * n + j] = s;
    }
  return c;
}

RefTensor transpose(const RefTensor &x, const std::vector<int64_t> &perm) {
  Shape shape;
  for (int64_t p : perm) shape.push_back(x.dim(p));
  RefTensor y(shape);
  for (int64_t o = 0; o < y.numel(); ++o) {
    auto idx = unravel(shape, o);
    std::vector<int64_t> src(perm.size());
    for (size_t i = 0; i < perm.size(); ++i) src[perm[i]] = idx[i];
    y[o] = x[offset(x.shape, src)];
  }
  return y;
}

RefTensor reduce(const RefTensor &x, std::vector<int64_t> axes, bool keepdims,
                 const std::string &kind) {
  std::vector<bool> mask(x.rank(), axes.empty());
  for (int64_t a : axes) mask[a < 0 ? a + x.rank() : a] = true;
  Shape kept; // shape with reduced dims as 1
  for (int64_t d = 0; d < x.rank(); ++d) kept.push_back(mask[d] ? 1 : x.dim(d));
  RefTensor acc(kept, kind == "max" ? -std::numeric_limits<double>::infinity() : 0.0);
  int64_t count = 1;
  for (int64_t d = 0; d < x.rank(); ++d) count *= mask[d] ? x.dim(d) : 1;
  for (int64_t o = 0; o < x.numel(); ++o) {
    auto idx = unravel(x.shape, o);
    for (int64_t d = 0; d < x.rank(); ++d) if (mask[d]) idx[d] = 0;
    double &dst = acc[offset(kept, idx)];
    dst = kind == "max" ? std::max(dst, x[o]) : dst + x[o];
  }
  if (kind == "mean") for (double &v : acc.data) v /= double(count);
  if (!keepdims) {
    Shape out;
    for (int64_t d = 0; d < x.rank(); ++d) if (!mask[d]) out.push_back(x.dim(d));
    acc.shape = out;
  }
  return acc;
}

RefTensor argmax(const RefTensor &x, int64_t axis, bool keepdims) {
  if (axis < 0) axis += x.rank();
  Shape kept = x.shape;
  kept[axis] = 1;
  RefTensor out(kept);
  out.isInteger = true;
  for (int64_t o = 0; o < out.numel(); ++o) {
    auto idx = unravel(kept, o);
    int64_t best = 0;
    double bestValue = -std::numeric_limits<double>::infinity();
    for (int64_t i = 0; i < x.dim(axis); ++i) {
      idx[axis] = i;
      double v = x[offset(x.shape, idx)];
      if (i == 0 || v > bestValue) { best = i; bestValue = v; }
    }
    out[o] = double(best);
  }
  if (!keepdims) out.shape.erase(out.shape.begin() + axis);
  return out;
}

RefTensor softmax(const RefTensor &x, int64_t axis, bool log) {
  if (axis < 0) axis += x.rank();
  RefTensor y(x.shape);
  Shape rows = x.shape;
  rows[axis] = 1;
  for (int64_t o = 0; o < numElements(rows); ++o) {
    auto idx = unravel(rows, o);
    double m = -std::numeric_limits<double>::infinity(), s = 0;
    for (int64_t i = 0; i < x.dim(axis); ++i) { idx[axis] = i; m = std::max(m, x[offset(x.shape, idx)]); }
    for (int64_t i = 0; i < x.dim(axis); ++i) { idx[axis] = i; s += std::exp(x[offset(x.shape, idx)] - m); }
    for (int64_t i = 0; i < x.dim(axis); ++i) {
      idx[axis] = i;
      int64_t k = offset(x.shape, idx);
      y[k] = log ? x[k] - m - std::log(s) : std::exp(x[k] - m) / s;
    }
  }
  return y;
}

namespace {
RefTensor targets(const RefTensor &labels, int64_t n, int64_t c) {
  if (!labels.isInteger) return labels;
  RefTensor t({n, c});
  for (int64_t i = 0; i < n; ++i) t[i * c + int64_t(labels[i])] = 1;
  return t;
}
} // namespace

RefTensor softmaxCrossEntropy(const RefTensor &logits, const RefTensor &labels) {
  int64_t n = logits.dim(0), c = logits.dim(1);
  RefTensor ls = softmax(logits, 1, true), t = targets(labels, n, c);
  double s = 0;
  for (int64_t i = 0; i < n * c; ++i) s -= t[i] * ls[i];
  return RefTensor::scalar(s / double(n));
}

RefTensor softmaxCrossEntropyBackward(const RefTensor &logits, const RefTensor &labels,
                                      double gradLoss) {
  int64_t n = logits.dim(0), c = logits.dim(1);
  RefTensor p = softmax(logits, 1, false), t = targets(labels, n, c);
  for (int64_t i = 0; i < n * c; ++i) p[i] = gradLoss * (p[i] - t[i]) / double(n);
  return p;
}

RefTensor mseLoss(const RefTensor &p, const RefTensor &t) {
  double s = 0;
  for (int64_t i = 0; i < p.numel(); ++i) s += (p[i] - t[i]) * (p[i] - t[i]);
  double n = p.rank() >= 2 ? double(p.dim(0)) : 1.0;
  return RefTensor::scalar(0.5 * s / n);
}

RefTensor sumTo(const RefTensor &x, const Shape &shape) {
  RefTensor y(shape);
  int64_t lead = x.rank() - int64_t(shape.size());
  for (int64_t o = 0; o < x.numel(); ++o) {
    auto idx = unravel(x.shape, o);
    std::vector<int64_t> dst;
    for (size_t d = 0; d < shape.size(); ++d) dst.push_back(shape[d] == 1 ? 0 : idx[d + lead]);
    y[offset(shape, dst)] += x[o];
  }
  return y;
}

RefTensor conv2d(const RefTensor &x, const RefTensor &w, const RefTensor *bias, const Window &win,
                 int64_t groups) {
  int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), wd = x.dim(3);
  int64_t o = w.dim(0), cg = w.dim(1), og = o / groups;
  int64_t oh = win.outH(h), ow = win.outW(wd);
  RefTensor y({n, o, oh, ow});
  (void)c;
  for (int64_t b = 0; b < n; ++b)
    for (int64_t oc = 0; oc < o; ++oc)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          double s = bias ? (*bias)[oc] : 0.0;
          for (int64_t ic = 0; ic < cg; ++ic)
            for (int64_t kh = 0; kh < win.kernel[0]; ++kh)
              for (int64_t kw = 0; kw < win.kernel[1]; ++kw) {
                int64_t hi = i * win.stride[0] - win.pads[0] + kh * win.dilation[0];
                int64_t wi = j * win.stride[1] - win.pads[1] + kw * win.dilation[1];
                if (hi < 0 || hi >= h || wi < 0 || wi >= wd) continue;
                s += at4(x, b, (oc / og) * cg + ic, hi, wi) * at4(w, oc, ic, kh, kw);
              }
          at4(y, b, oc, i, j) = s;
        }
  return y;
}

RefTensor conv2dBackwardData(const RefTensor &dy, const RefTensor &w, const Window &win,
                             int64_t groups, int64_t h, int64_t wd) {
  int64_t n = dy.dim(0), o = w.dim(0), cg = w.dim(1), og = o / groups;
  RefTensor dx({n, cg * groups, h, wd});
  for (int64_t b = 0; b < n; ++b)
    for (int64_t oc = 0; oc < o; ++oc)
      for (int64_t i = 0; i < dy.dim(2); ++i)
        for (int64_t j = 0; j < dy.dim(3); ++j)
          for (int64_t ic = 0; ic < cg; ++ic)
            for (int64_t kh = 0; kh < win.kernel[0]; ++kh)
              for (int64_t kw = 0; kw < win.kernel[1]; ++kw) {
                int64_t hi = i * win.stride[0] - win.pads[0] + kh * win.dilation[0];
                int64_t wi = j * win.stride[1] - win.pads[1] + kw * win.dilation[1];
                if (hi < 0 || hi >= h || wi < 0 || wi >= wd) continue;
                at4(dx, b, (oc / og) * cg + ic, hi, wi) += at4(dy, b, oc, i, j) * at4(w, oc, ic, kh, kw);
              }
  return dx;
}

RefTensor conv2dBackwardFilter(const RefTensor &x, const RefTensor &dy, const Window &win,
                               int64_t groups) {
  int64_t n = x.dim(0), cg = x.dim(1) / groups, o = dy.dim(1), og = o / groups;
  RefTensor dw({o, cg, win.kernel[0], win.kernel[1]});
  for (int64_t b = 0; b < n; ++b)
    for (int64_t oc = 0; oc < o; ++oc)
      for (int64_t i = 0; i < dy.dim(2); ++i)
        for (int64_t j = 0; j < dy.dim(3); ++j)
          for (int64_t ic = 0; ic < cg; ++ic)
            for (int64_t kh = 0; kh < win.kernel[0]; ++kh)
              for (int64_t kw = 0; kw < win.kernel[1]; ++kw) {
                int64_t hi = i * win.stride[0] - win.pads[0] + kh * win.dilation[0];
                int64_t wi = j * win.stride[1] - win.pads[1] + kw * win.dilation[1];
                if (hi < 0 || hi >= x.dim(2) || wi < 0 || wi >= x.dim(3)) continue;
                at4(dw, oc, ic, kh, kw) += at4(dy, b, oc, i, j) * at4(x, b, (oc / og) * cg + ic, hi, wi);
              }
  return dw;
}

RefTensor im2col(const RefTensor &x, const Window &win) {
  int64_t n = x.dim(0), c = x.dim(1), oh = win.outH(x.dim(2)), ow = win.outW(x.dim(3));
  int64_t kh = win.kernel[0], kw = win.kernel[1];
  RefTensor cols({n * oh * ow, c * kh * kw});
  for (int64_t b = 0; b < n; ++b)
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j)
        for (int64_t ch = 0; ch < c; ++ch)
          for (int64_t p = 0; p < kh; ++p)
            for (int64_t q = 0; q < kw; ++q) {
              int64_t hi = i * win.stride[0] - win.pads[0] + p * win.dilation[0];
              int64_t wi = j * win.stride[1] - win.pads[1] + q * win.dilation[1];
              double v = (hi < 0 || hi >= x.dim(2) || wi < 0 || wi >= x.dim(3)) ? 0.0 : at4(x, b, ch, hi, wi);
              cols[((b * oh + i) * ow + j) * (c * kh * kw) + (ch * kh + p) * kw + q] = v;
            }
  return cols;
}

RefTensor col2im(const RefTensor &cols, const Window &win, int64_t n, int64_t c, int64_t h,
                 int64_t w) {
  int64_t oh = win.outH(h), ow = win.outW(w), kh = win.kernel[0], kw = win.kernel[1];
  RefTensor x({n, c, h, w});
  for (int64_t b = 0; b < n; ++b)
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j)
        for (int64_t ch = 0; ch < c; ++ch)
          for (int64_t p = 0; p < kh; ++p)
            for (int64_t q = 0; q < kw; ++q) {
              int64_t hi = i * win.stride[0] - win.pads[0] + p * win.dilation[0];
              int64_t wi = j * win.stride[1] - win.pads[1] + q * win.dilation[1];
              if (hi < 0 || hi >= h || wi < 0 || wi >= w) continue;
              at4(x, b, ch, hi, wi) += cols[((b * oh + i) * ow + j) * (c * kh * kw) + (ch * kh + p) * kw + q];
            }
  return x;
}

namespace {
/// Visits the in-image cells of window (i, j) in row-major order.
template <typename Fn>
void forWindow(const Window &win, int64_t h, int64_t w, int64_t i, int64_t j, Fn fn) {
  for (int64_t p = 0; p < win.kernel[0]; ++p)
    for (int64_t q = 0; q < win.kernel[1]; ++q) {
      int64_t hi = i * win.stride[0] - win.pads[0] + p, wi = j * win.stride[1] - win.pads[1] + q;
      if (hi >= 0 && hi < h && wi >= 0 && wi < w) fn(hi, wi);
    }
}
double divisor(const Window &win, bool includePad, int64_t h, int64_t w, int64_t i, int64_t j) {
  if (includePad) return double(win.kernel[0] * win.kernel[1]);
  double count = 0;
  forWindow(win, h, w, i, j, [&](int64_t, int64_t) { count += 1; });
  return count;
}
} // namespace

RefTensor maxPool(const RefTensor &x, const Window &win) {
  int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
  RefTensor y({n, c, win.outH(h), win.outW(w)});
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t i = 0; i < y.dim(2); ++i)
        for (int64_t j = 0; j < y.dim(3); ++j) {
          double m = -std::numeric_limits<double>::infinity();
          forWindow(win, h, w, i, j, [&](int64_t hi, int64_t wi) { m = std::max(m, at4(x, b, ch, hi, wi)); });
          at4(y, b, ch, i, j) = m;
        }
  return y;
}

RefTensor avgPool(const RefTensor &x, const Window &win, bool countIncludePad) {
  int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
  RefTensor y({n, c, win.outH(h), win.outW(w)});
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t i = 0; i < y.dim(2); ++i)
        for (int64_t j = 0; j < y.dim(3); ++j) {
          double s = 0;
          forWindow(win, h, w, i, j, [&](int64_t hi, int64_t wi) { s += at4(x, b, ch, hi, wi); });
          at4(y, b, ch, i, j) = s / divisor(win, countIncludePad, h, w, i, j);
        }
  return y;
}

RefTensor maxPoolBackward(const RefTensor &x, const RefTensor &dy, const Window &win) {
  int64_t h = x.dim(2), w = x.dim(3);
  RefTensor dx(x.shape);
  for (int64_t b = 0; b < x.dim(0); ++b)
    for (int64_t ch = 0; ch < x.dim(1); ++ch)
      for (int64_t i = 0; i < dy.dim(2); ++i)
        for (int64_t j = 0; j < dy.dim(3); ++j) {
          double m = -std::numeric_limits<double>::infinity();
          int64_t bh = -1, bw = -1;
          forWindow(win, h, w, i, j, [&](int64_t hi, int64_t wi) {
            if (at4(x, b, ch, hi, wi) > m) { m = at4(x, b, ch, hi, wi); bh = hi; bw = wi; }
          });
          if (bh >= 0) at4(dx, b, ch, bh, bw) += at4(dy, b, ch, i, j);
        }
  return dx;
}

RefTensor avgPoolBackward(const RefTensor &dy, const Window &win, bool countIncludePad, int64_t h,
                          int64_t w) {
  RefTensor dx({dy.dim(0), dy.dim(1), h, w});
  for (int64_t b = 0; b < dy.dim(0); ++b)
    for (int64_t ch = 0; ch < dy.dim(1); ++ch)
      for (int64_t i = 0; i < dy.dim(2); ++i)
        for (int64_t j = 0; j < dy.dim(3); ++j) {
          double share = at4(dy, b, ch, i, j) / divisor(win, countIncludePad, h, w, i, j);
          forWindow(win, h, w, i, j, [&](int64_t hi, int64_t wi) { at4(dx, b, ch, hi, wi) += share; });
        }
  return dx;
}

} // namespace nabla::testing::naive
