// Host-side checks (backends/halide/HostChecks.h): CPU pipelines whose index
// ranges the caller can check compile without Halide's assertions; the
// caller's check names the input, position and value; a function that
// computes its indices keeps the assertions.
#include "backends/halide/HostChecks.h"
#include "tests/unit/FileTestSupport.h"
#include "tests/unit/HalideTestSupport.h"

#include <gtest/gtest.h>

namespace nabla::testing {
namespace {

const char *kLoss = R"(
  func @f(%logits: tensor<?x3xf32>, %t: tensor<?xi64>) -> (tensor<f32>, tensor<?x3xf32>, tensor<?x5xf32>) {
    %l = nabla.softmax_cross_entropy %logits, %t : (tensor<?x3xf32>, tensor<?xi64>) -> tensor<f32>
    %g = nabla.softmax_cross_entropy_backward %logits, %t, %l : (tensor<?x3xf32>, tensor<?xi64>, tensor<f32>) -> tensor<?x3xf32>
    %o = nabla.one_hot %t {depth = 5} : (tensor<?xi64>) -> tensor<?x5xf32>
    return %l, %g, %o : tensor<f32>, tensor<?x3xf32>, tensor<?x5xf32>
  })";

const char *kComputedIndices = R"(
  func @g(%x: tensor<?x10xf32>) -> tensor<?x4xf32> {
    %i = nabla.argmax %x {axis = 1} : (tensor<?x10xf32>) -> tensor<?xi64>
    %y = nabla.one_hot %i {depth = 4} : (tensor<?xi64>) -> tensor<?x4xf32>
    return %y : tensor<?x4xf32>
  })";

halide::HostChecks checksOf(const char *source, llvm::StringRef name) {
  auto context = makeContext();
  auto module = parse(*context, source);
  return halide::hostChecksOf(module->lookupSymbol<mlir::FuncOp>(name));
}

TEST(HalideHostChecks, LabelArgumentsAreCheckedOncePerRange) {
  halide::HostChecks checks = checksOf(kLoss, "f");
  EXPECT_TRUE(checks.complete);
  // The loss and its backward op share [0, 3); one_hot asks for [0, 5).
  ASSERT_EQ(checks.indices.size(), 2u);
  EXPECT_EQ(checks.indices[0].argument, 1u);
  EXPECT_EQ(checks.indices[0].bound, 3);
  EXPECT_EQ(checks.indices[1].argument, 1u);
  EXPECT_EQ(checks.indices[1].bound, 5);
  EXPECT_NE(checks.indices[1].message.find("one_hot"), std::string::npos);
}

TEST(HalideHostChecks, ComputedIndicesNeedThePipelinesOwnChecks) {
  EXPECT_FALSE(checksOf(kComputedIndices, "g").complete);
}

TEST(HalideHostChecks, AnOutOfRangeLabelIsNamedBeforeTheCall) {
  halide::Executable exe = compileSource(kLoss, "f");
  Tensor logits = randomTensor({4, 3});
  EXPECT_NO_THROW(exe.run({logits, Tensor::fromVector<int64_t>({4}, {0, 2, 1, 2})}));
  for (int64_t bad : {3, -1})
    expectError([&] { exe.run({logits, Tensor::fromVector<int64_t>({4}, {0, 2, bad, 1})}); },
                {"@f: input arg1[2] = " + std::to_string(bad) +
                 " is a label outside softmax_cross_entropy's [0, classes) with classes 3"});
}

TEST(HalideHostChecks, ComputedIndicesAreCheckedInsideThePipeline) {
  halide::Executable exe = compileSource(kComputedIndices, "g");
  Tensor x({2, 10}, DType::F32);
  x.data<float>()[2] = 1; // sample 0: class 2, inside depth 4
  expectMatchesOracle(kComputedIndices, "g", {x}, referenceOracle(kComputedIndices, "g"), {0, 0});
  x.data<float>()[10 + 9] = 1; // sample 1: class 9
  expectError([&] { exe.run({x}); }, {"9 is an index outside one_hot's [0, depth) with depth 4"});
}

// Pool taps: from a function argument they are checked on the host against
// the window's KH * KW taps; from max_pool2d_with_indices they need no check.
const char *kTaps = R"(
  func @r(%i: tensor<?x1x2x2xi32>, %dy: tensor<?x1x2x2xf32>) -> tensor<?x1x4x4xf32> {
    %dx = nabla.max_pool2d_indices_backward %i, %dy {kernel_shape = [2, 2], strides = [2, 2], image_size = [4, 4]} : (tensor<?x1x2x2xi32>, tensor<?x1x2x2xf32>) -> tensor<?x1x4x4xf32>
    return %dx : tensor<?x1x4x4xf32>
  }
  func @s(%x: tensor<?x1x4x4xf32>, %dy: tensor<?x1x2x2xf32>) -> tensor<?x1x4x4xf32> {
    %p, %i = nabla.max_pool2d_with_indices %x {kernel_shape = [2, 2], strides = [2, 2]} : (tensor<?x1x4x4xf32>) -> (tensor<?x1x2x2xf32>, tensor<?x1x2x2xi32>)
    %dx = nabla.max_pool2d_indices_backward %i, %dy {kernel_shape = [2, 2], strides = [2, 2], image_size = [4, 4]} : (tensor<?x1x2x2xi32>, tensor<?x1x2x2xf32>) -> tensor<?x1x4x4xf32>
    return %dx : tensor<?x1x4x4xf32>
  })";

TEST(HalideHostChecks, PoolTapArgumentsAreCheckedAndThePoolsOwnAreNot) {
  halide::HostChecks fromArgument = checksOf(kTaps, "r"), fromPool = checksOf(kTaps, "s");
  EXPECT_TRUE(fromArgument.complete);
  ASSERT_EQ(fromArgument.indices.size(), 1u);
  EXPECT_EQ(fromArgument.indices[0].bound, 4);
  EXPECT_TRUE(fromPool.complete);
  EXPECT_TRUE(fromPool.indices.empty());

  halide::Executable exe = compileSource(kTaps, "r");
  Tensor dy = randomTensor({1, 1, 2, 2});
  Tensor taps = Tensor::fromVector<int32_t>({1, 1, 2, 2}, {0, 3, 1, 2});
  expectMatchesOracle(kTaps, "r", {taps, dy}, referenceOracle(kTaps, "r"), {0, 0});
  for (int32_t bad : {4, -1})
    expectError([&] { exe.run({Tensor::fromVector<int32_t>({1, 1, 2, 2}, {0, bad, 1, 2}), dy}); },
                {"@r: input arg0[1] = " + std::to_string(bad) +
                 " is a tap outside max_pool2d_indices_backward's window [0, KH * KW) with KH * KW 4"});
}

} // namespace
} // namespace nabla::testing
