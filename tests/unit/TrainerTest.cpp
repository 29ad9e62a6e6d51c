// The training loop, run on the reference backend (the oracle): it learns,
// checkpoints resume bit-exactly, and a NaN loss stops training cleanly.
#include "frontend/Compile.h"
#include "frontend/Nets.h"
#include "runtime/Checkpoint.h"
#include "runtime/Dataset.h"
#include "runtime/Error.h"
#include "runtime/Trainer.h"

#include "tests/unit/FileTestSupport.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

using namespace nabla;
using nabla::testing::expectError;
using nabla::testing::readBytes;
using nabla::testing::TempDir;

namespace {
struct Fixture {
  dsl::ModelBuilder model{"two_layer_net"};
  dsl::CompiledModel compiled;
  Dataset train, test;

  explicit Fixture(OptimizerKind optimizer = OptimizerKind::SGD) {
    dsl::defineTwoLayerNet(model, {.inputSize = 784, .hiddenSize = 16, .outputSize = 10,
                                   .weightInitStd = 0.1});
    compiled = dsl::compileModel(model, {.backend = dsl::Backend::Reference, .optimizer = optimizer});
    train = loadFashionMnist("train").subset(600);
    test = loadFashionMnist("t10k").subset(300);
    // The model takes [N, 784] rows.
    train.images = train.images.reshaped({train.size(), 784});
    test.images = test.images.reshaped({test.size(), 784});
  }

  Trainer trainer(TrainerOptions options) {
    options.progress = false;
    return Trainer(compiled.trainStep, compiled.forward, model.initialParameters(1), options);
  }
};

TrainerOptions sgd(double lr, int64_t epochs) {
  TrainerOptions o;
  o.optimizer = OptimizerConfig::defaults(OptimizerKind::SGD);
  o.optimizer.lr = lr;
  o.batchSize = 50;
  o.epochs = epochs;
  o.trainAccuracySamples = 600;
  return o;
}
} // namespace

TEST(Trainer, LearnsFashionMnistSubset) {
  Fixture f;
  Trainer t = f.trainer(sgd(0.1, 4));
  double before = t.accuracy(f.test);
  const History &h = t.fit(f.train, &f.test);
  ASSERT_EQ(h.epochs().size(), 4u);
  EXPECT_EQ(t.stepsTaken(), 4 * 12);
  // 600 images, 4 epochs of plain SGD: the loss falls well below its
  // starting value ln(10) = 2.30 and accuracy is far above chance (10%).
  EXPECT_LT(h.epochs().back().trainLoss, 1.3);
  EXPECT_LT(h.epochs().back().trainLoss, h.epochs().front().trainLoss);
  EXPECT_GT(h.epochs().back().testAccuracy, 0.55);
  EXPECT_GT(h.epochs().back().testAccuracy, before + 0.3);
}

TEST(Trainer, ReportEveryPrintsOnlyThoseEpochsAndTheLast) {
  Fixture f;
  TrainerOptions options = sgd(0.1, 4);
  options.reportEvery = 3;
  Trainer t = f.trainer(options);
  ::testing::internal::CaptureStdout();
  const History &h = t.fit(f.train, nullptr);
  std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(h.epochs().size(), 4u); // every epoch is still recorded
  for (const char *epoch : {"epoch 1:", "epoch 2:", "epoch 1/4", "epoch 2/4"})
    EXPECT_EQ(out.find(epoch), std::string::npos) << epoch << " in:\n" << out;
  for (const char *epoch : {"epoch 3:", "epoch 4:"})
    EXPECT_NE(out.find(epoch), std::string::npos) << epoch << " missing from:\n" << out;

  options.reportEvery = 0; // silent
  Trainer quiet = f.trainer(options);
  ::testing::internal::CaptureStdout();
  quiet.fit(f.train, nullptr);
  EXPECT_EQ(::testing::internal::GetCapturedStdout(), "");
}

