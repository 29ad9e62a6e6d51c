// Reference interpreter: batch_norm (training and inference), its backward
// op against central finite differences, and dropout's counter-based mask.
#include "tests/unit/CentralDifference.h"

#include "runtime/CounterRng.h"
#include "runtime/Error.h"

#include <cmath>
#include <random>

using namespace nabla;
using namespace nabla::testing;
using reference::RefTensor;

namespace {
RefTensor randomTensor(std::mt19937_64 &rng, Shape shape, double lo, double hi) {
  std::uniform_real_distribution<double> dist(lo, hi);
  RefTensor t(std::move(shape));
  for (double &v : t.data) v = dist(rng);
  return t;
}

//===----------------------------------------------------------------------===//
// batch_norm
//===----------------------------------------------------------------------===//

/// A module with batch_norm in training mode (`train`), inference mode
/// (`infer`) and batch_norm_backward (`grad`) for inputs of type `x`
/// ("?x?" or "?x?x?x?"), with the given attribute dictionaries.
std::string batchNormModule(const std::string &x, const std::string &trainAttrs,
                            const std::string &inferAttrs, const std::string &gradAttrs) {
  std::string X = "tensor<" + x + "xf32>", C = "tensor<?xf32>";
  std::string params = C + ", " + C + ", " + C + ", " + C;
  std::string sig = "(" + X + ", " + params + ") -> (" + X + ", " + C + ", " + C + ")";
  std::string args = "%x: " + X + ", %g: " + C + ", %b: " + C + ", %m: " + C + ", %v: " + C;
  auto bn = [&](const std::string &name, const std::string &attrs) {
    return "func @" + name + "(" + args + ") -> (" + X + ", " + C + ", " + C + ") {\n" +
           "  %y, %nm, %nv = nabla.batch_norm %x, %g, %b, %m, %v " + attrs + " : " + sig + "\n" +
           "  return %y, %nm, %nv : " + X + ", " + C + ", " + C + "\n}\n";
  };
  return bn("train", trainAttrs) + bn("infer", inferAttrs) + "func @grad(%x: " + X +
         ", %g: " + C + ", %dy: " + X + ") -> (" + X + ", " + C + ", " + C + ") {\n" +
         "  %dx, %dg, %db = nabla.batch_norm_backward %x, %g, %dy " + gradAttrs + " : (" + X +
         ", " + C + ", " + X + ") -> (" + X + ", " + C + ", " + C + ")\n" +
         "  return %dx, %dg, %db : " + X + ", " + C + ", " + C + "\n}\n";
}

/// Per-channel batch mean and biased variance by a nested NCHW loop
/// (independent of the kernel's flat [N, C, S] view).
void naiveChannelStats(const RefTensor &x, std::vector<double> &mean, std::vector<double> &var) {
  int64_t n = x.dim(0), c = x.dim(1), h = x.rank() == 4 ? x.dim(2) : 1,
          w = x.rank() == 4 ? x.dim(3) : 1;
  mean.assign(size_t(c), 0.0);
  var.assign(size_t(c), 0.0);
  for (int64_t ch = 0; ch < c; ++ch) {
    std::vector<double> values;
    for (int64_t b = 0; b < n; ++b)
      for (int64_t i = 0; i < h; ++i)
        for (int64_t j = 0; j < w; ++j) values.push_back(x[((b * c + ch) * h + i) * w + j]);
    for (double v : values) mean[size_t(ch)] += v / double(values.size());
    for (double v : values)
      var[size_t(ch)] += (v - mean[size_t(ch)]) * (v - mean[size_t(ch)]) / double(values.size());
  }
}
} // namespace

