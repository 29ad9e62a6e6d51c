// A training step split into separately compiled parts
// (--nabla-split-function, runtime/ChainedFunction.h) computes what the
// whole step computes: the same values in every part's pipeline, passed
// between parts through buffers instead of within one pipeline. A
// schedule may differ next to a cut (an operand read from a buffer instead
// of computed in the same pipeline), so values agree to rounding (measured:
// at most 2e-7 relative after three Adam steps), as data-parallel
// trajectories do. Covers a max pool's taps and dropout's
// streams crossing a cut, batch norm's running statistics, and bad wiring.
#include "frontend/Compile.h"
#include "frontend/Nets.h"
#include "runtime/ChainedFunction.h"
#include "runtime/Error.h"
#include "runtime/Trainer.h"

#include "tests/unit/FileTestSupport.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

using namespace nabla;
using nabla::testing::expectError;

namespace {

struct Batch {
  Tensor images, labels;
};

Batch randomBatch(Shape imageShape, int64_t classes, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> value;
  std::uniform_int_distribution<int64_t> label(0, classes - 1);
  Batch b{Tensor(imageShape, DType::F32), Tensor({imageShape[0]}, DType::I64)};
  for (float &x : b.images.span<float>()) x = value(rng);
  for (int64_t &t : b.labels.span<int64_t>()) t = label(rng);
  return b;
}

/// Trains `steps` steps with the whole step and with the step in `parts`
/// parts from the same parameters: losses, parameters and optimizer slots
/// agree within 2e-5 relative to the value's magnitude (at least 1).
void expectSameTrajectoryInParts(dsl::ModelBuilder &model, int parts, Shape imageShape,
                                 int64_t classes, dsl::Backend backend = dsl::Backend::Halide,
                                 int steps = 3) {
  dsl::CompiledModel whole = dsl::compileModel(model, {.backend = backend});
  dsl::CompiledModel split = dsl::compileModel(model, {.backend = backend, .stepParts = parts});
  auto *chain = dynamic_cast<const ChainedFunction *>(split.trainStep.get());
  ASSERT_NE(chain, nullptr);
  EXPECT_EQ(chain->partCount(), parts);
  EXPECT_EQ(chain->inputs().size(), whole.trainStep->inputs().size());
  for (size_t i = 0; i < chain->inputs().size(); ++i)
    EXPECT_EQ(chain->inputs()[i].name, whole.trainStep->inputs()[i].name);

  TrainerOptions options;
  options.optimizer = OptimizerConfig::defaults(OptimizerKind::Adam);
  options.progress = false;
  ParameterStore initial = model.initialParameters(3);
  Trainer a(whole.trainStep, whole.forward, initial, options);
  Trainer b(split.trainStep, split.forward, initial, options);
  for (int s = 0; s < steps; ++s) {
    Batch batch = randomBatch(imageShape, classes, 10 + s);
    double la = a.step(batch.images, batch.labels), lb = b.step(batch.images, batch.labels);
    EXPECT_NEAR(la, lb, 2e-5 * std::max(1.0, std::abs(la))) << "step " << s;
  }
  for (const auto &[name, value] : a.parameters()) {
    std::span<const float> x = value.span<float>(), y = b.parameters().at(name).span<float>();
    ASSERT_EQ(x.size(), y.size()) << name;
    for (size_t i = 0; i < x.size(); ++i)
      ASSERT_NEAR(x[i], y[i], 2e-5 * std::max(1.0f, std::abs(x[i])))
          << name << "[" << i << "] in " << parts << " parts";
  }
}

TEST(SplitStep, ConvNetWithPoolTapsAcrossCuts) {
  dsl::ModelBuilder model("small_convnet");
  dsl::defineSimpleConvNet(
      model, {.height = 12, .width = 12, .filterNum = 4, .filterSize = 3, .hiddenSize = 16});
  for (int parts : {2, 3}) expectSameTrajectoryInParts(model, parts, {6, 1, 12, 12}, 10);
}

TEST(SplitStep, BatchNormAndDropout) {
  dsl::ModelBuilder model("mlp");
  dsl::defineMultiLayerNet(model, {.inputSize = 12,
                                   .hiddenSizes = {16, 16, 8},
                                   .outputSize = 4,
                                   .useBatchNorm = true,
                                   .dropoutRatio = 0.3});
  expectSameTrajectoryInParts(model, 3, {8, 12}, 4);
}

TEST(SplitStep, ReferenceBackendToo) {
  dsl::ModelBuilder model("mlp");
  dsl::defineMultiLayerNet(model, {.inputSize = 6, .hiddenSizes = {8, 8}, .outputSize = 3});
  expectSameTrajectoryInParts(model, 2, {5, 6}, 3, dsl::Backend::Reference);
}

TEST(SplitStep, BadSetupsAreErrors) {
  dsl::ModelBuilder model("mlp");
  dsl::defineMultiLayerNet(model, {.inputSize = 6, .hiddenSizes = {8}, .outputSize = 3});
  expectError([&] { dsl::compileModel(model, {.stepParts = 0}); },
              {"compiling model 'mlp': stepParts must be at least 1, got 0"});
  dsl::CompiledModel m = dsl::compileModel(model, {.backend = dsl::Backend::Reference});
  auto part = m.forward;
  // forward: (x, W1, b1, W2, b2) -> logits.
  int n = int(part->inputs().size());
  std::vector<int> reads(n, 0);
  for (int i = 0; i < n; ++i) reads[size_t(i)] = i;
  auto chain = [&](std::vector<int> in, std::vector<int> results) {
    ChainedFunction(part->inputs(), part->outputs(), {ChainLink{part, in, {n}}}, results);
  };
  expectError([&] { chain({n}, {n}); }, {"part 0: wired to 1 inputs and 1 outputs, the part has"});
  std::vector<int> future = reads;
  future[0] = n + 1;
  expectError([&] { chain(future, {n}); },
              {"part 0: reads value " + std::to_string(n + 1) + ", not defined before it"});
  expectError([&] { chain(reads, {n + 1}); }, {"output 0 is undefined value"});
  // A chain of one part runs it; an output that returns an input is copied.
  ChainedFunction passThrough(part->inputs(), {part->outputs()[0], part->inputs()[1]},
                              {ChainLink{part, reads, {n}}}, {n, 1});
  std::vector<Tensor> args;
  for (const ArgumentInfo &in : part->inputs()) {
    Shape shape = in.shape;
    if (!shape.empty() && shape[0] < 0) shape[0] = 2;
    Tensor t(shape, in.dtype);
    for (float &x : t.span<float>()) x = 0.25f;
    args.push_back(t);
  }
  std::vector<Tensor> expected = part->allocateOutputs(args),
                      got = passThrough.allocateOutputs(args);
  part->runInto(args, expected);
  passThrough.runInto(args, got);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_TRUE(std::equal(got[0].span<float>().begin(), got[0].span<float>().end(),
                         expected[0].span<float>().begin()));
  EXPECT_TRUE(std::equal(got[1].span<float>().begin(), got[1].span<float>().end(),
                         args[1].span<float>().begin()));
  // Shapes a part refuses are an error each time they come (nothing kept).
  std::vector<Tensor> bad = args;
  bad[1] = Tensor({3, 3}, DType::F32);
  for (int attempt = 0; attempt < 2; ++attempt)
    expectError([&] { passThrough.runInto(bad, got); },
                {"@forward: argument 1 expects tensor<6x8xf32>, got shape [3, 3]"});
}

} // namespace
