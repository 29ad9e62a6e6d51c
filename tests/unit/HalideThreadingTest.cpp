// The choice between Halide's thread pool and the calling thread for a
// pipeline's parallel loops (backends/halide/ThreadingChoice.h): measured
// per input shapes, overridable by NABLA_PARALLEL, never changing results.
#include "backends/halide/ThreadingChoice.h"
#include "tests/unit/FileTestSupport.h"
#include "tests/unit/HalideTestSupport.h"

#include <gtest/gtest.h>

namespace nabla::testing {
namespace {

using halide::ThreadingChoice;

/// Plays one call: asks the choice, then records `poolSeconds` or
/// `callerSeconds` for the way it chose. Returns whether it ran serially.
bool call(ThreadingChoice &choice, const std::string &key, double poolSeconds,
          double callerSeconds) {
  bool serial = choice.serial(key);
  choice.record(key, serial, serial ? callerSeconds : poolSeconds);
  return serial;
}

TEST(HalideThreading, MeasuresBothWaysThenKeepsTheFaster) {
  ThreadingChoice choice(ThreadingChoice::Mode::Auto);
  // The first call (recording, cold caches) runs on the pool and is not
  // counted: its 1 s must not make the pool look slow.
  EXPECT_FALSE(call(choice, "small", 1.0, 1.0));
  std::vector<bool> trials;
  for (int i = 0; i < 2 * ThreadingChoice::kTrials; ++i)
    trials.push_back(call(choice, "small", 30e-6, 22e-6));
  EXPECT_EQ(trials, (std::vector<bool>{false, true, false, true, false, true}));
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(call(choice, "small", 30e-6, 22e-6)) << i;
  // Another set of shapes is measured on its own: here the pool wins.
  for (int i = 0; i < 1 + 2 * ThreadingChoice::kTrials; ++i) call(choice, "large", 2e-3, 4e-3);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(call(choice, "large", 2e-3, 4e-3)) << i;
  EXPECT_TRUE(choice.serial("small"));
}

TEST(HalideThreading, TheMinimumOfEachWayDecides) {
  ThreadingChoice choice(ThreadingChoice::Mode::Auto);
  call(choice, "k", 1, 1);
  // One slow pool call (a busy machine) does not outweigh two fast ones.
  double pool[] = {9e-3, 1e-3, 1e-3}, caller[] = {2e-3, 2e-3, 2e-3};
  for (int i = 0; i < ThreadingChoice::kTrials; ++i) {
    call(choice, "k", pool[i], 0);
    call(choice, "k", 0, caller[i]);
  }
  EXPECT_FALSE(choice.serial("k"));
}

TEST(HalideThreading, EnvironmentOverridesTheMeasurement) {
  ThreadingChoice pool(ThreadingChoice::Mode::Pool), caller(ThreadingChoice::Mode::Caller);
  for (int i = 0; i < 10; ++i) {
    EXPECT_FALSE(call(pool, "k", 1, 0)) << i;
    EXPECT_TRUE(call(caller, "k", 0, 1)) << i;
  }
  ScopedEnv env("NABLA_PARALLEL", "off");
  EXPECT_EQ(ThreadingChoice::modeFromEnvironment(), ThreadingChoice::Mode::Caller);
  env.set("on");
  EXPECT_EQ(ThreadingChoice::modeFromEnvironment(), ThreadingChoice::Mode::Pool);
  env.set("");
  EXPECT_EQ(ThreadingChoice::modeFromEnvironment(), ThreadingChoice::Mode::Auto);
  env.set("shards"); // the AOT runtime's; the JIT chooses as auto does
  EXPECT_EQ(ThreadingChoice::modeFromEnvironment(), ThreadingChoice::Mode::Auto);
  env.set("sometimes");
  expectError([] { ThreadingChoice::modeFromEnvironment(); },
              {"NABLA_PARALLEL must be on, off, shards or auto, not 'sometimes'"});
}

TEST(HalideThreading, CallerAndPoolGiveTheSameResults) {
  reseed(41);
  // A conv+relu and an affine layer: parallel loops over images and rows.
  std::string src = funcSource(
      {"tensor<?x3x12x12xf32>", "tensor<8x3x3x3xf32>", "tensor<8xf32>", "tensor<800x10xf32>"},
      "tensor<?x10xf32>",
      "%c = nabla.fused_conv2d %a0, %a1, %a2 {activation = \"relu\", pads = [0, 0, 0, 0], "
      "strides = [1, 1]} : (tensor<?x3x12x12xf32>, tensor<8x3x3x3xf32>, tensor<8xf32>) -> "
      "tensor<?x8x10x10xf32>\n"
      "  %f = nabla.flatten %c {axis = 1 : i64} : (tensor<?x8x10x10xf32>) -> tensor<?x800xf32>\n"
      "  %y = nabla.matmul %f, %a3 : (tensor<?x800xf32>, tensor<800x10xf32>) -> tensor<?x10xf32>");
  std::vector<Tensor> in = {randomTensor({16, 3, 12, 12}), randomTensor({8, 3, 3, 3}),
                            randomTensor({8}), randomTensor({800, 10})};
  ScopedEnv env("NABLA_PARALLEL", "auto");
  // Every call of every mode equals the first bit for bit, and that one
  // the reference interpreter (f32 sums of 27 and 800 products).
  std::vector<RefTensor> expected = referenceOracle(src, "f")(toRef(in));
  std::vector<Tensor> results;
  for (const char *mode : {"on", "off", "auto"}) {
    env.set(mode);
    halide::clearJitCache(); // the mode is read when a pipeline is compiled or loaded
    halide::Executable exe = compileSource(src, "f");
    // Past the trials in auto: both ways run.
    for (int i = 0; i < 2 + 2 * ThreadingChoice::kTrials; ++i) {
      Tensor y = exe.run(in)[0];
      if (results.empty()) expectTensorNear(y, expected[0], Tolerance{1e-5, 1e-4}, "reference");
      else expectTensorNear(y, toRef({results[0]})[0], Tolerance{0, 0}, mode);
      results.push_back(y);
    }
  }
}

} // namespace
} // namespace nabla::testing
