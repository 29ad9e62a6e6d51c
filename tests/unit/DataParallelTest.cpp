// Data-parallel training (runtime/DataParallelStep.h) and inference
// (runtime/BatchShardedFunction.h). Training: gradients of shards
// computed by replicas at once and averaged, then one compiled update. With a
// loss that is a mean over the batch, its steps must follow the single
// training step's, whatever the number of replicas and however the batch
// splits; models whose per-shard behaviour differs on purpose (dropout's
// streams, batch norm's statistics) must still match with one replica.
#include "frontend/Compile.h"
#include "frontend/Nets.h"
#include "runtime/BatchShardedFunction.h"
#include "runtime/DataParallelStep.h"
#include "runtime/Error.h"
#include "runtime/Trainer.h"

#include "tests/unit/FileTestSupport.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace nabla;
using nabla::testing::expectError;

namespace {

constexpr int64_t kFeatures = 12, kClasses = 4;

void defineSmallNet(dsl::ModelBuilder &model, bool batchNormAndDropout = false) {
  dsl::defineMultiLayerNet(model, {.inputSize = kFeatures,
                                   .hiddenSizes = {16, 8},
                                   .outputSize = kClasses,
                                   .useBatchNorm = batchNormAndDropout,
                                   .dropoutRatio = batchNormAndDropout ? 0.3 : 0.0,
                                   .weightDecayLambda = 0.01});
}

struct Batch {
  Tensor images, labels;
};

Batch randomBatch(int64_t rows, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> value;
  std::uniform_int_distribution<int64_t> label(0, kClasses - 1);
  Batch b{Tensor({rows, kFeatures}, DType::F32), Tensor({rows}, DType::I64)};
  for (float &x : b.images.span<float>()) x = value(rng);
  for (int64_t &t : b.labels.span<int64_t>()) t = label(rng);
  return b;
}

TrainerOptions options(OptimizerKind kind) {
  TrainerOptions o;
  o.optimizer = OptimizerConfig::defaults(kind);
  o.optimizer.lr = 0.05;
  o.progress = false;
  return o;
}

/// Runs `steps` steps of batches of `rows` with the single training step and
/// with `replicas` replicas of the same model: losses and every parameter
/// and optimizer slot agree within `tolerance` (relative to the value's
/// magnitude, at least 1).
void expectSameTrajectory(int replicas, int64_t rows, OptimizerKind kind, dsl::Backend backend,
                          bool batchNormAndDropout = false, int steps = 4,
                          double tolerance = 2e-5) {
  dsl::ModelBuilder model("small_net");
  defineSmallNet(model, batchNormAndDropout);
  dsl::CompiledModel single = dsl::compileModel(model, {.backend = backend, .optimizer = kind});
  // compileModel makes a data-parallel step from 2 replicas on; one replica
  // is built by hand.
  dsl::CompiledModel parallel = dsl::compileModel(
      model, {.backend = backend, .optimizer = kind, .replicas = std::max(2, replicas)});
  if (replicas == 1)
    parallel.trainStep = std::make_shared<DataParallelStep>(
        std::vector{dsl::compileFunction(*parallel.module, "loss_grad", backend)},
        dsl::compileFunction(*parallel.module, "loss_apply_gradients", backend));
  auto *step = dynamic_cast<const DataParallelStep *>(parallel.trainStep.get());
  ASSERT_NE(step, nullptr);
  EXPECT_EQ(step->replicaCount(), replicas);

  ParameterStore initial = model.initialParameters(7);
  Trainer a(single.trainStep, single.forward, initial, options(kind));
  Trainer b(parallel.trainStep, parallel.forward, initial, options(kind));
  for (int s = 0; s < steps; ++s) {
    Batch batch = randomBatch(rows, 100 + s);
    double la = a.step(batch.images, batch.labels), lb = b.step(batch.images, batch.labels);
    EXPECT_NEAR(la, lb, tolerance * std::max(1.0, std::abs(la))) << "step " << s;
  }
  const ParameterStore &pa = a.parameters(), &pb = b.parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (const auto &[name, value] : pa) {
    ASSERT_TRUE(pb.count(name)) << name;
    auto x = value.span<float>(), y = pb.at(name).span<float>();
    ASSERT_EQ(x.size(), y.size()) << name;
    for (size_t i = 0; i < x.size(); ++i)
      ASSERT_NEAR(x[i], y[i], tolerance * std::max(1.0f, std::abs(x[i])))
          << name << "[" << i << "] with " << replicas << " replicas";
  }
}

/// Every tensor of `a` equals its namesake in `b` bit for bit.
void expectSameBits(const ParameterStore &a, const ParameterStore &b) {
  for (const auto &[name, value] : a) {
    std::span<const float> x = value.span<float>(), y = b.at(name).span<float>();
    EXPECT_TRUE(std::equal(x.begin(), x.end(), y.begin(), y.end())) << name;
  }
}

/// Arguments of `forward` for `rows` random rows (seeded by `seed`).
std::vector<Tensor> forwardInputs(const CompiledFunction &forward, const ParameterStore &parameters,
                                  int64_t rows, unsigned seed) {
  std::vector<Tensor> inputs;
  for (const ArgumentInfo &arg : forward.inputs())
    inputs.push_back(arg.role == "input" ? randomBatch(rows, seed).images
                                         : parameters.at(arg.name));
  return inputs;
}

} // namespace

