// Halide backend: reductions, argmax, softmax/log_softmax and the losses.
// Oracle: the reference interpreter.
//
// Tolerances: sums of up to ~400 f32 values in [-1, 1]: rtol 1e-5, atol 1e-5;
// softmax-family results involve exp/log of f32 values: rtol 1e-5, atol 1e-6.
// argmax is exact.
#include "tests/unit/HalideTestSupport.h"

#include "runtime/Error.h"

using namespace nabla;
using namespace nabla::testing;

namespace {
constexpr Tolerance kSum{1e-5, 1e-5};
constexpr Tolerance kSoftmax{1e-5, 1e-6};

std::string unaryOp(const std::string &op, const std::string &attrs, const Shape &in,
                    const std::string &outType) {
  std::string t = tensorType(in);
  return "func @f(%x: " + t + ") -> " + outType + " {\n  %y = nabla." + op + " %x " + attrs +
         " : (" + t + ") -> " + outType + "\n  return %y : " + outType + "\n}\n";
}

std::string shapeString(const Shape &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

/// The result shape of reducing `in` over `axes` (all when empty).
Shape reducedShape(const Shape &in, std::vector<int64_t> axes, bool keepdims) {
  int64_t rank = int64_t(in.size());
  if (axes.empty())
    for (int64_t a = 0; a < rank; ++a) axes.push_back(a);
  Shape out;
  for (int64_t d = 0; d < rank; ++d) {
    bool reduced = false;
    for (int64_t a : axes) reduced |= (a + rank) % rank == d;
    if (!reduced) out.push_back(in[size_t(d)]);
    else if (keepdims) out.push_back(1);
  }
  return out;
}
} // namespace

TEST(HalideReduction, SumMeanMaxOverAxes) {
  reseed(20);
  struct Case { Shape in; std::vector<int64_t> axes; bool keepdims; };
  std::vector<Case> cases = {{{7, 10}, {1}, false}, {{7, 10}, {0}, true}, {{7, 10}, {}, false},
                             {{2, 3, 4, 5}, {1, 3}, false}, {{2, 3, 4, 5}, {-1}, true},
                             {{3, 33}, {1}, true}, {{20, 20}, {0, 1}, true},
                             // a conv's bias gradient: the innermost dim summed in lanes
                             {{3, 4, 5, 24}, {0, 2, 3}, false}, {{2, 3, 2, 13}, {0, 3}, true}};
  for (const Case &c : cases) {
    std::string attrs = "{axes = " + shapeString(c.axes) + ", keepdims = " +
                        (c.keepdims ? "true" : "false") + "}";
    for (const char *kind : {"sum", "mean", "max"}) {
      std::string src = unaryOp(std::string("reduce_") + kind, attrs, c.in, tensorType(reducedShape(c.in, c.axes, c.keepdims)));
      expectMatchesOracle(src, "f", {randomTensor(c.in)}, referenceOracle(src, "f"), kSum);
    }
  }
}

TEST(HalideReduction, ArgmaxTakesTheFirstMaximum) {
  reseed(21);
  std::string src = unaryOp("argmax", "{axis = 1}", {5, 9}, "tensor<5xi64>");
  expectMatchesOracle(src, "f", {randomTensor({5, 9})}, referenceOracle(src, "f"), {0, 0});
  // Ties: the first index wins.
  Tensor ties = Tensor::fromVector<float>({2, 4}, {1, 3, 3, 0, -1, -1, -1, -1});
  std::vector<Tensor> out = compileSource(unaryOp("argmax", "{axis = -1, keepdims = true}", {2, 4},
                                                  "tensor<2x1xi64>"), "f").run({ties});
  EXPECT_EQ(out[0].data<int64_t>()[0], 1);
  EXPECT_EQ(out[0].data<int64_t>()[1], 0);
  std::string axis0 = unaryOp("argmax", "{axis = 0}", {6, 3, 4}, "tensor<3x4xi64>");
  expectMatchesOracle(axis0, "f", {randomTensor({6, 3, 4})}, referenceOracle(axis0, "f"), {0, 0});
}

TEST(HalideReduction, SoftmaxAndLogSoftmaxAreStable) {
  reseed(22);
  for (const char *op : {"softmax", "log_softmax"}) {
    for (int64_t axis : {1, 0, -1}) {
      Shape shape = {6, 11};
      std::string t = tensorType(shape);
      std::string src = "func @f(%x: " + t + ") -> " + t + " {\n  %y = nabla." + op +
                        " %x {axis = " + std::to_string(axis) + "} : " + t +
                        "\n  return %y : " + t + "\n}\n";
      // Logits around 80 overflow exp() in f32 unless the maximum is subtracted.
      expectMatchesOracle(src, "f", {randomTensor(shape, 60, 100)}, referenceOracle(src, "f"),
                          kSoftmax);
    }
  }
}

TEST(HalideLoss, SoftmaxCrossEntropyWithIndexAndOneHotLabels) {
  reseed(23);
  const std::string src = R"(
    func @f(%logits: tensor<?x10xf32>, %t: tensor<?xi64>) -> tensor<f32> {
      %l = nabla.softmax_cross_entropy %logits, %t : (tensor<?x10xf32>, tensor<?xi64>) -> tensor<f32>
      return %l : tensor<f32>
    })";
  const std::string oneHot = R"(
    func @f(%logits: tensor<?x10xf32>, %t: tensor<?x10xf32>) -> tensor<f32> {
      %l = nabla.softmax_cross_entropy %logits, %t : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<f32>
      return %l : tensor<f32>
    })";
  halide::Executable exe = compileSource(src, "f");
  for (int64_t batch : {1, 7, 64}) {
    std::vector<Tensor> in = {randomTensor({batch, 10}, -5, 5), randomLabels(batch, 10)};
    expectTensorNear(exe.run(in)[0], referenceOracle(src, "f")(toRef(in))[0], kSoftmax,
                     "index labels");
    Tensor t({batch, 10}, DType::F32);
    for (int64_t n = 0; n < batch; ++n) t.data<float>()[n * 10 + in[1].data<int64_t>()[n]] = 1;
    expectMatchesOracle(oneHot, "f", {in[0], t}, referenceOracle(oneHot, "f"), kSoftmax);
  }
}

