// Halide backend: batch_norm (training and inference) and
// batch_norm_backward. Oracle: a naive double-precision loop in this file
// (the reference normalization kernels are not on this branch yet).
//
// Tolerance: per-channel sums over N*H*W <= 700 f32 values, then a division
// by sqrt(var + eps) with var ~ 1/3: rtol 1e-5, atol 1e-5.
#include "tests/unit/HalideTestSupport.h"

#include <cmath>

using namespace nabla;
using namespace nabla::testing;

namespace {
constexpr Tolerance kNorm{1e-5, 1e-5};

/// Visits (flat index, channel) of an [N, C, ...] tensor.
template <typename Fn> void forEach(const RefTensor &x, Fn fn) {
  int64_t inner = 1;
  for (int64_t d = 2; d < x.rank(); ++d) inner *= x.dim(d);
  for (int64_t i = 0; i < x.numel(); ++i) fn(i, (i / inner) % x.dim(1));
}

std::pair<std::vector<double>, std::vector<double>> stats(const RefTensor &x) {
  int64_t c = x.dim(1);
  std::vector<double> mean(c), var(c), count(c);
  forEach(x, [&](int64_t i, int64_t ch) { mean[ch] += x[i]; count[ch] += 1; });
  for (int64_t ch = 0; ch < c; ++ch) mean[ch] /= count[ch];
  forEach(x, [&](int64_t i, int64_t ch) { var[ch] += (x[i] - mean[ch]) * (x[i] - mean[ch]); });
  for (int64_t ch = 0; ch < c; ++ch) var[ch] /= count[ch];
  return {mean, var};
}

std::vector<RefTensor> naiveBatchNorm(const std::vector<RefTensor> &in, bool training,
                                      double eps, double momentum) {
  const RefTensor &x = in[0], &g = in[1], &b = in[2], &rm = in[3], &rv = in[4];
  auto st = stats(x);
  std::vector<double> mean = st.first, var = st.second;
  RefTensor y(x.shape), nm = rm, nv = rv;
  if (!training) { mean = rm.data; var = rv.data; }
  forEach(x, [&](int64_t i, int64_t c) {
    y[i] = g[c] * (x[i] - mean[c]) / std::sqrt(var[c] + eps) + b[c];
  });
  if (training)
    for (int64_t c = 0; c < x.dim(1); ++c) {
      nm[c] = momentum * rm[c] + (1 - momentum) * mean[c];
      nv[c] = momentum * rv[c] + (1 - momentum) * var[c];
    }
  return {y, nm, nv};
}

std::vector<RefTensor> naiveBatchNormBackward(const std::vector<RefTensor> &in, double eps) {
  const RefTensor &x = in[0], &g = in[1], &dy = in[2];
  auto st = stats(x);
  std::vector<double> mean = st.first, var = st.second;
  int64_t c = x.dim(1);
  RefTensor dx(x.shape), dg({c}), db({c});
  double m = double(x.numel() / c);
  forEach(x, [&](int64_t i, int64_t ch) {
    double xhat = (x[i] - mean[ch]) / std::sqrt(var[ch] + eps);
    db[ch] += dy[i];
    dg[ch] += dy[i] * xhat;
  });
  forEach(x, [&](int64_t i, int64_t ch) {
    double istd = 1 / std::sqrt(var[ch] + eps), xhat = (x[i] - mean[ch]) * istd;
    dx[i] = g[ch] * istd / m * (m * dy[i] - db[ch] - xhat * dg[ch]);
  });
  return {dx, dg, db};
}
} // namespace

TEST(HalideNormalization, BatchNormTrainingAndInference) {
  reseed(50);
  for (const Shape &shape : {Shape{7, 100}, Shape{4, 3, 6, 5}}) {
    Shape dyn = shape;
    dyn[0] = -1;
    std::string t = tensorType(dyn), c = tensorType({shape[1]});
    for (bool training : {true, false}) {
      std::string src = "func @f(%x: " + t + ", %g: " + c + ", %b: " + c + ", %m: " + c +
                        ", %v: " + c + ") -> (" + t + ", " + c + ", " + c + ") {\n" +
                        "  %y, %nm, %nv = nabla.batch_norm %x, %g, %b, %m, %v {epsilon = 1.0e-3 : f32, momentum = 0.8 : f32" +
                        (training ? ", training" : "") + "} : (" + t + ", " + c + ", " + c + ", " +
                        c + ", " + c + ") -> (" + t + ", " + c + ", " + c + ")\n" +
                        "  return %y, %nm, %nv : " + t + ", " + c + ", " + c + "\n}\n";
      halide::Executable exe = compileSource(src, "f");
      for (int64_t batch : {int64_t(2), shape[0]}) {
        Shape s = shape;
        s[0] = batch;
        std::vector<Tensor> in = {randomTensor(s, -2, 3), randomTensor({shape[1]}, 0.5f, 2),
                                  randomTensor({shape[1]}), randomTensor({shape[1]}),
                                  randomTensor({shape[1]}, 0.5f, 2)};
        std::vector<Tensor> out = exe.run(in);
        std::vector<RefTensor> expected = naiveBatchNorm(toRef(in), training, 1e-3, 0.8);
        for (size_t i = 0; i < 3; ++i)
          expectTensorNear(out[i], expected[i], kNorm,
                           std::string(training ? "training" : "inference") + " result " +
                               std::to_string(i) + " batch " + std::to_string(batch));
      }
    }
  }
}

TEST(HalideNormalization, BatchNormBackward) {
  reseed(51);
  for (const Shape &shape : {Shape{7, 100}, Shape{4, 3, 6, 5}}) {
    std::string t = tensorType(shape), c = tensorType({shape[1]});
    std::string src = "func @f(%x: " + t + ", %g: " + c + ", %dy: " + t + ") -> (" + t + ", " + c +
                      ", " + c + ") {\n  %dx, %dg, %db = nabla.batch_norm_backward %x, %g, %dy : (" +
                      t + ", " + c + ", " + t + ") -> (" + t + ", " + c + ", " + c + ")\n" +
                      "  return %dx, %dg, %db : " + t + ", " + c + ", " + c + "\n}\n";
    expectMatchesOracle(src, "f",
                        {randomTensor(shape, -2, 3), randomTensor({shape[1]}, 0.5f, 2),
                         randomTensor(shape)},
                        [](const std::vector<RefTensor> &in) {
                          return naiveBatchNormBackward(in, 1e-5);
                        }, kNorm);
  }
}
