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

// A part of a split training step reads its batches from several
// arguments, whose dynamic extents no proof relates: relu's step of one is
// still computed inside the product with another, without a buffer. Where
// the extents differ (a batch of 1 broadcast), the inlined value is right.
const char *kMarkedAcrossArguments = R"(
func @across(%x: tensor<?x3x8x8xf32>, %g: tensor<?x3x8x8xf32>) -> (tensor<?x3x8x8xf32>, tensor<3xf32>) {
  %step = nabla.step %x {nabla.inline} : tensor<?x3x8x8xf32>
  %dx = nabla.mul %g, %step : (tensor<?x3x8x8xf32>, tensor<?x3x8x8xf32>) -> tensor<?x3x8x8xf32>
  %db = nabla.reduce_sum %dx {axes = [0, 2, 3], keepdims = false} : (tensor<?x3x8x8xf32>) -> tensor<3xf32>
  return %dx, %db : tensor<?x3x8x8xf32>, tensor<3xf32>
}
)";

TEST(HalideMemoryPlan, MarkedValuesOfOneArgumentAreInlinedIntoReadersOfAnother) {
  reseed(15);
  halide::Executable exe = compileSource(kMarkedAcrossArguments, "across");
  Oracle oracle = referenceOracle(kMarkedAcrossArguments, "across");
  for (int64_t xBatch : {5, 1}) {
    std::vector<Tensor> inputs = {randomTensor({xBatch, 3, 8, 8}), randomTensor({5, 3, 8, 8})};
    std::vector<Tensor> outputs = exe.run(inputs);
    std::vector<RefTensor> expected = oracle(toRef(inputs));
    std::string where = "x batch " + std::to_string(xBatch);
    expectTensorNear(outputs[0], expected[0], {0, 0}, where + ": g * step(x)");
    expectTensorNear(outputs[1], expected[1], {1e-5, 1e-5}, where + ": its sum");
    halide::ScratchStats stats = exe.scratchStats({inputs[0].shape(), inputs[1].shape()});
    EXPECT_EQ(stats.buffers, 0) << where << ": nothing stored (the sum's lanes are on the stack)";
  }
}

// Adam's update of a 64 x 100 parameter as --nabla-fuse-loop-groups marks
// it: the regularized gradient %g is inlined into both moments and the new
// moments into the new parameter, and the three outputs run in one loop, so
// no intermediate of the parameter's shape is stored. With only
// --nabla-fuse-elementwise's marks %g (read twice) is stored.
std::string adamUpdate(bool grouped) {
  std::string inlineTwice = grouped ? " {nabla.inline}" : "";
  std::string group = grouped ? " {nabla.loop_group = 0 : i64}" : "";
  std::string p = "tensor<64x100xf32>";
  return R"(
func @adam(%w: )" + p + ", %dw: " + p + ", %m0: " + p + ", %v0: " + p + R"(,
           %lr: tensor<f32>, %wd: tensor<f32>, %b1: tensor<f32>, %b2: tensor<f32>, %eps: tensor<f32>)
    -> ()" + p + ", " + p + ", " + p + R"() {
  %one = nabla.constant dense<1.0> : tensor<f32>
  %decay = nabla.mul %wd, %w {nabla.inline} : (tensor<f32>, )" + p + ") -> " + p + R"(
  %g = nabla.add %dw, %decay)" + inlineTwice + " : (" + p + ", " + p + ") -> " + p + R"(
  %mm = nabla.mul %b1, %m0 {nabla.inline} : (tensor<f32>, )" + p + ") -> " + p + R"(
  %c1 = nabla.sub %one, %b1 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %gm = nabla.mul %c1, %g {nabla.inline} : (tensor<f32>, )" + p + ") -> " + p + R"(
  %m = nabla.add %mm, %gm)" + group + " : (" + p + ", " + p + ") -> " + p + R"(
  %vv = nabla.mul %b2, %v0 {nabla.inline} : (tensor<f32>, )" + p + ") -> " + p + R"(
  %c2 = nabla.sub %one, %b2 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %g2 = nabla.mul %g, %g {nabla.inline} : ()" + p + ", " + p + ") -> " + p + R"(
  %gv = nabla.mul %c2, %g2 {nabla.inline} : (tensor<f32>, )" + p + ") -> " + p + R"(
  %v = nabla.add %vv, %gv)" + group + " : (" + p + ", " + p + ") -> " + p + R"(
  %r = nabla.sqrt %v {nabla.inline} : )" + p + R"(
  %d = nabla.add %r, %eps {nabla.inline} : ()" + p + ", tensor<f32>) -> " + p + R"(
  %q = nabla.div %m, %d {nabla.inline} : ()" + p + ", " + p + ") -> " + p + R"(
  %s = nabla.mul %lr, %q {nabla.inline} : (tensor<f32>, )" + p + ") -> " + p + R"(
  %w1 = nabla.sub %w, %s)" + group + " : (" + p + ", " + p + ") -> " + p + R"(
  return %w1, %m, %v : )" + p + ", " + p + ", " + p + R"(
}
)";
}

