// The C++ model DSL: errors that name the user's line, the modules it builds,
// and its initializers.
#include "tests/unit/TestSupport.h"

#include "frontend/Nets.h"
#include "frontend/Ops.h"
#include "ir/Dialect.h"
#include "runtime/Error.h"

#include <cmath>

using namespace nabla;
using namespace nabla::dsl;
using nabla::testing::expectNear;
using reference::RefTensor;

namespace {
/// Runs `body`, expecting a nabla::Error whose message contains every needle.
template <typename F> void expectErrorContaining(F body, std::vector<std::string> needles) {
  try {
    body();
    ADD_FAILURE() << "expected a nabla::Error";
  } catch (const Error &e) {
    for (const std::string &needle : needles)
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
          << "'" << needle << "' not in: " << e.what();
  }
}

std::string line(int n) { return "FrontendTest.cpp:" + std::to_string(n) + ":"; }
} // namespace

TEST(Frontend, ShapeErrorNamesOpShapesAndUserLine) {
  ModelBuilder m("bad_conv");
  Var x = m.input("x", {kBatch, 3, 28, 28});
  Var w = m.param("conv.W", {8, 1, 5, 5}, init::he());
  int expectedLine = __LINE__ + 1;
  expectErrorContaining([&] { conv2d(x, w); },
                        {line(expectedLine), "'nabla.conv2d' op", "3 channels",
                         "tensor<?x3x28x28xf32>", "tensor<8x1x5x5xf32>"});
}

TEST(Frontend, OperatorErrorsNameTheUserLineToo) {
  ModelBuilder m("bad_add");
  Var a = m.input("a", {kBatch, 3});
  Var b = m.param("b", {4}, init::zeros());
  int expectedLine = __LINE__ + 1;
  expectErrorContaining([&] { (void)(a + b); },
                        {line(expectedLine), "'nabla.add' op", "do not broadcast"});
}

TEST(Frontend, MatmulAndLossErrors) {
  ModelBuilder m("bad_matmul");
  Var x = m.input("x", {kBatch, 784});
  Var w = m.param("w", {100, 10}, init::zeros());
  expectErrorContaining([&] { matmul(x, w); }, {"'nabla.matmul' op", "784", "100"});
  Var t = m.labels("t", {kBatch});
  expectErrorContaining([&] { m.loss(relu(x)); }, {"loss must be a scalar"});
  expectErrorContaining([&] { softmaxCrossEntropy(x, m.input("t2", {kBatch, 3})); },
                        {"softmax_cross_entropy", "labels"});
  (void)t;
  expectErrorContaining([&] { m.param("w", {3}, init::zeros()); }, {"already has an argument named 'w'"});
}

TEST(Frontend, SimpleConvNetModuleHasNamedRoledArguments) {
  ModelBuilder m("simple_convnet");
  defineSimpleConvNet(m);
  auto module = m.build();
  auto forward = module->lookupSymbol<mlir::FuncOp>("forward");
  auto loss = module->lookupSymbol<mlir::FuncOp>("loss");
  ASSERT_TRUE(forward && loss);
  std::vector<std::pair<std::string, std::string>> expected = {
      {"x", "input"},          {"t", "label"},          {"conv1.W", "param"},
      {"conv1.b", "param"},    {"affine1.W", "param"},  {"affine1.b", "param"},
      {"affine2.W", "param"},  {"affine2.b", "param"}};
  ASSERT_EQ(loss.getNumArguments(), expected.size());
  for (unsigned i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(loss.getArgAttrOfType<mlir::StringAttr>(i, "nabla.name").getValue(), expected[i].first);
    EXPECT_EQ(loss.getArgAttrOfType<mlir::StringAttr>(i, "nabla.role").getValue(), expected[i].second);
  }
  EXPECT_EQ(forward.getNumArguments(), expected.size() - 1); // no labels
  auto context = nabla::testing::makeContext();
  EXPECT_TRUE(nabla::testing::parse(*context, m.dumpIR()));
  // The book's shapes: 30x1x5x5 filters, 30*12*12 = 4320 inputs to the hidden layer.
  EXPECT_EQ(loss.getType().getInput(2).cast<mlir::RankedTensorType>().getShape(),
            llvm::makeArrayRef<int64_t>({30, 1, 5, 5}));
  EXPECT_EQ(loss.getType().getInput(4).cast<mlir::RankedTensorType>().getShape(),
            llvm::makeArrayRef<int64_t>({4320, 100}));
}

