// Halide backend: elementwise ops and broadcasting against the reference
// interpreter, including one compiled pipeline run at several batch sizes.
//
// Tolerances (f32 Halide vs the double oracle on the same f32 inputs):
// arithmetic is one f32 rounding (rtol 1e-6); exp/log/tanh/sigmoid/pow use
// Halide's f32 math, a few ulps (rtol 1e-5, atol 1e-6 near zero).
#include "tests/unit/HalideTestSupport.h"

using namespace nabla;
using namespace nabla::testing;

namespace {
constexpr Tolerance kArithmetic{1e-6, 1e-7};
constexpr Tolerance kTranscendental{1e-5, 1e-6};

std::string unarySource(const std::string &op, const Shape &shape) {
  std::string t = tensorType(shape);
  return "func @f(%x: " + t + ") -> " + t + " {\n  %y = nabla." + op + " %x : " + t +
         "\n  return %y : " + t + "\n}\n";
}

std::string binarySource(const std::string &op, const Shape &a, const Shape &b, const Shape &out) {
  std::string ta = tensorType(a), tb = tensorType(b), to = tensorType(out);
  return "func @f(%a: " + ta + ", %b: " + tb + ") -> " + to + " {\n  %y = nabla." + op +
         " %a, %b : (" + ta + ", " + tb + ") -> " + to + "\n  return %y : " + to + "\n}\n";
}
} // namespace

TEST(HalideElementwise, UnaryOpsMatchReference) {
  reseed(1);
  for (const Shape &shape : {Shape{37}, Shape{3, 5, 17}, Shape{2, 3, 4, 33}}) {
    for (const char *op : {"neg", "square", "relu", "step"}) {
      std::string src = unarySource(op, shape);
      expectMatchesOracle(src, "f", {randomTensor(shape, -3, 3)}, referenceOracle(src, "f"),
                          kArithmetic);
    }
    for (const char *op : {"exp", "tanh", "sigmoid"}) {
      std::string src = unarySource(op, shape);
      expectMatchesOracle(src, "f", {randomTensor(shape, -3, 3)}, referenceOracle(src, "f"),
                          kTranscendental);
    }
    for (const char *op : {"log", "sqrt"}) {
      std::string src = unarySource(op, shape);
      expectMatchesOracle(src, "f", {randomTensor(shape, 0.01f, 5)}, referenceOracle(src, "f"),
                          kTranscendental);
    }
  }
}

TEST(HalideElementwise, BroadcastingBinaryOpsMatchReference) {
  reseed(2);
  struct Case { Shape a, b, out; };
  std::vector<Case> cases = {
      {{5, 19}, {5, 19}, {5, 19}},       {{4, 19}, {19}, {4, 19}},
      {{4, 1}, {1, 7}, {4, 7}},          {{2, 3, 4, 5}, {3, 1, 1}, {2, 3, 4, 5}},
      {{}, {6, 2}, {6, 2}},              {{3, 1, 5}, {2, 1}, {3, 2, 5}}};
  for (const Case &c : cases) {
    for (const char *op : {"add", "sub", "mul", "maximum"}) {
      std::string src = binarySource(op, c.a, c.b, c.out);
      expectMatchesOracle(src, "f", {randomTensor(c.a), randomTensor(c.b)},
                          referenceOracle(src, "f"), kArithmetic);
    }
    std::string div = binarySource("div", c.a, c.b, c.out);
    expectMatchesOracle(div, "f", {randomTensor(c.a), randomTensor(c.b, 0.5f, 2)},
                        referenceOracle(div, "f"), kArithmetic);
    std::string pow = binarySource("pow", c.a, c.b, c.out);
    expectMatchesOracle(pow, "f", {randomTensor(c.a, 0.1f, 3), randomTensor(c.b, -2, 2)},
                        referenceOracle(pow, "f"), kTranscendental);
  }
}

TEST(HalideElementwise, OnePipelineServesEveryBatchSize) {
  reseed(3);
  const std::string src = R"(
    func @f(%x: tensor<?x10xf32>, %b: tensor<10xf32>) -> tensor<?x10xf32> {
      %y = nabla.add %x, %b : (tensor<?x10xf32>, tensor<10xf32>) -> tensor<?x10xf32>
      %r = nabla.relu %y : tensor<?x10xf32>
      return %r : tensor<?x10xf32>
    })";
  halide::Executable exe = compileSource(src, "f");
  int64_t compiles = halide::jitCacheStats().compiles;
  for (int64_t batch : {1, 7, 100, 1}) {
    std::vector<Tensor> in = {randomTensor({batch, 10}), randomTensor({10})};
    std::vector<Tensor> out = exe.run(in);
    ASSERT_EQ(out[0].shape(), (Shape{batch, 10}));
    expectTensorNear(out[0], runReference(src, "f", toRef(in))[0], kArithmetic,
                     "batch " + std::to_string(batch));
  }
  EXPECT_EQ(halide::jitCacheStats().compiles, compiles) << "no recompilation per batch size";
}

TEST(HalideElementwise, DynamicDimBroadcastsAtRunTime) {
  // %b's dynamic dim is 1 at run time and stretches to %a's size.
  reseed(4);
  const std::string src = R"(
    func @f(%a: tensor<?x4xf32>, %b: tensor<?x4xf32>) -> tensor<?x4xf32> {
      %y = nabla.mul %a, %b : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
      return %y : tensor<?x4xf32>
    })";
  expectMatchesOracle(src, "f", {randomTensor({6, 4}), randomTensor({1, 4})},
                      referenceOracle(src, "f"), kArithmetic);
  expectMatchesOracle(src, "f", {randomTensor({6, 4}), randomTensor({6, 4})},
                      referenceOracle(src, "f"), kArithmetic);
}

TEST(HalideElementwise, ConstantsSplatAndDense) {
  const std::string src = R"(
    func @f(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
      %c = nabla.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
      %s = nabla.constant dense<0.5> : tensor<3xf32>
      %y = nabla.mul %x, %c : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
      %z = nabla.add %y, %s : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
      return %z : tensor<2x3xf32>
    })";
  Tensor x = Tensor::fromVector<float>({2, 3}, {1, 1, 1, 2, 2, 2});
  std::vector<Tensor> out = compileSource(src, "f").run({x});
  EXPECT_EQ(std::vector<float>(out[0].span<float>().begin(), out[0].span<float>().end()),
            (std::vector<float>{1.5f, 2.5f, 3.5f, 8.5f, 10.5f, 12.5f}));
}