TEST(HalideMemoryPlan, LoopGroupsStoreNothingOfTheParametersShape) {
  reseed(15);
  std::vector<Tensor> inputs = {randomTensor({64, 100}), randomTensor({64, 100}),
                                randomTensor({64, 100}, -0.1f, 0.1f),
                                randomTensor({64, 100}, 0.0f, 0.1f)};
  for (float hyper : {0.01f, 0.001f, 0.9f, 0.999f, 1e-7f}) inputs.push_back(Tensor::scalar(hyper));
  std::vector<Shape> shapes;
  for (const Tensor &t : inputs) shapes.push_back(t.shape());
  std::vector<RefTensor> expected = referenceOracle(adamUpdate(false), "adam")(toRef(inputs));
  int64_t parameterBytes = 64 * 100 * 4;
  for (bool grouped : {false, true}) {
    halide::Executable exe = compileSource(adamUpdate(grouped), "adam");
    for (int call = 0; call < 2; ++call) {
      std::vector<Tensor> outputs = exe.run(inputs);
      for (size_t i = 0; i < outputs.size(); ++i)
        expectTensorNear(outputs[i], expected[i], {1e-5, 1e-6},
                         "result " + std::to_string(i) + (grouped ? " (grouped)" : ""));
    }
    int64_t stored = exe.scratchStats(shapes).unplannedBytes;
    if (grouped) EXPECT_LT(stored, parameterBytes) << "no tensor of the parameter's shape";
    else EXPECT_GE(stored, parameterBytes) << "the gradient read twice is stored";
  }
}

