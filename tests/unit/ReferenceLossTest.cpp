// Reference interpreter: softmax cross-entropy (forward and backward) and the
// mean squared error, against hand-computed textbook values, a naive
// formula, and central finite differences.
#include "tests/unit/CentralDifference.h"

#include "runtime/Error.h"

#include <cmath>
#include <limits>
#include <random>

using namespace nabla;
using namespace nabla::testing;
using reference::RefTensor;

namespace {
// Forward and backward with integer labels and with f32 label rows; every
// dimension dynamic so one module serves every shape.
const char *kCrossEntropy = R"(
  func @sce_index(%l: tensor<?x?xf32>, %t: tensor<?xi64>) -> tensor<f32> {
    %loss = nabla.softmax_cross_entropy %l, %t : (tensor<?x?xf32>, tensor<?xi64>) -> tensor<f32>
    return %loss : tensor<f32>
  }
  func @sce_rows(%l: tensor<?x?xf32>, %t: tensor<?x?xf32>) -> tensor<f32> {
    %loss = nabla.softmax_cross_entropy %l, %t : (tensor<?x?xf32>, tensor<?x?xf32>) -> tensor<f32>
    return %loss : tensor<f32>
  }
  func @sce_index_grad(%l: tensor<?x?xf32>, %t: tensor<?xi64>, %g: tensor<f32>) -> tensor<?x?xf32> {
    %d = nabla.softmax_cross_entropy_backward %l, %t, %g : (tensor<?x?xf32>, tensor<?xi64>, tensor<f32>) -> tensor<?x?xf32>
    return %d : tensor<?x?xf32>
  }
  func @sce_rows_grad(%l: tensor<?x?xf32>, %t: tensor<?x?xf32>, %g: tensor<f32>) -> tensor<?x?xf32> {
    %d = nabla.softmax_cross_entropy_backward %l, %t, %g : (tensor<?x?xf32>, tensor<?x?xf32>, tensor<f32>) -> tensor<?x?xf32>
    return %d : tensor<?x?xf32>
  }
)";

const char *kMse = R"(
  func @mse1(%y: tensor<10xf32>, %t: tensor<10xf32>) -> tensor<f32> {
    %loss = nabla.mse_loss %y, %t : (tensor<10xf32>, tensor<10xf32>) -> tensor<f32>
    return %loss : tensor<f32>
  }
  func @mse2(%y: tensor<?x10xf32>, %t: tensor<?x10xf32>) -> tensor<f32> {
    %loss = nabla.mse_loss %y, %t : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<f32>
    return %loss : tensor<f32>
  }
)";

// The textbook's network outputs (probabilities) for a sample of class 2:
// one confident and right, one confident and wrong (it picks class 7).
const std::vector<double> kRightGuess = {0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0};
const std::vector<double> kWrongGuess = {0.1, 0.05, 0.1, 0.0, 0.05, 0.1, 0.0, 0.6, 0.0, 0.0};

/// Logits whose softmax is `probabilities` (they sum to 1): log p, with
/// log 0 = -inf for the classes the network rules out.
std::vector<double> logitsOf(const std::vector<double> &probabilities) {
  std::vector<double> out;
  for (double p : probabilities)
    out.push_back(p > 0 ? std::log(p) : -std::numeric_limits<double>::infinity());
  return out;
}

RefTensor oneHot(const std::vector<int64_t> &labels, int64_t classes) {
  RefTensor t({int64_t(labels.size()), classes}, 0.0);
  for (size_t i = 0; i < labels.size(); ++i) t[int64_t(i) * classes + labels[i]] = 1.0;
  return t;
}

RefTensor indices(const std::vector<int64_t> &labels) {
  RefTensor t({int64_t(labels.size())});
  for (size_t i = 0; i < labels.size(); ++i) t[int64_t(i)] = double(labels[i]);
  t.isInteger = true;
  return t;
}

RefTensor concatRows(const std::vector<std::vector<double>> &rows) {
  std::vector<double> data;
  for (const auto &row : rows) data.insert(data.end(), row.begin(), row.end());
  return RefTensor({int64_t(rows.size()), int64_t(rows[0].size())}, data);
}

RefTensor randomTensor(std::mt19937_64 &rng, Shape shape, double lo, double hi) {
  std::uniform_real_distribution<double> dist(lo, hi);
  RefTensor t(std::move(shape));
  for (double &v : t.data) v = dist(rng);
  return t;
}

std::vector<int64_t> randomLabels(std::mt19937_64 &rng, int64_t n, int64_t classes) {
  std::uniform_int_distribution<int64_t> dist(0, classes - 1);
  std::vector<int64_t> labels;
  for (int64_t i = 0; i < n; ++i) labels.push_back(dist(rng));
  return labels;
}

