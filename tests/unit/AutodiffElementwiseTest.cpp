// Gradient checks of the elementwise, tensor and reduction rules against
// central differences on the reference interpreter.
#include "tests/unit/OpGradientCheck.h"

using namespace nabla;
using namespace nabla::testing;

namespace {
std::mt19937_64 &rng() {
  static std::mt19937_64 generator(20261123);
  return generator;
}

void checkUnary(const std::string &name, bool positive = false) {
  SCOPED_TRACE(name);
  OpUnderTest op{{"tensor<3x4xf32>"}, "  %out = nabla." + name + " %a0 : tensor<3x4xf32>",
                 "tensor<3x4xf32>"};
  checkOpGradient(op, {{3, 4}}, {3, 4}, rng(), positive);
}

void checkBinary(const std::string &name, const std::string &lhs, const std::string &rhs,
                 const std::string &out, Shape ls, Shape rs, Shape os, bool positive = false) {
  SCOPED_TRACE(name + " " + lhs + " " + rhs);
  OpUnderTest op{{lhs, rhs},
                 "  %out = nabla." + name + " %a0, %a1 : (" + lhs + ", " + rhs + ") -> " + out,
                 out};
  checkOpGradient(op, {ls, rs}, os, rng(), positive);
}
} // namespace

TEST(AutodiffElementwise, UnaryOps) {
  for (const char *name : {"neg", "exp", "square", "relu", "sigmoid", "tanh"}) checkUnary(name);
  checkUnary("log", /*positive=*/true);
  checkUnary("sqrt", /*positive=*/true);
}

TEST(AutodiffElementwise, BinaryOpsWithBroadcasting) {
  for (const char *name : {"add", "sub", "mul", "maximum"}) {
    checkBinary(name, "tensor<3x4xf32>", "tensor<3x4xf32>", "tensor<3x4xf32>", {3, 4}, {3, 4}, {3, 4});
    checkBinary(name, "tensor<3x4xf32>", "tensor<4xf32>", "tensor<3x4xf32>", {3, 4}, {4}, {3, 4});
    checkBinary(name, "tensor<2x1x4xf32>", "tensor<3x1xf32>", "tensor<2x3x4xf32>", {2, 1, 4},
                {3, 1}, {2, 3, 4});
  }
  checkBinary("div", "tensor<3x4xf32>", "tensor<1x4xf32>", "tensor<3x4xf32>", {3, 4}, {1, 4},
              {3, 4}, /*positive=*/true);
  checkBinary("pow", "tensor<3x4xf32>", "tensor<4xf32>", "tensor<3x4xf32>", {3, 4}, {4}, {3, 4},
              /*positive=*/true);
}

TEST(AutodiffTensor, MatmulWithEveryTransposeCombination) {
  struct Case { const char *attrs; const char *lhs; const char *rhs; Shape ls, rs; };
  const Case cases[] = {
      {"", "tensor<3x5xf32>", "tensor<5x2xf32>", {3, 5}, {5, 2}},
      {"{transpose_lhs = true}", "tensor<5x3xf32>", "tensor<5x2xf32>", {5, 3}, {5, 2}},
      {"{transpose_rhs = true}", "tensor<3x5xf32>", "tensor<2x5xf32>", {3, 5}, {2, 5}},
      {"{transpose_lhs = true, transpose_rhs = true}", "tensor<5x3xf32>", "tensor<2x5xf32>",
       {5, 3}, {2, 5}},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.attrs);
    OpUnderTest op{{c.lhs, c.rhs},
                   std::string("  %out = nabla.matmul %a0, %a1 ") + c.attrs + " : (" + c.lhs +
                       ", " + c.rhs + ") -> tensor<3x2xf32>",
                   "tensor<3x2xf32>"};
    checkOpGradient(op, {c.ls, c.rs}, {3, 2}, rng());
  }
}