// Convolutions --nabla-fuse-conv-pool marked are computed inside the max pool
// that reads them and never stored: SimpleConvNet's conv + relu + 2x2 pool;
// a padded 3-channel conv whose 9x9 output leaves the last row and column
// out of the 2x2 windows; 3x3 windows (tiles of 3 rows); a 12-wide conv
// computed as flat planes in tiles of 4 rows. The same functions without
// the marks store each conv's output once more. Every batch is dynamic, so
// that an unmarked conv's output is a heap buffer, which the scratch
// statistics count (Halide puts small buffers of constant size on the stack).
std::string convPools(const std::string &mark) {
  return R"(
func @pools(%x: tensor<?x1x28x28xf32>, %w: tensor<30x1x5x5xf32>, %b: tensor<30xf32>,
            %x2: tensor<?x3x9x9xf32>, %w2: tensor<8x3x3x3xf32>, %w3: tensor<4x3x3x3xf32>,
            %x4: tensor<?x2x14x14xf32>, %w4: tensor<6x2x3x3xf32>)
    -> (tensor<?x30x12x12xf32>, tensor<?x8x4x4xf32>, tensor<?x4x2x2xf32>, tensor<?x6x6x6xf32>) {
  %y = nabla.fused_conv2d %x, %w, %b {activation = "relu")" + mark + R"(} : (tensor<?x1x28x28xf32>, tensor<30x1x5x5xf32>, tensor<30xf32>) -> tensor<?x30x24x24xf32>
  %p = nabla.max_pool2d %y {kernel_shape = [2, 2], strides = [2, 2]} : (tensor<?x30x24x24xf32>) -> tensor<?x30x12x12xf32>
  %y2 = nabla.conv2d %x2, %w2 {pads = [1, 1, 1, 1])" + mark + R"(} : (tensor<?x3x9x9xf32>, tensor<8x3x3x3xf32>) -> tensor<?x8x9x9xf32>
  %p2 = nabla.max_pool2d %y2 {kernel_shape = [2, 2], strides = [2, 2]} : (tensor<?x8x9x9xf32>) -> tensor<?x8x4x4xf32>
  %y3 = nabla.conv2d %x2, %w3 {strides = [1, 1])" + mark + R"(} : (tensor<?x3x9x9xf32>, tensor<4x3x3x3xf32>) -> tensor<?x4x7x7xf32>
  %p3 = nabla.max_pool2d %y3 {kernel_shape = [3, 3], strides = [3, 3]} : (tensor<?x4x7x7xf32>) -> tensor<?x4x2x2xf32>
  %y4 = nabla.conv2d %x4, %w4 {strides = [1, 1])" + mark + R"(} : (tensor<?x2x14x14xf32>, tensor<6x2x3x3xf32>) -> tensor<?x6x12x12xf32>
  %p4 = nabla.max_pool2d %y4 {kernel_shape = [2, 2], strides = [2, 2]} : (tensor<?x6x12x12xf32>) -> tensor<?x6x6x6xf32>
  return %p, %p2, %p3, %p4 : tensor<?x30x12x12xf32>, tensor<?x8x4x4xf32>, tensor<?x4x2x2xf32>, tensor<?x6x6x6xf32>
}
)";
}

TEST(HalideMemoryPlan, ConvsComputedInsideTheirPoolAreNeverStored) {
  reseed(14);
  std::vector<Tensor> inputs = {randomTensor({3, 1, 28, 28}), randomTensor({30, 1, 5, 5}),
                                randomTensor({30}),           randomTensor({2, 3, 9, 9}),
                                randomTensor({8, 3, 3, 3}),   randomTensor({4, 3, 3, 3}),
                                randomTensor({3, 2, 14, 14}), randomTensor({6, 2, 3, 3})};
  std::vector<Shape> shapes;
  for (const Tensor &t : inputs) shapes.push_back(t.shape());
  std::vector<RefTensor> expected = referenceOracle(convPools(""), "pools")(toRef(inputs));
  int buffers[2] = {0, 0};
  int64_t bytes[2] = {0, 0};
  for (int marked = 0; marked < 2; ++marked) {
    std::string source = convPools(marked ? ", nabla.inline" : "");
    halide::Executable exe = compileSource(source, "pools");
    std::vector<Tensor> outputs = exe.run(inputs);
    for (size_t i = 0; i < outputs.size(); ++i)
      expectTensorNear(outputs[i], expected[i], {1e-5, 1e-5},
                       "pool " + std::to_string(i) + (marked ? " (marked)" : ""));
    halide::ScratchStats stats = exe.scratchStats(shapes);
    buffers[marked] = stats.buffers;
    bytes[marked] = stats.unplannedBytes;
  }
  EXPECT_EQ(buffers[0] - buffers[1], 4) << "one conv output per pool is no longer stored";
  // At least the rows and columns the windows read: 8 x 8 of the 9 x 9
  // conv, 6 x 6 of the 7 x 7 (the outputs' heights and widths are static,
  // so Halide computes no more of an unmarked conv than its pool reads).
  int64_t readByPools = 4 * (3 * 30 * 24 * 24 + 2 * 8 * 8 * 8 + 2 * 4 * 6 * 6 + 3 * 6 * 12 * 12);
  EXPECT_GE(bytes[0] - bytes[1], readByPools);
}