/// Runs `function` and expects it to throw nabla::Error; returns the message.
std::string errorOf(const ParsedModule &module, llvm::StringRef function,
                    std::vector<RefTensor> args) {
  try {
    module.call(function, std::move(args));
  } catch (const Error &e) {
    return e.what();
  }
  ADD_FAILURE() << "@" << function.str() << " did not throw";
  return "";
}
} // namespace

TEST(ReferenceLoss, CrossEntropyTextbookValue) {
  ParsedModule m(kCrossEntropy);
  ASSERT_TRUE(m.ok());
  // -log(0.6) = 0.510825623766; the textbook prints 0.510825457 because it
  // adds 1e-7 inside the log, which log-sum-exp does not need.
  RefTensor logits({1, 10}, logitsOf(kRightGuess));
  double expected = -std::log(0.6);
  EXPECT_NEAR(m.call("sce_rows", {logits, oneHot({2}, 10)})[0][0], expected, 1e-12);
  EXPECT_NEAR(m.call("sce_index", {logits, indices({2})})[0][0], expected, 1e-12);
}

TEST(ReferenceLoss, CrossEntropyAveragesOverTheBatch) {
  ParsedModule m(kCrossEntropy);
  ASSERT_TRUE(m.ok());
  // The wrong guess gives class 2 probability 0.1: -log(0.1) = 2.302585.
  RefTensor logits = concatRows({logitsOf(kRightGuess), logitsOf(kWrongGuess)});
  double expected = (-std::log(0.6) - std::log(0.1)) / 2;
  EXPECT_NEAR(m.call("sce_index", {logits, indices({2, 2})})[0][0], expected, 1e-12);
  EXPECT_NEAR(m.call("sce_rows", {logits, oneHot({2, 2}, 10)})[0][0], expected, 1e-12);
}

TEST(ReferenceLoss, IndexAndOneHotLabelsAgreeWithNaiveFormula) {
  ParsedModule m(kCrossEntropy);
  ASSERT_TRUE(m.ok());
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 5; ++trial) {
    int64_t n = 1 + trial, c = 2 + 2 * trial;
    RefTensor logits = randomTensor(rng, {n, c}, -3, 3);
    std::vector<int64_t> labels = randomLabels(rng, n, c);
    // Naive: -log(exp(l[label]) / sum exp(l)), no shift (safe for |l| <= 3).
    double naive = 0;
    for (int64_t i = 0; i < n; ++i) {
      double sum = 0;
      for (int64_t j = 0; j < c; ++j) sum += std::exp(logits[i * c + j]);
      naive -= std::log(std::exp(logits[i * c + labels[size_t(i)]]) / sum);
    }
    naive /= double(n);
    double byIndex = m.call("sce_index", {logits, indices(labels)})[0][0];
    double byRows = m.call("sce_rows", {logits, oneHot(labels, c)})[0][0];
    EXPECT_NEAR(byIndex, naive, 1e-12) << "trial " << trial;
    EXPECT_NEAR(byRows, byIndex, 1e-12) << "trial " << trial;
  }
}

TEST(ReferenceLoss, CrossEntropyIsStableForHugeLogits) {
  ParsedModule m(kCrossEntropy);
  ASSERT_TRUE(m.ok());
  // exp(1e4) overflows a double; softmax only sees differences, so the loss
  // for label 1 is log(1 + e^-1 + e^-2) by hand.
  RefTensor logits({2, 3}, {1e4, 1e4 + 1, 1e4 - 1, -1e4, -1e4 + 1, -1e4 - 1});
  double expected = std::log(1 + std::exp(-1.0) + std::exp(-2.0));
  double loss = m.call("sce_index", {logits, indices({1, 1})})[0][0];
  EXPECT_NEAR(loss, expected, 1e-12);
  // Its gradient is softmax - t: (e^-1, 1, e^-2) / (1 + e^-1 + e^-2) - (0, 1, 0), / N = 2.
  RefTensor grad = m.call("sce_index_grad", {logits, indices({1, 1}), RefTensor::scalar(1.0)})[0];
  double z = 1 + std::exp(-1.0) + std::exp(-2.0);
  std::vector<double> row = {std::exp(-1.0) / z / 2, (1 / z - 1) / 2, std::exp(-2.0) / z / 2};
  expectNear(grad, RefTensor({2, 3}, {row[0], row[1], row[2], row[0], row[1], row[2]}), 1e-12,
             1e-12);
}

