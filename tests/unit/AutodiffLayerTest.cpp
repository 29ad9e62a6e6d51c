// Gradient checks of the layer rules (losses, convolution, pooling,
// im2col/col2im, batch norm, dropout) and of whole textbook networks, against
// central differences on the reference interpreter.
#include "tests/unit/OpGradientCheck.h"

#include "frontend/Nets.h"
#include "frontend/Ops.h"

using namespace nabla;
using namespace nabla::testing;
using reference::RefTensor;

namespace {
std::mt19937_64 &rng() {
  static std::mt19937_64 generator(7);
  return generator;
}

/// Random class indices in 0..classes-1.
RefTensor randomLabels(int64_t n, int64_t classes) {
  std::uniform_int_distribution<int64_t> dist(0, classes - 1);
  RefTensor t({n});
  for (double &v : t.data) v = double(dist(rng()));
  t.isInteger = true;
  return t;
}

/// Random probability rows (each sums to 1).
RefTensor randomProbabilities(int64_t n, int64_t classes) {
  RefTensor t = randomTensor({n, classes}, rng(), 0.1, 1.0);
  for (int64_t i = 0; i < n; ++i) {
    double sum = 0;
    for (int64_t c = 0; c < classes; ++c) sum += t[i * classes + c];
    for (int64_t c = 0; c < classes; ++c) t[i * classes + c] /= sum;
  }
  return t;
}
} // namespace

TEST(AutodiffLoss, SoftmaxCrossEntropyIndexAndOneHot) {
  const char *indexSrc = R"(
    func @loss(%x: tensor<?x5xf32> {nabla.name = "x", nabla.role = "param"},
               %t: tensor<?xi64> {nabla.name = "t", nabla.role = "label"}) -> tensor<f32> {
      %l = nabla.softmax_cross_entropy %x, %t : (tensor<?x5xf32>, tensor<?xi64>) -> tensor<f32>
      return %l : tensor<f32>
    })";
  expectGradientsMatch(indexSrc, "loss", {randomTensor({4, 5}, rng(), -3, 3), randomLabels(4, 5)});
  const char *probSrc = R"(
    func @loss(%x: tensor<?x5xf32> {nabla.name = "x", nabla.role = "param"},
               %t: tensor<?x5xf32> {nabla.name = "t", nabla.role = "label"}) -> tensor<f32> {
      %l = nabla.softmax_cross_entropy %x, %t : (tensor<?x5xf32>, tensor<?x5xf32>) -> tensor<f32>
      return %l : tensor<f32>
    })";
  expectGradientsMatch(probSrc, "loss", {randomTensor({3, 5}, rng(), -3, 3), randomProbabilities(3, 5)});
}

TEST(AutodiffLoss, MeanSquaredError) {
  const char *src = R"(
    func @loss(%y: tensor<?x3xf32> {nabla.name = "y", nabla.role = "param"},
               %t: tensor<?x3xf32> {nabla.name = "t", nabla.role = "param"}) -> tensor<f32> {
      %l = nabla.mse_loss %y, %t : (tensor<?x3xf32>, tensor<?x3xf32>) -> tensor<f32>
      return %l : tensor<f32>
    })";
  expectGradientsMatch(src, "loss", {randomTensor({4, 3}, rng()), randomTensor({4, 3}, rng())});
}