TEST(Frontend, DumpedIRRoundTrips) {
  ModelBuilder m("two_layer_net");
  defineTwoLayerNet(m);
  std::string text = m.dumpIR();
  auto context = nabla::testing::makeContext();
  auto module = nabla::testing::parse(*context, text);
  ASSERT_TRUE(module);
  std::string again;
  llvm::raw_string_ostream os(again);
  module->print(os);
  EXPECT_EQ(os.str(), text);
}

TEST(Frontend, BatchNormAndDropoutDependOnTheFunction) {
  ModelBuilder m("mlp");
  defineMultiLayerNet(m, {.inputSize = 6, .hiddenSizes = {5}, .outputSize = 3,
                          .useBatchNorm = true, .dropoutRatio = 0.3});
  auto module = m.build();
  auto forward = module->lookupSymbol<mlir::FuncOp>("forward");
  auto loss = module->lookupSymbol<mlir::FuncOp>("loss");
  int trainingOps = 0, inferenceOps = 0;
  forward.walk([&](mlir::Operation *op) {
    if (mlir::isa<BatchNormOp, DropoutOp>(op)) inferenceOps += !op->hasAttr("training");
  });
  loss.walk([&](mlir::Operation *op) {
    if (mlir::isa<BatchNormOp, DropoutOp>(op)) trainingOps += op->hasAttr("training") ? 1 : 0;
  });
  EXPECT_EQ(inferenceOps, 2);
  EXPECT_EQ(trainingOps, 2);
  // @loss returns the loss and the two updated running statistics, and takes
  // the dropout step counter, which @forward does not.
  EXPECT_EQ(loss.getNumResults(), 3u);
  EXPECT_EQ(loss.getResultAttrOfType<mlir::StringAttr>(1, "nabla.name").getValue(),
            "batchnorm1.running_mean");
  auto countSteps = [](mlir::FuncOp f) {
    int n = 0;
    for (unsigned i = 0; i < f.getNumArguments(); ++i)
      n += f.getArgAttrOfType<mlir::StringAttr>(i, "nabla.role").getValue() == "step";
    return n;
  };
  EXPECT_EQ(countSteps(loss), 1);
  EXPECT_EQ(countSteps(forward), 0);
}

TEST(Frontend, WeightDecayAddsHalfLambdaSumOfSquares) {
  ModelBuilder m("decay");
  Var x = m.input("x", {kBatch, 2});
  Var w = m.param("fc.W", {2, 2}, init::zeros());
  Var b = m.param("fc.b", {2}, init::zeros());
  m.loss(reduceSum(square(affine(x, w, b))));
  m.weightDecay(0.1);
  auto module = m.build();
  RefTensor xv({1, 2}, {1, 1}), wv({2, 2}, {1, 2, 3, 4}), bv({2}, {10, 20});
  auto r = reference::Interpreter(*module).call("loss", {xv, wv, bv});
  // y = [1+3+10, 2+4+20] = [14, 26]; 14^2 + 26^2 = 872; 0.5 * 0.1 * 30 = 1.5 (the bias is not decayed).
  EXPECT_NEAR(r[0][0], 873.5, 1e-5);
}