// A training step after --nabla-pool-indices: the conv's only reader is a
// max pool that also returns the taps of its maxima, and the gradient is
// routed by those taps. Marked for --nabla-fuse-conv-pool, the conv is
// computed inside that Tuple-valued pool and its output is never stored;
// unmarked it is. Both match the oracle.
std::string poolIndicesStep(const std::string &mark) {
  return R"(
func @step(%x: tensor<?x1x28x28xf32>, %w: tensor<30x1x5x5xf32>, %b: tensor<30xf32>, %dp: tensor<?x30x12x12xf32>)
    -> (tensor<?x30x12x12xf32>, tensor<30xf32>) {
  %y = nabla.fused_conv2d %x, %w, %b {activation = "relu")" + mark + R"(} : (tensor<?x1x28x28xf32>, tensor<30x1x5x5xf32>, tensor<30xf32>) -> tensor<?x30x24x24xf32>
  %p, %i = nabla.max_pool2d_with_indices %y {kernel_shape = [2, 2], strides = [2, 2]} : (tensor<?x30x24x24xf32>) -> (tensor<?x30x12x12xf32>, tensor<?x30x12x12xi32>)
  %m = nabla.step %p : tensor<?x30x12x12xf32>
  %g = nabla.mul %dp, %m : (tensor<?x30x12x12xf32>, tensor<?x30x12x12xf32>) -> tensor<?x30x12x12xf32>
  %dy = nabla.max_pool2d_indices_backward %i, %g {kernel_shape = [2, 2], strides = [2, 2], image_size = [24, 24]} : (tensor<?x30x12x12xi32>, tensor<?x30x12x12xf32>) -> tensor<?x30x24x24xf32>
  %db = nabla.reduce_sum %dy {axes = [0, 2, 3], keepdims = false} : (tensor<?x30x24x24xf32>) -> tensor<30xf32>
  return %p, %db : tensor<?x30x12x12xf32>, tensor<30xf32>
}
)";
}

TEST(HalideMemoryPlan, TrainingConvComputedInsideThePoolWithIndicesIsNeverStored) {
  reseed(16);
  std::vector<Tensor> inputs = {randomTensor({3, 1, 28, 28}), randomTensor({30, 1, 5, 5}),
                                randomTensor({30}), randomTensor({3, 30, 12, 12})};
  std::vector<Shape> shapes;
  for (const Tensor &t : inputs) shapes.push_back(t.shape());
  std::vector<RefTensor> expected = referenceOracle(poolIndicesStep(""), "step")(toRef(inputs));
  int64_t bytes[2] = {0, 0};
  for (int marked = 0; marked < 2; ++marked) {
    halide::Executable exe = compileSource(poolIndicesStep(marked ? ", nabla.inline" : ""), "step");
    std::vector<Tensor> outputs = exe.run(inputs);
    for (size_t i = 0; i < outputs.size(); ++i)
      expectTensorNear(outputs[i], expected[i], {1e-4, 1e-5},
                       "result " + std::to_string(i) + (marked ? " (marked)" : ""));
    bytes[marked] = exe.scratchStats(shapes).unplannedBytes;
  }
  EXPECT_GE(bytes[0] - bytes[1], 4 * 3 * 30 * 24 * 24) << "the conv's output is no longer stored";
}

// The routed gradient of the pool (what --nabla-pool-indices makes of a
// training step's max_pool2d_backward) read only by the conv's filter
// gradient is computed image by image inside the gradient's task and never
// stored (LoweredTensor::imageOperands); read by a sum too, it is. Both
// match the oracle, at a static and a dynamic batch.
std::string filterGradientOfRouted(const std::string &batch, bool alsoSummed) {
  std::string x = "tensor<" + batch + "x2x26x26xf32>", c = "tensor<" + batch + "x6x24x24xf32>",
              p = "tensor<" + batch + "x6x12x12xf32>", i = "tensor<" + batch + "x6x12x12xi32>";
  std::string pool = "{kernel_shape = [2, 2], strides = [2, 2]";
  std::string sum = "  %db = nabla.reduce_sum %dy {axes = [0, 2, 3], keepdims = false} : (" + c +
                    ") -> tensor<6xf32>\n";
  return "func @step(%x: " + x + ", %c: " + c + ", %g: " + p + ") -> (tensor<6x2x3x3xf32>" +
         (alsoSummed ? ", tensor<6xf32>" : "") + ") {\n" +
         "  %p, %i = nabla.max_pool2d_with_indices %c " + pool + "} : (" + c + ") -> (" + p +
         ", " + i + ")\n" +
         "  %dy = nabla.max_pool2d_indices_backward %i, %g " + pool +
         ", image_size = [24, 24]} : (" + i + ", " + p + ") -> " + c + "\n" +
         "  %dw = nabla.conv2d_backward_filter %x, %dy {kernel_shape = [3, 3]} : (" + x + ", " +
         c + ") -> tensor<6x2x3x3xf32>\n" +
         (alsoSummed ? sum + "  return %dw, %db : tensor<6x2x3x3xf32>, tensor<6xf32>\n}\n"
                     : "  return %dw : tensor<6x2x3x3xf32>\n}\n");
}