TEST(ReferenceBatchNorm, HandComputedTrainingStep) {
  // Channel 0 holds {1, 3, 1, 3}: mean 2, variance 1, x_hat = x - 2.
  // Channel 1 holds {2, 2, 6, 6}: mean 4, variance 4, x_hat = (x - 4) / 2.
  // With epsilon 0, scale (2, 0.5) and bias (1, -1):
  //   y0 = 2 * x_hat + 1 = {-1, 3, -1, 3}; y1 = 0.5 * x_hat - 1 = {-1.5, -1.5, -0.5, -0.5}.
  // Momentum 0.75 (exact in f32): running mean (0, 0) -> 0.25 * (2, 4) = (0.5, 1);
  // running var (1, 1) -> 0.75 + 0.25 * (1, 4) = (1, 1.75).
  std::string attrs = "{epsilon = 0.0 : f32, momentum = 0.75 : f32, training}";
  RefTensor scale({2}, {2, 0.5}), bias({2}, {1, -1}), mean({2}, {0, 0}), var({2}, {1, 1});

  // [N, C] = [4, 2]: the channels are the columns.
  ParsedModule rank2(batchNormModule("?x?", attrs, "", ""));
  ASSERT_TRUE(rank2.ok());
  auto r = rank2.call("train", {RefTensor({4, 2}, {1, 2, 3, 2, 1, 6, 3, 6}), scale, bias, mean, var});
  ASSERT_EQ(r.size(), 3u);
  expectNear(r[0], RefTensor({4, 2}, {-1, -1.5, 3, -1.5, -1, -0.5, 3, -0.5}), 0, 1e-15);
  expectNear(r[1], RefTensor({2}, {0.5, 1}), 0, 1e-15);
  expectNear(r[2], RefTensor({2}, {1, 1.75}), 0, 1e-15);

  // [N, C, H, W] = [2, 2, 1, 2]: each channel is two W-pairs, one per sample.
  ParsedModule rank4(batchNormModule("?x?x?x?", attrs, "", ""));
  ASSERT_TRUE(rank4.ok());
  r = rank4.call("train", {RefTensor({2, 2, 1, 2}, {1, 3, 2, 2, 1, 3, 6, 6}), scale, bias, mean,
                           var});
  expectNear(r[0], RefTensor({2, 2, 1, 2}, {-1, 3, -1.5, -1.5, -1, 3, -0.5, -0.5}), 0, 1e-15);
  expectNear(r[1], RefTensor({2}, {0.5, 1}), 0, 1e-15);
  expectNear(r[2], RefTensor({2}, {1, 1.75}), 0, 1e-15);
}

TEST(ReferenceBatchNorm, TrainingOutputIsNormalizedPerChannel) {
  // With epsilon 0, scale 1 and bias 0 every channel of y has mean 0 and
  // (biased) variance 1; with scale s and bias b, mean b and variance s^2.
  ParsedModule m(batchNormModule("?x?x?x?", "{epsilon = 0.0 : f32, training}", "", ""));
  ASSERT_TRUE(m.ok());
  std::mt19937_64 rng(3);
  RefTensor x = randomTensor(rng, {6, 3, 4, 5}, -5, 20);
  RefTensor scale({3}, {1, 2, -0.5}), bias({3}, {0, 3, -1});
  RefTensor y = m.call("train", {x, scale, bias, RefTensor({3}, 0.0), RefTensor({3}, 1.0)})[0];
  std::vector<double> mean, var;
  naiveChannelStats(y, mean, var);
  for (int64_t c = 0; c < 3; ++c) {
    EXPECT_NEAR(mean[size_t(c)], bias[c], 1e-12) << "channel " << c;
    EXPECT_NEAR(var[size_t(c)], scale[c] * scale[c], 1e-12) << "channel " << c;
  }
}

TEST(ReferenceBatchNorm, RunningStatisticsUseDefaultMomentum) {
  ParsedModule m(batchNormModule("?x?", "{training}", "", ""));
  ASSERT_TRUE(m.ok());
  std::mt19937_64 rng(4);
  RefTensor x = randomTensor(rng, {7, 4}, -1, 3);
  RefTensor runningMean = randomTensor(rng, {4}, -1, 1), runningVar = randomTensor(rng, {4}, 0.5, 2);
  auto r = m.call("train", {x, RefTensor({4}, 1.0), RefTensor({4}, 0.0), runningMean, runningVar});
  std::vector<double> mean, var;
  naiveChannelStats(x, mean, var);
  double momentum = double(0.9f); // the f32 attribute's exact value
  for (int64_t c = 0; c < 4; ++c) {
    EXPECT_NEAR(r[1][c], momentum * runningMean[c] + (1 - momentum) * mean[size_t(c)], 1e-14);
    EXPECT_NEAR(r[2][c], momentum * runningVar[c] + (1 - momentum) * var[size_t(c)], 1e-14);
  }
  // y uses the default epsilon 1e-5 (as f32) with the batch statistics.
  double epsilon = double(1e-5f);
  for (int64_t i = 0; i < x.numel(); ++i) {
    size_t c = size_t(i % 4);
    EXPECT_NEAR(r[0][i], (x[i] - mean[c]) / std::sqrt(var[c] + epsilon), 1e-12) << i;
  }
}