TEST(Frontend, InitializersHaveTheBooksScales) {
  Shape conv = {30, 1, 5, 5}; // fan-in 25
  Shape affineShape = {400, 300}; // fan-in 400
  auto stdOf = [](const Tensor &t) {
    double sum = 0, sq = 0;
    for (float v : t.span<float>()) { sum += v; sq += double(v) * v; }
    double mean = sum / t.numel();
    return std::sqrt(sq / t.numel() - mean * mean);
  };
  EXPECT_EQ(fanIn(conv), 25);
  EXPECT_EQ(fanIn(affineShape), 400);
  // 120000 samples: the sample std is within ~0.4% of sigma with overwhelming probability.
  EXPECT_NEAR(stdOf(init::he().sample(affineShape, 1, "w")), std::sqrt(2.0 / 400), 0.01 * std::sqrt(2.0 / 400));
  EXPECT_NEAR(stdOf(init::xavier().sample(affineShape, 1, "w")), std::sqrt(1.0 / 400), 0.01 * std::sqrt(1.0 / 400));
  EXPECT_NEAR(stdOf(init::normal(0.01).sample(affineShape, 1, "w")), 0.01, 0.0001);
  Tensor a = init::he().sample(conv, 7, "conv1.W"), b = init::he().sample(conv, 7, "conv1.W");
  Tensor c = init::he().sample(conv, 7, "conv2.W");
  EXPECT_TRUE(std::equal(a.span<float>().begin(), a.span<float>().end(), b.span<float>().begin()));
  EXPECT_FALSE(std::equal(a.span<float>().begin(), a.span<float>().end(), c.span<float>().begin()));
  Tensor z = init::zeros().sample({3}, 1, "b");
  EXPECT_EQ(z.data<float>()[2], 0.0f);
}

TEST(Frontend, InitialParametersCoverParamsAndState) {
  ModelBuilder m("mlp");
  defineMultiLayerNet(m, {.inputSize = 4, .hiddenSizes = {3}, .outputSize = 2, .useBatchNorm = true});
  auto params = m.initialParameters(42);
  for (const char *name : {"affine1.W", "affine1.b", "batchnorm1.gamma", "batchnorm1.beta",
                           "batchnorm1.running_mean", "batchnorm1.running_var", "affine2.W", "affine2.b"})
    EXPECT_TRUE(params.count(name)) << name;
  EXPECT_EQ(params.at("batchnorm1.running_var").data<float>()[0], 1.0f);
  EXPECT_EQ(params.at("affine1.W").shape(), (Shape{4, 3}));
}

TEST(Frontend, ActivationsAndWeightInitsByName) {
  EXPECT_EQ(WeightInit::fixed(0.01).describe(), "std=0.01");
  EXPECT_EQ(WeightInit::fixed(1.0).describe(), "std=1");
  EXPECT_EQ(WeightInit::xavier().describe(), "Xavier");
  EXPECT_EQ(WeightInit::he().describe(), "He");
  EXPECT_STREQ(activationName(Activation::Sigmoid), "sigmoid");
  EXPECT_STREQ(activationName(Activation::Tanh), "tanh");
  EXPECT_STREQ(activationName(Activation::Relu), "relu");
  // activate() builds the op its name says.
  ModelBuilder m("act");
  Var x = m.input("x", {kBatch, 2});
  for (Activation a : {Activation::Sigmoid, Activation::Tanh, Activation::Relu}) {
    Var y = activate(x, a);
    EXPECT_EQ(y.value().getDefiningOp()->getName().getStringRef().str(),
              std::string("nabla.") + activationName(a));
  }
}

TEST(Frontend, ResidualConvNetShapes) {
  ModelBuilder m("residual_convnet");
  defineResidualConvNet(m);
  auto params = m.initialParameters(0);
  // Two 3x3 convolutions per stage (16, 32, 64); the block's second keeps the
  // channel count so it can be added to its input.
  EXPECT_EQ(params.at("conv1.W").shape(), (Shape{16, 1, 3, 3}));
  EXPECT_EQ(params.at("conv2.W").shape(), (Shape{16, 16, 3, 3}));
  EXPECT_EQ(params.at("conv3.W").shape(), (Shape{32, 16, 3, 3}));
  EXPECT_EQ(params.at("conv6.W").shape(), (Shape{64, 64, 3, 3}));
  // 28 -> 14 -> 7 -> 3 after three poolings: 64 * 3 * 3 inputs to affine1.
  EXPECT_EQ(params.at("affine1.W").shape(), (Shape{576, 50}));
  EXPECT_EQ(params.at("affine2.W").shape(), (Shape{50, 10}));
  EXPECT_EQ(params.size(), 16u);
}