TEST(DataParallel, TwoReplicasFollowTheSingleStep) {
  expectSameTrajectory(2, 20, OptimizerKind::Momentum, dsl::Backend::Halide);
}

TEST(DataParallel, UnevenShardsAreWeightedBySize) {
  // 10 rows on 3 replicas: shards of 4, 3 and 3.
  expectSameTrajectory(3, 10, OptimizerKind::SGD, dsl::Backend::Halide);
}

TEST(DataParallel, AdamFollowsTheSingleStep) {
  expectSameTrajectory(2, 16, OptimizerKind::Adam, dsl::Backend::Halide);
}

TEST(DataParallel, MoreReplicasThanRowsLeavesSomeIdle) {
  expectSameTrajectory(4, 3, OptimizerKind::SGD, dsl::Backend::Halide);
}

TEST(DataParallel, ReferenceReplicasFollowTheReferenceStep) {
  expectSameTrajectory(3, 9, OptimizerKind::Momentum, dsl::Backend::Reference);
}

TEST(DataParallel, OneReplicaWithDropoutAndBatchNormIsTheSingleStep) {
  // One replica draws dropout's masks from the single step's stream and
  // normalizes over the whole batch, and running statistics pass through.
  // Momentum, not Adam: batch norm cancels the biases of the affine layers
  // before it, so their gradients are rounding noise (~1e-9), which Adam
  // divides by its own square root into steps; two summation orders then
  // part by 1e-4 where every other value agrees to 1e-7.
  // (AdamFollowsTheSingleStep covers Adam.)
  expectSameTrajectory(1, 12, OptimizerKind::Momentum, dsl::Backend::Halide, true);
}

TEST(DataParallel, DropoutAndBatchNormTrainOnShards) {
  // Two replicas differ from the single step on purpose (their own masks and
  // shard statistics), but training still lowers the loss on a fixed batch.
  dsl::ModelBuilder model("small_net");
  defineSmallNet(model, true);
  dsl::CompiledModel parallel =
      dsl::compileModel(model, {.optimizer = OptimizerKind::Adam, .replicas = 2});
  TrainerOptions o = options(OptimizerKind::Adam);
  o.optimizer.lr = 0.01;
  Trainer t(parallel.trainStep, parallel.forward, model.initialParameters(1), o);
  Batch batch = randomBatch(32, 5);
  double first = t.step(batch.images, batch.labels), last = first;
  for (int s = 0; s < 60; ++s) last = t.step(batch.images, batch.labels);
  EXPECT_LT(last, 0.7 * first);
  for (const auto &[name, value] : t.parameters())
    for (float x : value.span<float>()) ASSERT_TRUE(std::isfinite(x)) << name;
  // The running mean moved from its initial zeros.
  bool moved = false;
  for (const auto &[name, value] : t.parameters())
    if (name.find("running_mean") != std::string::npos)
      for (float x : value.span<float>()) moved |= x != 0.0f;
  EXPECT_TRUE(moved);
}

