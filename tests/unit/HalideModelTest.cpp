// Halide backend end to end: the hand-written SimpleConvNet (with a private
// @logits inlined into @loss and @forward) at batch 1 and 16, the JIT cache,
// errors for unsupported ops and bad inputs, preallocated outputs, multiple
// results, and dropout's counter-based mask.
//
// Oracle: the reference interpreter on the same IR. Tolerance:
// the hidden layer sums 4320 f32 products, the rest is short; rtol 1e-4,
// atol 1e-5 (observed errors are ~1e-6).
#include "tests/unit/HalideTestSupport.h"

#include "runtime/CounterRng.h"
#include "runtime/Error.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

using namespace nabla;
using namespace nabla::testing;

namespace {
constexpr Tolerance kModel{1e-4, 1e-5};

std::string readFile(const std::string &path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string simpleConvNet() {
  return readFile(std::string(NABLA_SOURCE_DIR) + "/tests/lit/models/simple_convnet.mlir");
}

/// x, then w1, b1, w2, b2, w3, b3.
std::vector<Tensor> convNetParams() {
  return {randomTensor({30, 1, 5, 5}, -0.2f, 0.2f), randomTensor({30}, -0.1f, 0.1f),
          randomTensor({4320, 100}, -0.03f, 0.03f), randomTensor({100}, -0.1f, 0.1f),
          randomTensor({100, 10}, -0.1f, 0.1f),     randomTensor({10}, -0.1f, 0.1f)};
}

} // namespace

TEST(HalideModel, SimpleConvNetLossAndForwardAtBatch1And16) {
  reseed(40);
  std::string src = simpleConvNet();
  ASSERT_FALSE(src.empty());
  std::vector<Tensor> params = convNetParams();
  halide::Executable loss = compileSource(src, "loss");
  halide::Executable forward = compileSource(src, "forward");
  for (int64_t batch : {1, 16}) {
    Tensor x = randomTensor({batch, 1, 28, 28}, 0, 1), t = randomLabels(batch, 10);
    std::vector<Tensor> fwdIn = {x};
    fwdIn.insert(fwdIn.end(), params.begin(), params.end());
    expectTensorNear(forward.run(fwdIn)[0], referenceOracle(src, "forward")(toRef(fwdIn))[0],
                     kModel, "@forward batch " + std::to_string(batch));
    std::vector<Tensor> lossIn = {x, t};
    lossIn.insert(lossIn.end(), params.begin(), params.end());
    expectTensorNear(loss.run(lossIn)[0], referenceOracle(src, "loss")(toRef(lossIn))[0], kModel,
                     "@loss batch " + std::to_string(batch));
  }
  // For the record (not asserted: the schedule is the simple one for now).
  std::vector<Tensor> in = {randomTensor({100, 1, 28, 28}, 0, 1)};
  in.insert(in.end(), params.begin(), params.end());
  std::vector<Tensor> out = {Tensor({100, 10}, DType::F32)};
  std::vector<double> times;
  for (int i = 0; i < 5; ++i) {
    auto start = std::chrono::steady_clock::now();
    forward.runInto(in, out);
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  std::cout << "SimpleConvNet @forward batch 100: median " << times[2] * 1e3 << " ms\n";
}

TEST(HalideModel, JitCacheAnswersTheSecondCompile) {
  std::string src = simpleConvNet();
  // The in-memory cache alone: a cold compile, not a load from disk.
  const char *diskCache = std::getenv("NABLA_CACHE_DIR");
  std::string savedDiskCache = diskCache ? diskCache : "";
  setenv("NABLA_CACHE_DIR", "off", 1);
  halide::clearJitCache();
  halide::JitCacheStats before = halide::jitCacheStats();
  auto start = std::chrono::steady_clock::now();
  halide::Executable first = compileSource(src, "loss");
  double cold = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  start = std::chrono::steady_clock::now();
  halide::Executable second = compileSource(src, "loss");
  double cached = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  halide::JitCacheStats after = halide::jitCacheStats();
  EXPECT_EQ(after.compiles - before.compiles, 1);
  EXPECT_EQ(after.hits - before.hits, 1);
  EXPECT_EQ(first.irHash(), second.irHash());
  // The cached call only parses and prints the IR: far below a Halide compile.
  EXPECT_LT(cached, cold / 5) << "cold " << cold << " s, cached " << cached << " s";
  std::cout << "SimpleConvNet @loss JIT compile: cold " << cold * 1e3 << " ms (lower+compile "
            << first.compileSeconds() * 1e3 << " ms), cached " << cached * 1e3 << " ms\n";
  RecordProperty("loss_compile_cold_ms", int(cold * 1e3));
  RecordProperty("loss_compile_cached_us", int(cached * 1e6));
  if (diskCache) setenv("NABLA_CACHE_DIR", savedDiskCache.c_str(), 1);
  else unsetenv("NABLA_CACHE_DIR");
}

TEST(HalideModel, UnsupportedOpsAreListedTogether) {
  // Every nabla op has a lowering; std ops on tensors do not (one of them
  // inside a called function, so the check follows calls).
  const std::string src = R"(
    func @f(%x: tensor<?x4xf32>, %c: tensor<?x4xi1>, %s: f32) -> (tensor<?x4xf32>, tensor<4xf32>) {
      %r = nabla.relu %x : tensor<?x4xf32>
      %y = call @g(%c, %r) : (tensor<?x4xi1>, tensor<?x4xf32>) -> tensor<?x4xf32>
      %t = splat %s : tensor<4xf32>
      return %y, %t : tensor<?x4xf32>, tensor<4xf32>
    }
    func private @g(%c: tensor<?x4xi1>, %r: tensor<?x4xf32>) -> tensor<?x4xf32> {
      %y = select %c, %r, %r : tensor<?x4xi1>, tensor<?x4xf32>
      return %y : tensor<?x4xf32>
    })";
  try {
    compileSource(src, "f");
    FAIL() << "expected an error";
  } catch (const Error &e) {
    std::string message = e.what();
    EXPECT_NE(message.find("@f: 2 op(s) have no Halide lowering"), std::string::npos) << message;
    EXPECT_NE(message.find("'std.select' at loc("), std::string::npos) << message;
    EXPECT_NE(message.find("'std.splat' at loc("), std::string::npos) << message;
    EXPECT_EQ(message.find("relu"), std::string::npos) << message;
    std::cout << message << "\n";
  }
}

TEST(HalideModel, BadInputsAreClearErrors) {
  std::string src = simpleConvNet();
  halide::Executable loss = compileSource(src, "loss");
  std::vector<Tensor> in = {randomTensor({4, 1, 28, 28}), randomLabels(5, 10)};
  for (Tensor &p : convNetParams()) in.push_back(p);
  // Batch 4 images with 5 labels: the loss op's own shape check fires.
  EXPECT_THROW(
      {
        try {
          loss.run(in);
        } catch (const Error &e) {
          EXPECT_NE(std::string(e.what()).find("softmax_cross_entropy"), std::string::npos)
              << e.what();
          throw;
        }
      },
      Error);
  in[1] = randomLabels(4, 10);
  in[0] = randomTensor({4, 1, 27, 28});
  EXPECT_THROW(loss.run(in), Error); // static dim mismatch
  in[0] = randomTensor({4, 1, 28, 28});
  in[1] = randomTensor({4}); // f32 where i64 labels are declared
  EXPECT_THROW(loss.run(in), Error);
  EXPECT_THROW(loss.run({}), Error);
}

TEST(HalideModel, RunIntoPreallocatedOutputsAndMultipleResults) {
  reseed(41);
  const std::string src = R"(
    func @f(%x: tensor<?x8xf32>, %w: tensor<8x3xf32>) -> (tensor<?x3xf32>, tensor<?xi64>, tensor<?x8xf32>) {
      %y = nabla.matmul %x, %w : (tensor<?x8xf32>, tensor<8x3xf32>) -> tensor<?x3xf32>
      %a = nabla.argmax %y {axis = 1} : (tensor<?x3xf32>) -> tensor<?xi64>
      return %y, %a, %x : tensor<?x3xf32>, tensor<?xi64>, tensor<?x8xf32>
    })";
  halide::Executable exe = compileSource(src, "f");
  EXPECT_EQ(exe.inputNames(), (std::vector<std::string>{"arg0", "arg1"}));
  EXPECT_EQ(exe.outputNames(), (std::vector<std::string>{"result0", "result1", "result2"}));
  EXPECT_EQ(exe.outputShapes({{5, 8}, {8, 3}}), (std::vector<Shape>{{5, 3}, {5}, {5, 8}}));
  std::vector<Tensor> out = {Tensor({5, 3}, DType::F32), Tensor({5}, DType::I64),
                             Tensor({5, 8}, DType::F32)};
  const void *storage = out[0].rawData();
  for (int step = 0; step < 2; ++step) {
    std::vector<Tensor> in = {randomTensor({5, 8}), randomTensor({8, 3})};
    exe.runInto(in, out);
    EXPECT_EQ(out[0].rawData(), storage) << "written in place";
    std::vector<RefTensor> expected = referenceOracle(src, "f")(toRef(in));
    expectTensorNear(out[0], expected[0], {1e-6, 1e-6}, "matmul");
    expectTensorNear(out[1], expected[1], {0, 0}, "argmax");
    expectTensorNear(out[2], expected[2], {0, 0}, "returned argument");
  }
  std::vector<Tensor> wrong = {Tensor({4, 3}, DType::F32), Tensor({5}, DType::I64),
                               Tensor({5, 8}, DType::F32)};
  EXPECT_THROW(exe.runInto({randomTensor({5, 8}), randomTensor({8, 3})}, wrong), Error);