TEST(AutodiffConv, StridedPaddedDilatedGroupedWithBias) {
  struct Case { std::string attrs, x, w, b, out; Shape xs, ws, bs, os; };
  const Case cases[] = {
      {"{strides = [1, 1], pads = [0, 0, 0, 0]}", "tensor<2x3x6x6xf32>", "tensor<4x3x3x3xf32>",
       "tensor<4xf32>", "tensor<2x4x4x4xf32>", {2, 3, 6, 6}, {4, 3, 3, 3}, {4}, {2, 4, 4, 4}},
      {"{strides = [2, 2], pads = [1, 2, 0, 1]}", "tensor<1x2x7x6xf32>", "tensor<3x2x3x2xf32>",
       "tensor<3xf32>", "tensor<1x3x3x4xf32>", {1, 2, 7, 6}, {3, 2, 3, 2}, {3}, {1, 3, 3, 4}},
      {"{dilations = [2, 2], pads = [1, 1, 1, 1]}", "tensor<1x2x6x6xf32>", "tensor<2x2x3x3xf32>",
       "tensor<2xf32>", "tensor<1x2x4x4xf32>", {1, 2, 6, 6}, {2, 2, 3, 3}, {2}, {1, 2, 4, 4}},
      {"{groups = 2, pads = [1, 1, 1, 1]}", "tensor<2x4x5x5xf32>", "tensor<6x2x3x3xf32>",
       "tensor<6xf32>", "tensor<2x6x5x5xf32>", {2, 4, 5, 5}, {6, 2, 3, 3}, {6}, {2, 6, 5, 5}},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.attrs);
    checkOpGradient({{c.x, c.w, c.b},
                     "  %out = nabla.conv2d %a0, %a1, %a2 " + c.attrs + " : (" + c.x + ", " + c.w +
                         ", " + c.b + ") -> " + c.out,
                     c.out},
                    {c.xs, c.ws, c.bs}, c.os, rng());
  }
}

TEST(AutodiffPool, MaxAndAverageWithOverlapAndPadding) {
  struct Case { std::string op, attrs, out; Shape os; };
  const Case cases[] = {
      {"max_pool2d", "{kernel_shape = [2, 2], strides = [2, 2]}", "tensor<2x3x3x3xf32>", {2, 3, 3, 3}},
      {"max_pool2d", "{kernel_shape = [3, 3], strides = [1, 1]}", "tensor<2x3x4x4xf32>", {2, 3, 4, 4}},
      {"avg_pool2d", "{kernel_shape = [3, 3], strides = [2, 2], pads = [1, 1, 1, 1]}",
       "tensor<2x3x3x3xf32>", {2, 3, 3, 3}},
      {"avg_pool2d", "{kernel_shape = [2, 2], strides = [1, 1], count_include_pad = true, pads = [1, 0, 0, 1]}",
       "tensor<2x3x6x6xf32>", {2, 3, 6, 6}},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.op + " " + c.attrs);
    checkOpGradient({{"tensor<2x3x6x6xf32>"},
                     "  %out = nabla." + c.op + " %a0 " + c.attrs + " : (tensor<2x3x6x6xf32>) -> " + c.out,
                     c.out},
                    {{2, 3, 6, 6}}, c.os, rng());
  }
}

TEST(AutodiffConv, Im2ColAndCol2ImAreAdjoints) {
  checkOpGradient({{"tensor<2x2x5x5xf32>"},
                   "  %out = nabla.im2col %a0 {kernel_shape = [3, 3], strides = [2, 2], pads = [1, 1, 1, 1]} "
                   ": (tensor<2x2x5x5xf32>) -> tensor<18x18xf32>",
                   "tensor<18x18xf32>"},
                  {{2, 2, 5, 5}}, {18, 18}, rng());
  checkOpGradient({{"tensor<18x18xf32>"},
                   "  %out = nabla.col2im %a0 {kernel_shape = [3, 3], strides = [2, 2], pads = [1, 1, 1, 1], "
                   "image_size = [5, 5]} : (tensor<18x18xf32>) -> tensor<2x2x5x5xf32>",
                   "tensor<2x2x5x5xf32>"},
                  {{18, 18}}, {2, 2, 5, 5}, rng());
}

TEST(AutodiffNormalization, BatchNormTrainingAndInference) {
  for (bool training : {true, false})
    for (int rank : {2, 4}) {
      SCOPED_TRACE(std::string(training ? "training" : "inference") + " rank " + std::to_string(rank));
      std::string x = rank == 2 ? "tensor<5x3xf32>" : "tensor<2x3x2x2xf32>";
      Shape xs = rank == 2 ? Shape{5, 3} : Shape{2, 3, 2, 2};
      std::string attrs = training ? "{training}" : "";
      OpUnderTest op{{x, "tensor<3xf32>", "tensor<3xf32>", "tensor<3xf32>", "tensor<3xf32>"},
                     "  %out, %m, %v = nabla.batch_norm %a0, %a1, %a2, %a3, %a4 " + attrs + " : (" + x +
                         ", tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (" + x +
                         ", tensor<3xf32>, tensor<3xf32>)",
                     x,
                     {true, true, true, false, false}};
      std::vector<RefTensor> args = {randomTensor(xs, rng()), randomTensor({3}, rng(), 0.5, 2),
                                     randomTensor({3}, rng()), randomTensor({3}, rng()),
                                     randomTensor({3}, rng(), 0.5, 2), randomTensor(xs, rng())};
      expectGradientsMatch(opLossSource(op), "loss", args);
    }
}