TEST(Trainer, CheckpointResumeIsBitExact) {
  Fixture f(OptimizerKind::Adam);
  auto options = sgd(0.1, 2);
  options.optimizer = OptimizerConfig::defaults(OptimizerKind::Adam);
  std::string dir = (std::filesystem::temp_directory_path() / "nabla_trainer_test").string();
  std::filesystem::remove_all(dir);
  options.outDir = dir;

  // Straight through: 2 epochs.
  Trainer straight = f.trainer(options);
  straight.fit(f.train, nullptr);

  // 1 epoch, checkpoint, a fresh trainer resumes for the second.
  options.epochs = 1;
  Trainer first = f.trainer(options);
  first.fit(f.train, nullptr);
  Checkpoint cp = loadCheckpoint(dir + "/checkpoint.pb");
  EXPECT_EQ(cp.epoch, 1);
  EXPECT_EQ(cp.optimizer, "adam");
  EXPECT_EQ(cp.optimizerState.size(), 8u); // m and v of four parameters
  options.epochs = 2;
  Trainer resumed = f.trainer(options);
  resumed.restore(cp);
  resumed.fit(f.train, nullptr);

  EXPECT_EQ(resumed.stepsTaken(), straight.stepsTaken());
  EXPECT_EQ(resumed.history().epochs().back().trainLoss, straight.history().epochs().back().trainLoss);
  for (auto &[name, tensor] : straight.parameters()) {
    const Tensor &other = resumed.parameters().at(name);
    ASSERT_EQ(tensor.shape(), other.shape()) << name;
    EXPECT_TRUE(std::equal(tensor.span<float>().begin(), tensor.span<float>().end(),
                           other.span<float>().begin()))
        << name;
  }
  std::filesystem::remove_all(dir);
}

TEST(Trainer, TrainsACopyOfTheCallersParameters) {
  // Two trainers from one initial store must start from the same values:
  // steps swap the store's tensors with their output buffers, so sharing the
  // caller's storage would let the third step write into it.
  Fixture f;
  ParameterStore initial = f.model.initialParameters(1);
  std::map<std::string, std::vector<float>> values;
  for (const auto &[name, tensor] : initial)
    values[name].assign(tensor.span<float>().begin(), tensor.span<float>().end());
  TrainerOptions options = sgd(0.1, 1);
  options.progress = false;
  Trainer t(f.compiled.trainStep, f.compiled.forward, initial, options);
  t.fit(f.train, nullptr);
  ASSERT_EQ(t.stepsTaken(), 12);
  for (const auto &[name, tensor] : initial)
    EXPECT_TRUE(std::equal(tensor.span<float>().begin(), tensor.span<float>().end(),
                           values.at(name).begin()))
        << name << " was written by the trainer";
  // And the trainer did train: its parameters moved away from the initial ones.
  const Tensor &trained = t.parameters().at("affine1.W");
  EXPECT_FALSE(std::equal(trained.span<float>().begin(), trained.span<float>().end(),
                          values.at("affine1.W").begin()));
}

TEST(Trainer, RejectsOptionsThatTrainNothing) {
  Fixture f;
  auto make = [&](TrainerOptions options) {
    Trainer(f.compiled.trainStep, f.compiled.forward, f.model.initialParameters(1), options);
  };
  TrainerOptions noBatch = sgd(0.1, 1);
  noBatch.batchSize = 0;
  expectError([&] { make(noBatch); }, {"TrainerOptions: batchSize must be at least 1, got 0"});
  expectError([&] { make(sgd(0.1, 0)); }, {"TrainerOptions: epochs must be at least 1, got 0"});
  TrainerOptions noEval = sgd(0.1, 1);
  noEval.evalBatchSize = -1;
  expectError([&] { make(noEval); }, {"TrainerOptions: evalBatchSize must be at least 1, got -1"});
  // A data set of no images: an error, not an empty history.
  Trainer t = f.trainer(sgd(0.1, 1));
  Dataset empty = f.train.subset(0);
  expectError([&] { t.fit(empty, nullptr); }, {"the training set has no images"});
}