TEST(AutodiffTensor, TransposeReshapeFlatten) {
  checkOpGradient({{"tensor<2x3x4xf32>"},
                   "  %out = nabla.transpose %a0 {perm = [1, 2, 0]} : (tensor<2x3x4xf32>) -> tensor<3x4x2xf32>",
                   "tensor<3x4x2xf32>"},
                  {{2, 3, 4}}, {3, 4, 2}, rng());
  checkOpGradient({{"tensor<2x3x4xf32>"},
                   "  %out = nabla.reshape %a0 {shape = [4, -1]} : (tensor<2x3x4xf32>) -> tensor<4x6xf32>",
                   "tensor<4x6xf32>"},
                  {{2, 3, 4}}, {4, 6}, rng());
  checkOpGradient({{"tensor<2x3x4xf32>"},
                   "  %out = nabla.flatten %a0 : (tensor<2x3x4xf32>) -> tensor<2x12xf32>",
                   "tensor<2x12xf32>"},
                  {{2, 3, 4}}, {2, 12}, rng());
}

TEST(AutodiffReduction, SumMeanMaxOverAxes) {
  for (const char *name : {"reduce_sum", "reduce_mean", "reduce_max"}) {
    SCOPED_TRACE(name);
    std::string n = name;
    checkOpGradient({{"tensor<3x4x5xf32>"},
                     "  %out = nabla." + n + " %a0 {axes = [1]} : (tensor<3x4x5xf32>) -> tensor<3x5xf32>",
                     "tensor<3x5xf32>"},
                    {{3, 4, 5}}, {3, 5}, rng());
    checkOpGradient({{"tensor<3x4x5xf32>"},
                     "  %out = nabla." + n +
                         " %a0 {axes = [0, -1], keepdims = true} : (tensor<3x4x5xf32>) -> tensor<1x4x1xf32>",
                     "tensor<1x4x1xf32>"},
                    {{3, 4, 5}}, {1, 4, 1}, rng());
    checkOpGradient({{"tensor<3x4xf32>"},
                     "  %out = nabla." + n + " %a0 : (tensor<3x4xf32>) -> tensor<f32>", "tensor<f32>"},
                    {{3, 4}}, {}, rng());
  }
}

TEST(AutodiffReduction, SoftmaxAndLogSoftmax) {
  for (const char *name : {"softmax", "log_softmax"})
    for (int axis : {0, 1}) {
      SCOPED_TRACE(std::string(name) + " axis " + std::to_string(axis));
      checkOpGradient({{"tensor<4x6xf32>"},
                       "  %out = nabla." + std::string(name) + " %a0 {axis = " +
                           std::to_string(axis) + "} : tensor<4x6xf32>",
                       "tensor<4x6xf32>"},
                      {{4, 6}}, {4, 6}, rng());
    }
}

TEST(AutodiffTensor, DynamicBatchBroadcastAndMean) {
  // A dynamic batch: the bias gradient sums over it and reduce_mean divides by
  // a count known only at run time.
  const char *src = R"(
    func @loss(%x: tensor<?x4xf32> {nabla.name = "x", nabla.role = "input"},
               %b: tensor<4xf32> {nabla.name = "b", nabla.role = "param"},
               %w: tensor<4x3xf32> {nabla.name = "w", nabla.role = "param"}) -> tensor<f32> {
      %h = nabla.add %x, %b : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
      %t = nabla.tanh %h : tensor<?x4xf32>
      %y = nabla.matmul %t, %w : (tensor<?x4xf32>, tensor<4x3xf32>) -> tensor<?x3xf32>
      %s = nabla.square %y : tensor<?x3xf32>
      %l = nabla.reduce_mean %s : (tensor<?x3xf32>) -> tensor<f32>
      return %l : tensor<f32>
    })";
  for (int64_t batch : {1, 5})
    expectGradientsMatch(src, "loss",
                         {randomTensor({batch, 4}, rng()), randomTensor({4}, rng()),
                          randomTensor({4, 3}, rng())});
}