TEST(AutodiffNormalization, DropoutWithAFixedMask) {
  OpUnderTest op{{"tensor<6x7xf32>", "tensor<i64>"},
                 "  %out, %mask = nabla.dropout %a0, %a1 {ratio = 0.4 : f32, seed = 3, training} : "
                 "(tensor<6x7xf32>, tensor<i64>) -> (tensor<6x7xf32>, tensor<6x7xf32>)",
                 "tensor<6x7xf32>",
                 {true, false}};
  RefTensor step = RefTensor::scalar(5);
  step.isInteger = true;
  expectGradientsMatch(opLossSource(op), "loss",
                       {randomTensor({6, 7}, rng()), step, randomTensor({6, 7}, rng())});
}

namespace {
/// Checks every parameter gradient of a DSL model's @loss at small sizes.
void checkNet(dsl::ModelBuilder &m, std::vector<RefTensor> dataAndLabels) {
  auto module = m.build();
  std::vector<RefTensor> args;
  size_t next = 0;
  for (const dsl::ArgSpec &spec : m.arguments()) {
    if (spec.role == dsl::Role::Param || spec.role == dsl::Role::State) {
      Tensor init = spec.init.sample(spec.shape, 11, spec.name);
      RefTensor value = RefTensor::fromTensor(init);
      // Biases and batch-norm parameters start at constants; perturb them so
      // the check sees a generic point.
      for (double &v : value.data) v += std::uniform_real_distribution<double>(-0.1, 0.1)(rng());
      if (spec.name.find("running_var") != std::string::npos)
        for (double &v : value.data) v = std::abs(v) + 0.5;
      args.push_back(value);
    } else {
      args.push_back(dataAndLabels.at(next++));
    }
  }
  expectGradientsMatch(*module, "loss", args, {.maxEntriesPerArg = 24});
}
} // namespace

TEST(AutodiffNets, TwoLayerNet) {
  dsl::ModelBuilder m("two_layer_net");
  dsl::defineTwoLayerNet(m, {.inputSize = 12, .hiddenSize = 7, .outputSize = 4, .weightInitStd = 0.5});
  checkNet(m, {randomTensor({5, 12}, rng()), randomLabels(5, 4)});
}

TEST(AutodiffNets, SimpleConvNetAtSmallSize) {
  dsl::ModelBuilder m("simple_convnet");
  dsl::defineSimpleConvNet(m, {.channels = 1, .height = 10, .width = 10, .filterNum = 3,
                               .filterSize = 3, .hiddenSize = 6, .outputSize = 4,
                               .weightInit = dsl::WeightInit::fixed(0.3)});
  checkNet(m, {randomTensor({3, 1, 10, 10}, rng()), randomLabels(3, 4)});
}

TEST(AutodiffNets, ResidualConvNetAtSmallSize) {
  dsl::ModelBuilder m("residual_convnet");
  dsl::defineResidualConvNet(m, {.channels = 1, .height = 8, .width = 8, .stageFilters = {2, 3},
                                 .hiddenSize = 5, .outputSize = 4, .dropoutRatio = 0});
  checkNet(m, {randomTensor({3, 1, 8, 8}, rng()), randomLabels(3, 4)});
}

TEST(AutodiffNets, MultiLayerNetWithBatchNormAndWeightDecay) {
  dsl::ModelBuilder m("multi_layer_net");
  dsl::defineMultiLayerNet(m, {.inputSize = 6, .hiddenSizes = {5, 4}, .outputSize = 3,
                               .activation = dsl::Activation::Tanh,
                               .weightInit = dsl::WeightInit::xavier(), .useBatchNorm = true,
                               .weightDecayLambda = 0.1});
  checkNet(m, {randomTensor({6, 6}, rng()), randomLabels(6, 3)});
}