TEST(ReferenceLoss, CrossEntropyBackwardMatchesFiniteDifferences) {
  ParsedModule m(kCrossEntropy);
  ASSERT_TRUE(m.ok());
  std::mt19937_64 rng(5);
  std::uniform_int_distribution<int64_t> dim(1, 6);
  for (int trial = 0; trial < 4; ++trial) {
    int64_t n = dim(rng), c = 1 + dim(rng);
    RefTensor logits = randomTensor(rng, {n, c}, -2, 2);
    RefTensor labelIndices = indices(randomLabels(rng, n, c));
    // Soft targets: random probability rows (each sums to 1).
    RefTensor soft = randomTensor(rng, {n, c}, 0.1, 1);
    for (int64_t i = 0; i < n; ++i) {
      double sum = 0;
      for (int64_t j = 0; j < c; ++j) sum += soft[i * c + j];
      for (int64_t j = 0; j < c; ++j) soft[i * c + j] /= sum;
    }
    double gradLoss = std::uniform_real_distribution<double>(-2, 2)(rng);

    struct Case {
      const char *forward, *backward;
      RefTensor labels;
    };
    for (const Case &k : {Case{"sce_index", "sce_index_grad", labelIndices},
                          Case{"sce_rows", "sce_rows_grad", soft}}) {
      RefTensor numeric = centralDifference(
          [&](const RefTensor &l) { return gradLoss * m.call(k.forward, {l, k.labels})[0][0]; },
          logits);
      RefTensor analytic = m.call(k.backward, {logits, k.labels, RefTensor::scalar(gradLoss)})[0];
      SCOPED_TRACE(std::string(k.backward) + " trial " + std::to_string(trial) + " shape " +
                   logits.describe());
      // Central differences at eps = 1e-6 of an O(1) smooth function are
      // good to ~1e-10 (see CentralDifference.h; under 1e-9 observed); 1e-8
      // leaves a margin.
      expectNear(analytic, numeric, 0, 1e-8);
    }
  }
}

TEST(ReferenceLoss, MseTextbookValue) {
  ParsedModule m(kMse);
  ASSERT_TRUE(m.ok());
  RefTensor t = oneHot({2}, 10);
  t.shape = {10};
  // 0.5 * (0.01 + 0.0025 + 0.16 + 0.0025 + 0.01 + 0.01) = 0.0975 and
  // 0.5 * (0.01 + 0.0025 + 0.81 + 0.0025 + 0.01 + 0.36) = 0.5975.
  EXPECT_NEAR(m.call("mse1", {RefTensor({10}, kRightGuess), t})[0][0], 0.0975, 1e-15);
  EXPECT_NEAR(m.call("mse1", {RefTensor({10}, kWrongGuess), t})[0][0], 0.5975, 1e-15);
  // A batch of both averages over dimension 0.
  RefTensor batch = concatRows({kRightGuess, kWrongGuess});
  EXPECT_NEAR(m.call("mse2", {batch, oneHot({2, 2}, 10)})[0][0], (0.0975 + 0.5975) / 2, 1e-15);
}

TEST(ReferenceLoss, LabelOutOfRangeIsAnErrorNamingOpSampleAndLabel) {
  ParsedModule m(kCrossEntropy);
  ASSERT_TRUE(m.ok());
  RefTensor logits({3, 10}, 0.0);
  std::string message = errorOf(m, "sce_index", {logits, indices({2, 10, 0})});
  EXPECT_NE(message.find("nabla.softmax_cross_entropy"), std::string::npos) << message;
  EXPECT_NE(message.find("label 10 of sample 1"), std::string::npos) << message;
  EXPECT_NE(message.find("C = 10"), std::string::npos) << message;

  message = errorOf(m, "sce_index", {logits, indices({-1, 0, 0})});
  EXPECT_NE(message.find("label -1 of sample 0"), std::string::npos) << message;

  RefTensor fractional = indices({0, 0, 0});
  fractional[2] = 2.5;
  message = errorOf(m, "sce_index", {logits, fractional});
  EXPECT_NE(message.find("label 2.5 of sample 2"), std::string::npos) << message;

  message = errorOf(m, "sce_index_grad", {logits, indices({0, 0, 12}), RefTensor::scalar(1.0)});
  EXPECT_NE(message.find("nabla.softmax_cross_entropy_backward"), std::string::npos) << message;
  EXPECT_NE(message.find("label 12 of sample 2"), std::string::npos) << message;
}

TEST(ReferenceLoss, RunTimeShapeMismatchesAreErrors) {
  ParsedModule m(kCrossEntropy);
  ASSERT_TRUE(m.ok());
  // The dynamic batch lets these through type checking; the kernel catches them.
  std::string message = errorOf(m, "sce_index", {RefTensor({2, 4}, 0.0), indices({0, 1, 2})});
  EXPECT_NE(message.find("[3]"), std::string::npos) << message;
  message = errorOf(m, "sce_rows", {RefTensor({2, 4}, 0.0), RefTensor({2, 5}, 0.0)});
  EXPECT_NE(message.find("[2, 5]"), std::string::npos) << message;
  message = errorOf(m, "sce_rows", {RefTensor({0, 4}), RefTensor({0, 4})});
  EXPECT_NE(message.find("empty batch"), std::string::npos) << message;
}