TEST(DataParallel, BadSetupsAreErrors) {
  dsl::ModelBuilder model("small_net");
  defineSmallNet(model);
  expectError([&] { dsl::compileModel(model, {.replicas = 0}); },
              {"replicas must be at least 1, got 0"});
  dsl::CompiledModel parallel = dsl::compileModel(model, {.replicas = 2});
  auto gradient = dsl::compileFunction(*parallel.module, "loss_grad", dsl::Backend::Reference);
  auto apply =
      dsl::compileFunction(*parallel.module, "loss_apply_gradients", dsl::Backend::Reference);
  expectError(
      [&] {
        DataParallelStep({gradient, gradient}, apply);
      },
      {"distinct instances of the gradient function"});
  expectError([&] { DataParallelStep({}, apply); }, {"at least one replica"});
  auto forward = dsl::compileFunction(*parallel.module, "forward", dsl::Backend::Reference);
  expectError(
      [&] {
        DataParallelStep({gradient, forward}, apply);
      },
      {"replica 1 is not the same gradient function as replica 0"});
  expectError([&] { DataParallelStep({apply}, apply); }, {"no input or label argument"});
  // The module's update averages two shards (replicas = 2): three replicas
  // would leave one shard's gradients out.
  auto third = [&] {
    return dsl::compileFunction(*parallel.module, "loss_grad", dsl::Backend::Reference);
  };
  expectError(
      [&] {
        DataParallelStep({gradient, third(), third()}, apply);
      },
      {"averages the gradients of 2 shard(s), fewer than the 3 replicas",
       "--nabla-apply-gradients shards=3"});

  // Arguments for 4 images and `labels` labels.
  auto arguments = [&](int64_t labels) {
    std::vector<Tensor> inputs;
    for (const ArgumentInfo &arg : parallel.trainStep->inputs()) {
      Shape shape = arg.shape;
      for (int64_t &d : shape) d = d < 0 ? 4 : d;
      if (arg.role == "label") shape = {labels};
      inputs.emplace_back(shape, arg.dtype);
    }
    return inputs;
  };
  // Results not allocated: an error, not a write through a null pointer.
  std::vector<Tensor> inputs = arguments(4);
  std::vector<Tensor> outputs(parallel.trainStep->outputs().size());
  expectError([&] { parallel.trainStep->runInto(inputs, outputs); },
              {"data-parallel step: result 'loss' is undefined"});
  // Images and labels of different batch sizes.
  inputs = arguments(5);
  outputs.clear();
  for (const ArgumentInfo &arg : parallel.trainStep->outputs())
    outputs.emplace_back(arg.shape, arg.dtype);
  expectError([&] { parallel.trainStep->runInto(inputs, outputs); },
              {"data-parallel step: 't' is tensor<5xi64>, but 'x' has 4 rows"});
}

TEST(DataParallel, SameBitsEveryRun) {
  // Each slice of the all-reduce sums the shards in replica order, whichever
  // replica finishes first, so two runs agree to the bit.
  dsl::ModelBuilder model("small_net");
  defineSmallNet(model);
  dsl::CompiledModel parallel =
      dsl::compileModel(model, {.optimizer = OptimizerKind::Adam, .replicas = 3});
  ParameterStore initial = model.initialParameters(3);
  Trainer a(parallel.trainStep, parallel.forward, initial, options(OptimizerKind::Adam));
  Trainer b(parallel.trainStep, parallel.forward, initial, options(OptimizerKind::Adam));
  for (int s = 0; s < 5; ++s) {
    Batch batch = randomBatch(31, 200 + s);
    EXPECT_EQ(a.step(batch.images, batch.labels), b.step(batch.images, batch.labels));
  }
  expectSameBits(a.parameters(), b.parameters());
}