TEST(ReferenceBatchNorm, InferenceUsesRunningStatisticsAndKeepsThem) {
  // Running mean (1, 2), running var (4, 0.25), epsilon 0: inv std (0.5, 2).
  // x = [[3, 2.5], [-1, 1]], scale (2, 3), bias (0.5, 0):
  //   y = [[2 * 1 + 0.5, 3 * 1], [2 * -1 + 0.5, 3 * -2]] = [[2.5, 3], [-1.5, -6]].
  ParsedModule m(batchNormModule("?x?", "{training}", "{epsilon = 0.0 : f32}", ""));
  ASSERT_TRUE(m.ok());
  RefTensor mean({2}, {1, 2}), var({2}, {4, 0.25});
  auto r = m.call("infer", {RefTensor({2, 2}, {3, 2.5, -1, 1}), RefTensor({2}, {2, 3}),
                            RefTensor({2}, {0.5, 0}), mean, var});
  expectNear(r[0], RefTensor({2, 2}, {2.5, 3, -1.5, -6}), 0, 1e-15);
  expectNear(r[1], mean, 0, 0);
  expectNear(r[2], var, 0, 0);
  // Each sample is normalized on its own: a batch of one gives the same row.
  auto single = m.call("infer", {RefTensor({1, 2}, {-1, 1}), RefTensor({2}, {2, 3}),
                                 RefTensor({2}, {0.5, 0}), mean, var});
  expectNear(single[0], RefTensor({1, 2}, {-1.5, -6}), 0, 1e-15);
}

TEST(ReferenceBatchNorm, BackwardMatchesFiniteDifferences) {
  // Differentiates L = sum(y * w) for random weights w, so dy = w.
  std::mt19937_64 rng(9);
  std::uniform_int_distribution<int64_t> dim(2, 4);
  for (std::string type : {"?x?", "?x?x?x?"}) {
    ParsedModule m(batchNormModule(type, "{training}", "", ""));
    ASSERT_TRUE(m.ok());
    for (int trial = 0; trial < 3; ++trial) {
      Shape shape = {dim(rng), dim(rng) - 1};
      if (type == "?x?x?x?") shape.insert(shape.end(), {dim(rng) - 1, dim(rng)});
      int64_t c = shape[1];
      RefTensor x = randomTensor(rng, shape, -2, 2), w = randomTensor(rng, shape, -1, 1);
      RefTensor scale = randomTensor(rng, {c}, 0.5, 1.5), bias = randomTensor(rng, {c}, -1, 1);
      RefTensor mean({c}, 0.0), var({c}, 1.0);
      auto loss = [&](const RefTensor &input, const RefTensor &gamma, const RefTensor &beta) {
        RefTensor y = m.call("train", {input, gamma, beta, mean, var})[0];
        double sum = 0;
        for (int64_t i = 0; i < y.numel(); ++i) sum += y[i] * w[i];
        return sum;
      };
      auto grads = m.call("grad", {x, scale, w});
      ASSERT_EQ(grads.size(), 3u);
      SCOPED_TRACE("shape " + x.describe());
      // L sums up to 144 products of size ~1, so each evaluation carries a
      // rounding error up to ~144 * 1e-16; divided by 2 eps = 2e-6 that is up
      // to ~7e-9 in the difference quotient (1.2e-9 observed). Truncation
      // (eps^2 * L''') is far smaller with the variance well above epsilon.
      expectNear(grads[0],
                 centralDifference([&](const RefTensor &v) { return loss(v, scale, bias); }, x),
                 0, 1e-8);
      expectNear(grads[1],
                 centralDifference([&](const RefTensor &v) { return loss(x, v, bias); }, scale),
                 0, 1e-8);
      expectNear(grads[2],
                 centralDifference([&](const RefTensor &v) { return loss(x, scale, v); }, bias),
                 0, 1e-8);
    }
  }
}