TEST(Trainer, RejectsImagesOfAnotherShapeBeforeTraining) {
  Fixture f;
  Trainer t = f.trainer(sgd(0.1, 1));
  Dataset square = f.test;
  square.images = square.images.reshaped({square.size(), 28, 28});
  std::string message = expectError([&] { t.fit(f.train, &square); }, {"the test images are [300, 28, 28]"});
  EXPECT_NE(message.find("the model takes [?, 784]"), std::string::npos) << message;
  EXPECT_EQ(t.stepsTaken(), 0);
  expectError([&] { t.fit(square, nullptr); }, {"the training images are [300, 28, 28]"});
}

TEST(Trainer, NanLossStopsAndKeepsParameters) {
  Fixture f;
  ParameterStore params = f.model.initialParameters(1);
  params.at("affine2.b").data<float>()[0] = NAN; // every logit row, so the loss, becomes NaN
  TrainerOptions options = sgd(0.1, 1);
  options.progress = false;
  Trainer t(f.compiled.trainStep, f.compiled.forward, params, options);
  Tensor batch({10, 784}, DType::F32);
  Tensor labels({10}, DType::I64);
  Tensor before = t.parameters().at("affine1.W").clone();
  try {
    t.step(batch, labels);
    FAIL() << "expected an error";
  } catch (const TrainingDiverged &e) {
    EXPECT_NE(std::string(e.what()).find("NaN at step 0"), std::string::npos) << e.what();
  }
  const Tensor &after = t.parameters().at("affine1.W");
  EXPECT_TRUE(std::equal(before.span<float>().begin(), before.span<float>().end(),
                         after.span<float>().begin()));
  EXPECT_EQ(t.stepsTaken(), 0);
}

TEST(Trainer, RestoreRejectsMismatchedCheckpoints) {
  Fixture f;
  Trainer t = f.trainer(sgd(0.1, 1));
  Checkpoint cp = t.checkpoint();
  cp.optimizer = "adam";
  EXPECT_THROW(t.restore(cp), Error);
  cp = t.checkpoint();
  cp.parameters[0].tensor = Tensor({3}, DType::F32);
  EXPECT_THROW(t.restore(cp), Error);
}

// A loss that turns NaN mid-training stops fit() with an error naming the
// step, and the checkpoint on disk is still the last good one (written after
// the previous epoch), loadable, and resumable.
TEST(Trainer, NanLossMidTrainingKeepsTheLastGoodCheckpoint) {
  Fixture f;
  TempDir dir;
  TrainerOptions options = sgd(0.1, 1);
  options.outDir = dir.path().string();
  Trainer first = f.trainer(options);
  first.fit(f.train, nullptr); // epoch 1: 12 steps, checkpoint written
  const std::string path = dir.file("checkpoint.pb");
  const std::vector<uint8_t> goodBytes = readBytes(path);

  // Epoch 2 on data with one NaN pixel. The ReLU after affine1 maps the NaN
  // activations to 0, so the loss of that batch stays finite, but the weight
  // gradient x^T * dy is NaN: the step must stop there all the same.
  Dataset poisoned = f.train.subset(f.train.size());
  poisoned.images.data<float>()[123 * 784 + 5] = NAN;
  options.epochs = 2;
  Trainer resumed = f.trainer(options);
  resumed.restore(loadCheckpoint(path));
  std::string message = expectError([&] { resumed.fit(poisoned, nullptr); },
                                    {"'affine1.W' would become NaN (the loss is finite) at step",
                                     "(epoch 2)", "training stopped"});
  EXPECT_GE(resumed.stepsTaken(), 12);
  EXPECT_NE(message.find("at step " + std::to_string(resumed.stepsTaken())), std::string::npos)
      << message;

  EXPECT_EQ(readBytes(path), goodBytes);
  Checkpoint kept = loadCheckpoint(path);
  EXPECT_EQ(kept.epoch, 1);
  EXPECT_EQ(kept.step, 12);
  // The parameters in memory are also those before the NaN step: finite.
  for (auto &[name, tensor] : resumed.parameters())
    for (float v : tensor.span<float>()) ASSERT_TRUE(std::isfinite(v)) << name;
}