TEST(HalideMemoryPlan, RoutedGradientReadOnlyByTheFilterGradientIsNeverStored) {
  reseed(17);
  std::vector<Tensor> inputs = {randomTensor({3, 2, 26, 26}), randomTensor({3, 6, 24, 24}),
                                randomTensor({3, 6, 12, 12})};
  std::vector<Shape> shapes;
  for (const Tensor &t : inputs) shapes.push_back(t.shape());
  for (const std::string batch : {"3", "?"}) {
    int64_t bytes[2] = {0, 0};
    for (int summed = 0; summed < 2; ++summed) {
      std::string src = filterGradientOfRouted(batch, summed);
      std::vector<RefTensor> expected = referenceOracle(src, "step")(toRef(inputs));
      halide::Executable exe = compileSource(src, "step");
      std::vector<Tensor> outputs = exe.run(inputs);
      for (size_t i = 0; i < outputs.size(); ++i)
        expectTensorNear(outputs[i], expected[i], {1e-5, 1e-4},
                         "batch " + batch + ", result " + std::to_string(i) +
                             (summed ? " (also summed)" : ""));
      bytes[summed] = exe.scratchStats(shapes).unplannedBytes;
    }
    EXPECT_GE(bytes[1] - bytes[0], 4 * 3 * 6 * 24 * 24)
        << "batch " << batch << ": the routed gradient is stored only when the sum reads it too";
  }
}

// A reshape that only splits dims ([N, 12] -> [N, 3, 4], a dynamic batch) is
// a view: its consumers read through it and it is never stored. One that
// merges dims needs a division per index and is stored.
const char *kViews = R"(
func @views(%x: tensor<?x12xf32>, %y: tensor<?x3x4xf32>) -> (tensor<?x3x4xf32>, tensor<?x12xf32>) {
  %split = nabla.reshape %x {shape = [-1, 3, 4]} : (tensor<?x12xf32>) -> tensor<?x3x4xf32>
  %a = nabla.add %split, %y : (tensor<?x3x4xf32>, tensor<?x3x4xf32>) -> tensor<?x3x4xf32>
  %merged = nabla.reshape %y {shape = [-1, 12]} : (tensor<?x3x4xf32>) -> tensor<?x12xf32>
  %b = nabla.mul %merged, %x : (tensor<?x12xf32>, tensor<?x12xf32>) -> tensor<?x12xf32>
  return %a, %b : tensor<?x3x4xf32>, tensor<?x12xf32>
}
)";

TEST(HalideMemoryPlan, ReshapesThatSplitDimsAreViews) {
  reseed(15);
  halide::Executable exe = compileSource(kViews, "views");
  std::vector<Tensor> inputs = {randomTensor({7, 12}), randomTensor({7, 3, 4})};
  std::vector<Tensor> outputs = exe.run(inputs);
  std::vector<RefTensor> expected = referenceOracle(kViews, "views")(toRef(inputs));
  expectTensorNear(outputs[0], expected[0], {1e-6, 1e-6}, "through the view"); // one f32 rounding
  expectTensorNear(outputs[1], expected[1], {1e-6, 1e-6}, "through the stored reshape");
  EXPECT_EQ(exe.scratchStats({inputs[0].shape(), inputs[1].shape()}).buffers, 1)
      << "only the merging reshape is stored";
}

} // namespace
} // namespace nabla::testing
