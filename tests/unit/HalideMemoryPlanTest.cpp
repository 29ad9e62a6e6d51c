// The JIT's memory planning (ScratchPlanner): the first call records the
// pipeline-level allocations, later calls run from one planned arena. Results
// must not change (every call against the reference interpreter), and the
// arena must be smaller than one buffer per intermediate.
#include "tests/unit/HalideTestSupport.h"

#include <gtest/gtest.h>

namespace nabla::testing {
namespace {

// A chain of matmuls: each product is stored (matmuls are never inlined), and
// each dies once the next one is computed, so buffers can be shared.
const char *kChain = R"(
func @chain(%x: tensor<?x64xf32>, %w: tensor<64x64xf32>) -> tensor<?x64xf32> {
  %a = nabla.matmul %x, %w : (tensor<?x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
  %b = nabla.matmul %a, %w : (tensor<?x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
  %c = nabla.matmul %b, %w : (tensor<?x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
  %d = nabla.matmul %c, %w : (tensor<?x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
  %e = nabla.matmul %d, %w : (tensor<?x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
  return %e : tensor<?x64xf32>
}
)";

TEST(HalideMemoryPlan, CallsFromThePlannedArenaGiveTheOraclesResults) {
  reseed(11);
  halide::Executable exe = compileSource(kChain, "chain");
  Oracle oracle = referenceOracle(kChain, "chain");
  std::vector<Tensor> inputs = {randomTensor({96, 64}), randomTensor({64, 64}, -0.2f, 0.2f)};
  std::vector<RefTensor> expected = oracle(toRef(inputs));
  std::vector<Shape> shapes = {inputs[0].shape(), inputs[1].shape()};
  EXPECT_EQ(exe.scratchStats(shapes).buffers, 0) << "nothing recorded before the first call";
  for (int call = 0; call < 3; ++call) {
    std::vector<Tensor> outputs = exe.run(inputs);
    expectTensorNear(outputs[0], expected[0], {1e-4, 1e-5}, "call " + std::to_string(call));
  }
  halide::ScratchStats stats = exe.scratchStats(shapes);
  EXPECT_TRUE(stats.planned);
  EXPECT_EQ(stats.buffers, 4); // %a .. %d; %e is the output
  // Halide pads each allocation a little (vector over-reads), <= 1 KiB here.
  int64_t product = 96 * 64 * 4;
  EXPECT_GE(stats.unplannedBytes, 4 * product);
  EXPECT_LE(stats.unplannedBytes, 4 * (product + 1024));
  // At most a producer and its consumer are live: the arena holds two.
  EXPECT_EQ(stats.liveBytesPeak * 2, stats.unplannedBytes);
  EXPECT_EQ(stats.arenaBytes, stats.liveBytesPeak);
}

TEST(HalideMemoryPlan, EachBatchSizeGetsItsOwnPlan) {
  reseed(12);
  halide::Executable exe = compileSource(kChain, "chain");
  Oracle oracle = referenceOracle(kChain, "chain");
  Tensor w = randomTensor({64, 64}, -0.2f, 0.2f);
  for (int64_t batch : {5, 40, 5, 40}) {
    std::vector<Tensor> inputs = {randomTensor({batch, 64}), w};
    std::vector<Tensor> outputs = exe.run(inputs);
    expectTensorNear(outputs[0], oracle(toRef(inputs))[0], {1e-4, 1e-5},
                     "batch " + std::to_string(batch));
  }
  EXPECT_GE(exe.scratchStats({{40, 64}, {64, 64}}).unplannedBytes, 4 * 40 * 64 * 4);
  EXPECT_LT(exe.scratchStats({{5, 64}, {64, 64}}).unplannedBytes, 4 * 40 * 64 * 4);
  EXPECT_TRUE(exe.scratchStats({{5, 64}, {64, 64}}).planned);
}

// Values --nabla-fuse-elementwise marks are computed inside their consumer
// and get no buffer, also where the batch is dynamic (a binary op's extent is
// then max(lhs, rhs) of two equal extents): an elementwise chain, and a
// max-pool gradient whose 2x2 windows tile the image, masked by relu's step.
// Only the pool gradient's window argmax (index and value) is stored.
const char *kMarked = R"(
func @marked(%x: tensor<?x3x8x8xf32>, %dy: tensor<?x3x4x4xf32>) -> (tensor<?x3x8x8xf32>, tensor<?x3x8x8xf32>) {
  %e = nabla.exp %x {nabla.inline} : tensor<?x3x8x8xf32>
  %m = nabla.square %e {nabla.inline} : tensor<?x3x8x8xf32>
  %s = nabla.sqrt %m : tensor<?x3x8x8xf32>
  %g = nabla.max_pool2d_backward %x, %dy {kernel_shape = [2, 2], strides = [2, 2], nabla.inline} : (tensor<?x3x8x8xf32>, tensor<?x3x4x4xf32>) -> tensor<?x3x8x8xf32>
  %step = nabla.step %x {nabla.inline} : tensor<?x3x8x8xf32>
  %dx = nabla.mul %g, %step : (tensor<?x3x8x8xf32>, tensor<?x3x8x8xf32>) -> tensor<?x3x8x8xf32>
  return %s, %dx : tensor<?x3x8x8xf32>, tensor<?x3x8x8xf32>
}
)";

TEST(HalideMemoryPlan, MarkedValuesAreComputedInlineWithoutABuffer) {
  reseed(13);
  halide::Executable exe = compileSource(kMarked, "marked");
  Oracle oracle = referenceOracle(kMarked, "marked");
  std::vector<Tensor> inputs = {randomTensor({5, 3, 8, 8}), randomTensor({5, 3, 4, 4})};
  std::vector<Tensor> outputs = exe.run(inputs);
  std::vector<RefTensor> expected = oracle(toRef(inputs));
  expectTensorNear(outputs[0], expected[0], {1e-6, 1e-6}, "sqrt(square(exp))");
  expectTensorNear(outputs[1], expected[1], {0, 0}, "pool gradient * step");
  halide::ScratchStats stats = exe.scratchStats({inputs[0].shape(), inputs[1].shape()});
  EXPECT_EQ(stats.buffers, 2) << "only the window argmax's two fields are stored";
}

} // namespace
} // namespace nabla::testing