TEST(ReferenceBatchNorm, ChannelParameterOfWrongSizeIsAnError) {
  ParsedModule m(batchNormModule("?x?", "{training}", "", ""));
  ASSERT_TRUE(m.ok());
  RefTensor c2({2}, 1.0), c3({3}, 1.0);
  try {
    m.call("train", {RefTensor({4, 2}, 1.0), c2, c3, c2, c2});
    ADD_FAILURE() << "expected a nabla::Error";
  } catch (const Error &e) {
    std::string message = e.what();
    EXPECT_NE(message.find("nabla.batch_norm"), std::string::npos) << message;
    EXPECT_NE(message.find("bias [3]"), std::string::npos) << message;
  }
}

TEST(ReferenceBatchNorm, EmptyBatchInTrainingIsAnError) {
  // Batch statistics of zero samples would be 0/0; inference needs none.
  ParsedModule m(batchNormModule("?x?", "{training}", "", ""));
  ASSERT_TRUE(m.ok());
  RefTensor c2({2}, 1.0);
  EXPECT_THROW(m.call("train", {RefTensor({0, 2}), c2, c2, c2, c2}), Error);
  EXPECT_THROW(m.call("grad", {RefTensor({0, 2}), c2, RefTensor({0, 2})}), Error);
  EXPECT_EQ(m.call("infer", {RefTensor({0, 2}), c2, c2, c2, c2})[0].shape, (Shape{0, 2}));
}

//===----------------------------------------------------------------------===//
// dropout
//===----------------------------------------------------------------------===//

namespace {
std::string dropoutModule(const std::string &attrs) {
  return "func @with_step(%x: tensor<?xf32>, %s: tensor<i64>) -> (tensor<?xf32>, tensor<?xf32>) {\n"
         "  %y, %mask = nabla.dropout %x, %s " + attrs +
         " : (tensor<?xf32>, tensor<i64>) -> (tensor<?xf32>, tensor<?xf32>)\n"
         "  return %y, %mask : tensor<?xf32>, tensor<?xf32>\n}\n"
         "func @no_step(%x: tensor<?xf32>) -> (tensor<?xf32>, tensor<?xf32>) {\n"
         "  %y, %mask = nabla.dropout %x " + attrs +
         " : (tensor<?xf32>) -> (tensor<?xf32>, tensor<?xf32>)\n"
         "  return %y, %mask : tensor<?xf32>, tensor<?xf32>\n}\n";
}

RefTensor step(int64_t value) {
  RefTensor s = RefTensor::scalar(double(value));
  s.isInteger = true;
  return s;
}

constexpr int64_t kElements = 100000;

int64_t countKept(const RefTensor &mask) {
  int64_t kept = 0;
  for (double v : mask.data) kept += v != 0.0;
  return kept;
}
} // namespace

TEST(ReferenceDropout, KeptFractionIsCloseToOneMinusRatio) {
  // The kept count of n independent draws is Binomial(n, p), p = 1 - ratio,
  // with standard deviation sqrt(p (1 - p) / n) in the fraction (0.0016 for
  // n = 1e5, p = 0.5). The bound is 6 standard deviations: a fair generator
  // fails it with probability below 2e-9.
  std::mt19937_64 rng(1);
  RefTensor x = randomTensor(rng, {kElements}, -1, 1);
  for (float ratio : {0.1f, 0.5f, 0.8f}) {
    ParsedModule m(dropoutModule("{ratio = " + std::to_string(ratio) + " : f32, seed = 7, training}"));
    ASSERT_TRUE(m.ok());
    RefTensor mask = m.call("with_step", {x, step(3)})[1];
    double p = 1.0 - double(ratio);
    double fraction = double(countKept(mask)) / double(kElements);
    EXPECT_NEAR(fraction, p, 6 * std::sqrt(p * (1 - p) / double(kElements))) << "ratio " << ratio;
  }
}

