#include "runtime/Augment.h"

#include "runtime/CounterRng.h"
#include "runtime/Error.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace nabla {

namespace {

struct ImageView {
  float *data; // C * H * W floats of one image
  int64_t c, h, w;
};

ImageView view(Tensor &images, int64_t index) {
  if (images.dtype() != DType::F32 || images.rank() != 4)
    throw Error("augmentation wants f32 images [N, C, H, W], got " + images.describe());
  if (index < 0 || index >= images.dim(0))
    throw Error("augmentation: image " + std::to_string(index) + " of " + std::to_string(images.dim(0)));
  int64_t c = images.dim(1), h = images.dim(2), w = images.dim(3);
  return {images.data<float>() + index * c * h * w, c, h, w};
}

/// A uniform integer in [lo, hi] from draw u in [0, 1).
int64_t between(float u, int64_t lo, int64_t hi) {
  return std::min(hi, lo + int64_t(u * float(hi - lo + 1)));
}

} // namespace

void flipHorizontal(Tensor &images, int64_t index) {
  ImageView v = view(images, index);
  for (int64_t row = 0; row < v.c * v.h; ++row) std::reverse(v.data + row * v.w, v.data + (row + 1) * v.w);
}

void shiftImage(Tensor &images, int64_t index, int64_t dy, int64_t dx) {
  ImageView v = view(images, index);
  std::vector<float> from(v.data, v.data + v.c * v.h * v.w);
  for (int64_t ch = 0; ch < v.c; ++ch)
    for (int64_t y = 0; y < v.h; ++y)
      for (int64_t x = 0; x < v.w; ++x) {
        int64_t sy = y - dy, sx = x - dx;
        bool inside = sy >= 0 && sy < v.h && sx >= 0 && sx < v.w;
        v.data[(ch * v.h + y) * v.w + x] = inside ? from[size_t((ch * v.h + sy) * v.w + sx)] : 0.0f;
      }
}

void cropAndResize(Tensor &images, int64_t index, int64_t top, int64_t left, int64_t size) {
  ImageView v = view(images, index);
  if (size < 1 || top < 0 || left < 0 || top + size > v.h || left + size > v.w)
    throw Error("cropAndResize: window " + std::to_string(size) + " at (" + std::to_string(top) + ", " +
                std::to_string(left) + ") outside a " + std::to_string(v.h) + "x" + std::to_string(v.w) + " image");
  std::vector<float> from(v.data, v.data + v.c * v.h * v.w);
  // Output pixel centre y + 0.5 maps to window coordinate (y + 0.5) * size / H - 0.5.
  auto source = [&](int64_t out, int64_t extent) {
    double s = (double(out) + 0.5) * double(size) / double(extent) - 0.5;
    return std::clamp(s, 0.0, double(size - 1));
  };
  for (int64_t ch = 0; ch < v.c; ++ch)
    for (int64_t y = 0; y < v.h; ++y) {
      double sy = source(y, v.h);
      int64_t y0 = int64_t(sy), y1 = std::min(y0 + 1, size - 1);
      double fy = sy - double(y0);
      for (int64_t x = 0; x < v.w; ++x) {
        double sx = source(x, v.w);
        int64_t x0 = int64_t(sx), x1 = std::min(x0 + 1, size - 1);
        double fx = sx - double(x0);
        auto at = [&](int64_t yy, int64_t xx) { return double(from[size_t((ch * v.h + top + yy) * v.w + left + xx)]); };
        double value = (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x1)) + fy * ((1 - fx) * at(y1, x0) + fx * at(y1, x1));
        v.data[(ch * v.h + y) * v.w + x] = float(value);
      }
    }
}

Augmenter::Augmenter(AugmentOptions options) : options_(options) {
  if (options_.maxShift < 0 || options_.cropSize < 0)
    throw Error("augmentation: maxShift and cropSize must not be negative");
}

void Augmenter::apply(Tensor &images, int64_t n, uint64_t call) const {
  if (images.rank() != 4 || n > images.dim(0))
    throw Error("augmentation: " + std::to_string(n) + " images asked of " + images.describe());
  int64_t h = images.dim(2), w = images.dim(3);
  if (options_.cropSize > std::min(h, w))
    throw Error("augmentation: crop size " + std::to_string(options_.cropSize) + " exceeds the " +
                std::to_string(h) + "x" + std::to_string(w) + " images");
  uint32_t key = rng::streamKey(options_.seed, call);
  for (int64_t i = 0; i < n; ++i) {
    // Five draws per image, each with its own counter.
    auto draw = [&](uint32_t which) { return rng::uniform(key, uint32_t(i) * 5 + which); };
    if (options_.cropSize > 0) {
      int64_t size = options_.cropSize;
      cropAndResize(images, i, between(draw(0), 0, h - size), between(draw(1), 0, w - size), size);
    }
    if (options_.maxShift > 0) {
      int64_t s = options_.maxShift;
      shiftImage(images, i, between(draw(2), -s, s), between(draw(3), -s, s));
    }
    if (options_.flip && draw(4) < 0.5f) flipHorizontal(images, i);
  }
}

} // namespace nabla