  // A result in an argument's memory is refused: schedules may write a
  // result before they are done reading the arguments.
  std::vector<Tensor> in = {randomTensor({5, 8}), randomTensor({8, 3})};
  std::vector<Tensor> aliased = {Tensor({5, 3}, DType::F32), Tensor({5}, DType::I64), in[0]};
  try {
    exe.runInto(in, aliased);
    ADD_FAILURE() << "a result aliasing an argument was accepted";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("output result2 shares memory with input arg0"),
              std::string::npos)
        << e.what();
  }
}

TEST(HalideModel, DropoutMaskMatchesCounterRng) {
  reseed(42);
  const std::string src = R"(
    func @f(%x: tensor<?x100xf32>, %step: tensor<i64>) -> (tensor<?x100xf32>, tensor<?x100xf32>) {
      %y, %mask = nabla.dropout %x, %step {ratio = 0.3 : f32, seed = 7, training} : (tensor<?x100xf32>, tensor<i64>) -> (tensor<?x100xf32>, tensor<?x100xf32>)
      return %y, %mask : tensor<?x100xf32>, tensor<?x100xf32>
    }
    func @g(%x: tensor<?x100xf32>) -> (tensor<?x100xf32>, tensor<?x100xf32>) {
      %y, %mask = nabla.dropout %x {ratio = 0.3 : f32, seed = 7} : (tensor<?x100xf32>) -> (tensor<?x100xf32>, tensor<?x100xf32>)
      return %y, %mask : tensor<?x100xf32>, tensor<?x100xf32>
    })";
  halide::Executable exe = compileSource(src, "f");
  for (int64_t step : {0, 5}) {
    Tensor x = randomTensor({7, 100});
    std::vector<Tensor> out = exe.run({x, Tensor::scalar<int64_t>(step)});
    uint32_t key = rng::streamKey(7, uint64_t(step));
    float scale = 1.0f / (1.0f - 0.3f);
    int64_t kept = 0;
    for (int64_t i = 0; i < x.numel(); ++i) {
      bool keep = rng::dropoutKeep(key, uint32_t(i), 0.3f);
      kept += keep;
      ASSERT_EQ(out[1].data<float>()[i], keep ? scale : 0.0f) << "element " << i;
      ASSERT_EQ(out[0].data<float>()[i], x.data<float>()[i] * (keep ? scale : 0.0f));
    }
    EXPECT_NEAR(double(kept) / double(x.numel()), 0.7, 0.08);
  }
  Tensor x = randomTensor({3, 100});
  std::vector<Tensor> inference = compileSource(src, "g").run({x});
  expectTensorNear(inference[0], RefTensor::fromTensor(x), {0, 0}, "identity at inference");
}
