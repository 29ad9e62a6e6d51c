// Halide backend: the fused ops of --nabla-fuse-conv-bias-relu (fused_conv2d,
// fused_matmul, with and without bias, relu and none) and one_hot, against
// the reference interpreter, at two batch sizes of one compiled pipeline.
//
// Tolerances as for conv2d and matmul (the fused ops accumulate the same
// products): rtol 1e-5, atol 1e-4. one_hot is exact.
#include "tests/unit/HalideTestSupport.h"

#include "runtime/Error.h"

using namespace nabla;
using namespace nabla::testing;

namespace {
constexpr Tolerance kAccumulated{1e-5, 1e-4};

/// Runs `src` at each batch size and compares with the reference.
void expectBatchesMatch(const std::string &src, const std::vector<Shape> &argShapes,
                        const std::vector<int64_t> &batches) {
  halide::Executable exe = compileSource(src, "f");
  for (int64_t batch : batches) {
    std::vector<Tensor> args;
    for (Shape shape : argShapes) {
      if (!shape.empty() && shape[0] < 0) shape[0] = batch;
      args.push_back(randomTensor(shape));
    }
    expectTensorNear(exe.run(args)[0], referenceOracle(src, "f")(toRef(args))[0], kAccumulated,
                     "batch " + std::to_string(batch) + " of\n" + src);
  }
}
} // namespace

TEST(HalideFused, FusedConv2dWithBiasAndActivation) {
  reseed(60);
  struct Case { Shape x, w; std::string attrs; Shape y; };
  std::vector<Case> cases = {
      {{-1, 1, 28, 28}, {30, 1, 5, 5}, "", {-1, 30, 24, 24}}, // SimpleConvNet conv1
      {{-1, 4, 9, 8}, {6, 2, 3, 3}, "strides = [2, 1], pads = [1, 1, 0, 1], groups = 2",
       {-1, 6, 4, 8}},
      {{-1, 3, 10, 10}, {5, 3, 3, 3}, "dilations = [2, 2], pads = [2, 2, 2, 2]", {-1, 5, 10, 10}},
  };
  for (const Case &c : cases)
    for (const char *activation : {"relu", "none"})
      for (bool bias : {true, false}) {
        std::vector<std::string> types = {tensorType(c.x), tensorType(c.w)};
        if (bias) types.push_back(tensorType({c.w[0]}));
        std::string operandTypes = types[0] + ", " + types[1] + (bias ? ", " + types[2] : "");
        std::string attrs = std::string("activation = \"") + activation + "\"" +
                            (c.attrs.empty() ? "" : ", " + c.attrs);
        std::string src = funcSource(types, tensorType(c.y),
                                     std::string("%y = nabla.fused_conv2d %a0, %a1") +
                                         (bias ? ", %a2" : "") + " {" + attrs + "} : (" +
                                         operandTypes + ") -> " + tensorType(c.y));
        std::vector<Shape> shapes = {c.x, c.w};
        if (bias) shapes.push_back({c.w[0]});
        expectBatchesMatch(src, shapes, {1, 5});
      }
}

TEST(HalideFused, FusedMatmulWithBiasAndActivation) {
  reseed(61);
  for (bool transposeRhs : {false, true})
    for (const char *activation : {"relu", "none"})
      for (bool bias : {true, false}) {
        Shape w = transposeRhs ? Shape{37, 53} : Shape{53, 37};
        std::vector<std::string> types = {tensorType({-1, 53}), tensorType(w)};
        if (bias) types.push_back(tensorType({37}));
        std::string operandTypes = types[0] + ", " + types[1] + (bias ? ", " + types[2] : "");
        std::string src = funcSource(
            types, tensorType({-1, 37}),
            std::string("%y = nabla.fused_matmul %a0, %a1") + (bias ? ", %a2" : "") +
                " {activation = \"" + activation + "\", transpose_rhs = " +
                (transposeRhs ? "true" : "false") + "} : (" + operandTypes + ") -> " +
                tensorType({-1, 37}));
        std::vector<Shape> shapes = {{-1, 53}, w};
        if (bias) shapes.push_back({37});
        expectBatchesMatch(src, shapes, {1, 3, 100});
      }
}

TEST(HalideTensor, OneHotAndItsRangeCheck) {
  std::string src = funcSource({"tensor<?xi64>"}, "tensor<?x4xf32>",
                               "%y = nabla.one_hot %a0 {depth = 4} : (tensor<?xi64>) -> tensor<?x4xf32>");
  Tensor labels = Tensor::fromVector<int64_t>({5}, {3, 0, 2, 2, 1});
  expectMatchesOracle(src, "f", {labels}, referenceOracle(src, "f"), {0, 0});
  halide::Executable exe = compileSource(src, "f");
  try {
    exe.run({Tensor::fromVector<int64_t>({2}, {1, 4})});
    FAIL() << "expected an error";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("4 is an index outside one_hot's [0, depth) with depth 4"), std::string::npos)
        << e.what();
  }
}