TEST(ReferenceDropout, MaskIsZeroOrInverseKeepProbabilityAndScalesInput) {
  ParsedModule m(dropoutModule("{ratio = 0.3 : f32, seed = 123, training}"));
  ASSERT_TRUE(m.ok());
  std::mt19937_64 rng(2);
  RefTensor x = randomTensor(rng, {1000}, -5, 5);
  auto r = m.call("with_step", {x, step(0)});
  double kept = 1.0 / (1.0 - double(0.3f));
  for (int64_t i = 0; i < x.numel(); ++i) {
    ASSERT_TRUE(r[1][i] == 0.0 || r[1][i] == kept) << "mask[" << i << "] = " << r[1][i];
    ASSERT_EQ(r[0][i], x[i] * r[1][i]) << "element " << i;
  }
}

TEST(ReferenceDropout, MaskIsTheCounterRngDrawOfSeedStepAndIndex) {
  // Every backend must draw this exact mask: keep element i iff
  // dropoutKeep(streamKey(seed, step), i, ratio). Without a step operand the
  // step is 0.
  ParsedModule m(dropoutModule("{ratio = 0.25 : f32, seed = 99, training}"));
  ASSERT_TRUE(m.ok());
  RefTensor x({5000}, 1.0);
  RefTensor withStep = m.call("with_step", {x, step(17)})[1];
  RefTensor noStep = m.call("no_step", {x})[1];
  RefTensor stepZero = m.call("with_step", {x, step(0)})[1];
  for (uint32_t i = 0; i < 5000; ++i) {
    ASSERT_EQ(withStep[i] != 0, rng::dropoutKeep(rng::streamKey(99, 17), i, 0.25f)) << i;
    ASSERT_EQ(noStep[i] != 0, rng::dropoutKeep(rng::streamKey(99, 0), i, 0.25f)) << i;
  }
  expectNear(noStep, stepZero, 0, 0);
}

TEST(ReferenceDropout, SameSeedAndStepRepeatDifferentStepsDoNot) {
  ParsedModule m(dropoutModule("{ratio = 0.5 : f32, seed = 7, training}"));
  ParsedModule otherSeed(dropoutModule("{ratio = 0.5 : f32, seed = 8, training}"));
  ASSERT_TRUE(m.ok() && otherSeed.ok());
  RefTensor x({kElements}, 1.0);
  RefTensor first = m.call("with_step", {x, step(4)})[1];
  expectNear(m.call("with_step", {x, step(4)})[1], first, 0, 0);

  // Masks of independent draws agree where both keep or both drop:
  // probability p^2 + (1 - p)^2 = 0.5 at p = 0.5, with the same 6-sigma bound
  // as above. Identical masks (agreement 1) would fail it by far.
  auto agreement = [&](const RefTensor &a, const RefTensor &b) {
    int64_t same = 0;
    for (int64_t i = 0; i < a.numel(); ++i) same += (a[i] != 0) == (b[i] != 0);
    return double(same) / double(a.numel());
  };
  double bound = 6 * std::sqrt(0.5 * 0.5 / double(kElements));
  EXPECT_NEAR(agreement(first, m.call("with_step", {x, step(5)})[1]), 0.5, bound);
  EXPECT_NEAR(agreement(first, otherSeed.call("with_step", {x, step(4)})[1]), 0.5, bound);
}

TEST(ReferenceDropout, InferenceIsIdentityWithMaskOfOnes) {
  ParsedModule m(dropoutModule("{ratio = 0.5 : f32, seed = 7}"));
  ASSERT_TRUE(m.ok());
  std::mt19937_64 rng(3);
  RefTensor x = randomTensor(rng, {257}, -3, 3);
  auto r = m.call("with_step", {x, step(2)});
  expectNear(r[0], x, 0, 0);
  expectNear(r[1], RefTensor({257}, 1.0), 0, 0);
}

TEST(ReferenceDropout, RatioZeroKeepsEverything) {
  ParsedModule m(dropoutModule("{ratio = 0.0 : f32, seed = 7, training}"));
  ASSERT_TRUE(m.ok());
  std::mt19937_64 rng(4);
  RefTensor x = randomTensor(rng, {1000}, -3, 3);
  auto r = m.call("no_step", {x});
  expectNear(r[0], x, 0, 0);
  expectNear(r[1], RefTensor({1000}, 1.0), 0, 0);
}