/// The forward logits of `rows` random rows through `forward`.
Tensor logits(const CompiledFunction &forward, const ParameterStore &parameters, int64_t rows) {
  std::vector<Tensor> inputs = forwardInputs(forward, parameters, rows, 9);
  std::vector<Tensor> outputs = forward.allocateOutputs(inputs);
  forward.runInto(inputs, outputs);
  return outputs.at(0);
}

TEST(DataParallel, ShardedForwardComputesEveryRowAsTheWholeBatchDoes) {
  for (dsl::Backend backend : {dsl::Backend::Halide, dsl::Backend::Reference}) {
    dsl::ModelBuilder model("small_net");
    defineSmallNet(model, true); // batch norm and dropout, in inference mode
    dsl::CompiledModel single = dsl::compileModel(model, {.backend = backend});
    dsl::CompiledModel sharded = dsl::compileModel(model, {.backend = backend, .replicas = 3});
    auto *forward = dynamic_cast<const BatchShardedFunction *>(sharded.forward.get());
    ASSERT_NE(forward, nullptr);
    EXPECT_EQ(forward->replicaCount(), 3);
    ParameterStore parameters = model.initialParameters(5);
    for (int64_t rows : {10, 2, 1}) { // shards of 4/3/3, more replicas than rows, one row
      Tensor a = logits(*single.forward, parameters, rows);
      Tensor b = logits(*sharded.forward, parameters, rows);
      ASSERT_EQ(a.shape(), b.shape());
      auto x = a.span<float>(), y = b.span<float>();
      for (size_t i = 0; i < x.size(); ++i)
        ASSERT_NEAR(x[i], y[i], 1e-6f * std::max(1.0f, std::abs(x[i])))
            << rows << " rows, element " << i;
    }
  }
}

TEST(DataParallel, ShardingNeedsRowsInEveryResult) {
  dsl::ModelBuilder model("small_net");
  defineSmallNet(model);
  dsl::CompiledModel parallel =
      dsl::compileModel(model, {.backend = dsl::Backend::Reference, .replicas = 2});
  auto instance = [&](const char *name) {
    return dsl::compileFunction(*parallel.module, name, dsl::Backend::Reference);
  };
  expectError([&] { BatchShardedFunction({instance("loss_grad")}); },
              {"result 'loss' has no batch dimension"});
  auto forward = instance("forward");
  expectError([&] { BatchShardedFunction({forward, forward}); }, {"distinct instances"});
  std::vector<Tensor> inputs = forwardInputs(*parallel.forward, model.initialParameters(0), 6, 1);
  std::vector<Tensor> outputs = {Tensor({5, kClasses}, DType::F32)};
  expectError([&] { parallel.forward->runInto(inputs, outputs); },
              {"result 'logits' is tensor<5x4xf32>, expected [6, 4] of f32"});
  outputs = {Tensor({6, kClasses}, DType::F64)};
  expectError([&] { parallel.forward->runInto(inputs, outputs); },
              {"result 'logits' is tensor<6x4xf64>, expected [6, 4] of f32"});
}

TEST(DataParallel, AReplicasErrorReachesTheCallerAndTheStepRunsOn) {
  // A label out of range in the last shard fails on a worker thread: the
  // trainer gets the error, keeps its parameters, and the next step works.
  dsl::ModelBuilder model("small_net");
  defineSmallNet(model);
  dsl::CompiledModel parallel =
      dsl::compileModel(model, {.optimizer = OptimizerKind::SGD, .replicas = 3});
  Trainer t(parallel.trainStep, parallel.forward, model.initialParameters(0),
            options(OptimizerKind::SGD));
  Batch bad = randomBatch(9, 4);
  bad.labels.data<int64_t>()[8] = 99;
  ParameterStore before;
  for (const auto &[name, value] : t.parameters()) before[name] = value.clone();
  expectError([&] { t.step(bad.images, bad.labels); },
              {"replica 2 (rows 6-8 of the batch): ", "t[2] = 99 is a label outside"});
  expectSameBits(t.parameters(), before);
  Batch good = randomBatch(9, 5);
  EXPECT_TRUE(std::isfinite(t.step(good.images, good.labels)));
}