TEST(HalideLoss, OutOfRangeLabelIsAnError) {
  const std::string src = R"(
    func @f(%logits: tensor<?x3xf32>, %t: tensor<?xi64>) -> tensor<f32> {
      %l = nabla.softmax_cross_entropy %logits, %t : (tensor<?x3xf32>, tensor<?xi64>) -> tensor<f32>
      return %l : tensor<f32>
    })";
  halide::Executable exe = compileSource(src, "f");
  Tensor labels = Tensor::fromVector<int64_t>({2}, {0, 3});
  try {
    exe.run({randomTensor({2, 3}), labels});
    FAIL() << "expected an error";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("3 is a label outside softmax_cross_entropy's [0, classes) with classes 3"), std::string::npos) << e.what();
  }
}

TEST(HalideLoss, SoftmaxCrossEntropyBackward) {
  reseed(24);
  const std::string src = R"(
    func @f(%logits: tensor<?x10xf32>, %t: tensor<?xi64>, %g: tensor<f32>) -> tensor<?x10xf32> {
      %d = nabla.softmax_cross_entropy_backward %logits, %t, %g : (tensor<?x10xf32>, tensor<?xi64>, tensor<f32>) -> tensor<?x10xf32>
      return %d : tensor<?x10xf32>
    })";
  halide::Executable exe = compileSource(src, "f");
  for (int64_t batch : {1, 7}) {
    std::vector<Tensor> in = {randomTensor({batch, 10}, -5, 5), randomLabels(batch, 10),
                              Tensor::scalar<float>(1.5f)};
    expectTensorNear(exe.run(in)[0], referenceOracle(src, "f")(toRef(in))[0], kSoftmax,
                     "batch " + std::to_string(batch));
  }
}

TEST(HalideLoss, MeanSquaredError) {
  reseed(25);
  for (const Shape &shape : {Shape{7, 10}, Shape{10}, Shape{3, 4, 5}}) {
    std::string t = tensorType(shape);
    std::string src = "func @f(%p: " + t + ", %t: " + t + ") -> tensor<f32> {\n"
                      "  %l = nabla.mse_loss %p, %t : (" + t + ", " + t + ") -> tensor<f32>\n"
                      "  return %l : tensor<f32>\n}\n";
    expectMatchesOracle(src, "f", {randomTensor(shape), randomTensor(shape)},
                        referenceOracle(src, "f"), kSum);
  }
}
