// The JIT's GPU targets and the device copies that keep a trainer's state on
// the GPU. They run on a CUDA device (or on $NABLA_TEST_GPU_TARGET, a Halide
// GPU target) and skip where there is none, which is every CI machine: the
// README's "CUDA" section has the command that runs them on a GPU machine.
// pocl's CPU OpenCL device cannot stand in here as it does for the AOT
// binaries: it brings LLVM 15 into a process that JIT-compiles with LLVM 14,
// and the two interpose each other's symbols (a crash inside pocl's compile).
#include "frontend/Compile.h"
#include "frontend/Nets.h"
#include "runtime/Dataset.h"
#include "runtime/Error.h"
#include "runtime/Trainer.h"
#include "tests/unit/HalideTestSupport.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

using namespace nabla;
using namespace nabla::testing;

namespace {

const std::string kTarget = [] {
  const char *target = std::getenv("NABLA_TEST_GPU_TARGET");
  return std::string(target && *target ? target : "host-cuda");
}();

// y = x * p + x, with p the "parameter" a caller may keep on the device.
const std::string kSource = funcSource({"tensor<4x8xf32>", "tensor<4x8xf32>"}, "tensor<4x8xf32>",
                                       "%m = nabla.mul %a0, %a1 : (tensor<4x8xf32>, tensor<4x8xf32>) -> "
                                       "tensor<4x8xf32>\n"
                                       "%y = nabla.add %m, %a0 : (tensor<4x8xf32>, tensor<4x8xf32>) -> "
                                       "tensor<4x8xf32>");

/// Why no device can run a pipeline here, or "" when one can.
const std::string &deviceUnavailable() {
  static const std::string reason = [] {
    try {
      halide::Executable f = compileSource(kSource, "f", kTarget);
      f.run({randomTensor({4, 8}), randomTensor({4, 8})});
      return std::string();
    } catch (const std::exception &e) {
      return std::string(e.what());
    }
  }();
  return reason;
}

#define SKIP_WITHOUT_DEVICE()                                                                  \
  if (!deviceUnavailable().empty())                                                            \
  GTEST_SKIP() << "no device for target " << kTarget << ": " << deviceUnavailable()

Tensor filled(float value) {
  Tensor t({4, 8}, DType::F32);
  for (float &v : t.span<float>()) v = value;
  return t;
}

} // namespace

TEST(DeviceFunction, MatchesTheHost) {
  SKIP_WITHOUT_DEVICE();
  reseed(1);
  std::vector<Tensor> in = {randomTensor({4, 8}), randomTensor({4, 8})};
  halide::Executable gpu = compileSource(kSource, "f", kTarget);
  EXPECT_TRUE(gpu.onDevice());
  EXPECT_FALSE(compileSource(kSource, "f", "host").onDevice());
  Tensor y = gpu.run(in)[0];
  for (int64_t i = 0; i < y.numel(); ++i) {
    float x = in[0].data<float>()[i], p = in[1].data<float>()[i];
    EXPECT_FLOAT_EQ(y.data<float>()[i], x * p + x) << i;
  }
}

TEST(DeviceFunction, ResidentInputIsUploadedOnceUntilDropped) {
  SKIP_WITHOUT_DEVICE();
  halide::Executable f = compileSource(kSource, "f", kTarget);
  Tensor x = filled(1), p = filled(2);
  std::vector<Tensor> out = {filled(0)};
  Residency residency{{false, true}, {false}};
  f.runResident({x, p}, out, residency);
  EXPECT_EQ(out[0].data<float>()[5], 3.0f); // 1 * 2 + 1
  // A resident input is read from its device copy: a host write alone is
  // not seen (the contract: drop the copy first) ...
  p.data<float>()[5] = 10;
  f.runResident({x, p}, out, residency);
  EXPECT_EQ(out[0].data<float>()[5], 3.0f);
  // ... and after dropDeviceCopy the host's value is uploaded again.
  halide::Executable::dropDeviceCopy(p);
  f.runResident({x, p}, out, residency);
  EXPECT_EQ(out[0].data<float>()[5], 11.0f);
  // Not resident: uploaded every call.
  x.data<float>()[5] = 2;
  f.runResident({x, p}, out, residency);
  EXPECT_EQ(out[0].data<float>()[5], 22.0f);
  halide::Executable::dropDeviceCopy(p);
}

TEST(DeviceFunction, ResidentOutputStaysOnTheDeviceUntilSynced) {
  SKIP_WITHOUT_DEVICE();
  halide::Executable f = compileSource(kSource, "f", kTarget);
  size_t before = halide::Executable::deviceCopyCount();
  Tensor x = filled(1), p = filled(2);
  std::vector<Tensor> out = {filled(NAN)};
  f.runResident({x, p}, out, {{false, false}, {true}});
  EXPECT_TRUE(std::isnan(out[0].data<float>()[0])) << "copied back without being asked";
  // The device copy feeds the next call as a resident input: y2 = y * p + y.
  std::vector<Tensor> out2 = {filled(0)};
  f.runResident({out[0], p}, out2, {{true, false}, {false}});
  EXPECT_EQ(out2[0].data<float>()[0], 9.0f);
  halide::Executable::syncToHost(out[0]);
  for (float v : out[0].span<float>()) ASSERT_EQ(v, 3.0f);
  halide::Executable::dropDeviceCopy(out[0]);
  EXPECT_EQ(halide::Executable::deviceCopyCount(), before);
}

TEST(DeviceFunction, UnknownTargetIsAnError) {
  try {
    compileSource(kSource, "f", "host-quantum");
    FAIL() << "no error";
  } catch (const nabla::Error &e) {
    EXPECT_NE(std::string(e.what()).find("unknown JIT target 'host-quantum'"), std::string::npos)
        << e.what();
  }
}

// Compiling needs no device: the GPU schedule covers the filter gradient
// that sums at a max pool's winners (filterGradientFromPool), on every
// machine. SimpleConvNet's shapes at batch 2.
TEST(DeviceFunction, PooledFilterGradientCompilesForTheGpu) {
  const std::string x = "tensor<2x1x28x28xf32>", y = "tensor<2x30x24x24xf32>",
                    p = "tensor<2x30x12x12xf32>", i = "tensor<2x30x12x12xi32>",
                    w = "tensor<30x1x5x5xf32>";
  const std::string window = "kernel_shape = [2, 2], strides = [2, 2]";
  const std::string src =
      "func @f(%x: " + x + ", %y: " + y + ", %g: " + p + ") -> " + w + " {\n" +
      "  %p, %i = nabla.max_pool2d_with_indices %y {" + window + "} : (" + y + ") -> (" + p +
      ", " + i + ")\n" + "  %dy = nabla.max_pool2d_indices_backward %i, %g {" + window +
      ", image_size = [24, 24]} : (" + i + ", " + p + ") -> " + y + "\n" +
      "  %dw = nabla.conv2d_backward_filter %x, %dy {kernel_shape = [5, 5]} : (" + x + ", " + y +
      ") -> " + w + "\n  return %dw : " + w + "\n}\n";
  EXPECT_NO_THROW(compileSource(src, "f", kTarget));
}

// The same for a conv that reads its filter from the channel-innermost copy
// (channelLanes: 16 output channels on 28-wide rows, DeepConvNet's 16->16).
TEST(DeviceFunction, ChannelLaneConvCompilesForTheGpu) {
  const std::string x = "tensor<2x16x28x28xf32>", w = "tensor<16x16x3x3xf32>",
                    b = "tensor<16xf32>";
  const std::string src =
      "func @f(%x: " + x + ", %w: " + w + ", %b: " + b + ") -> " + x + " {\n" +
      "  %y = nabla.fused_conv2d %x, %w, %b {pads = [1, 1, 1, 1]} : (" + x + ", " + w + ", " + b +
      ") -> " + x + "\n  return %y : " + x + "\n}\n";
  EXPECT_NO_THROW(compileSource(src, "f", kTarget));
}

// A trainer whose step runs on the device keeps parameters and Adam's slots
// there; its losses and final parameters follow the host's (same kernels'
// arithmetic, other order of float sums in places).
TEST(DeviceTraining, TwoLayerNetFollowsTheHost) {
  SKIP_WITHOUT_DEVICE();
  dsl::ModelBuilder model("two_layer_net");
  dsl::defineTwoLayerNet(model);
  dsl::CompiledModel host = dsl::compileModel(model, {});
  dsl::CompiledModel gpu = dsl::compileModel(model, {.target = kTarget});
  ASSERT_TRUE(gpu.trainStep->onDevice());
  TrainerOptions o;
  o.optimizer = OptimizerConfig::defaults(OptimizerKind::Adam);
  o.batchSize = 20;
  o.epochs = 2;
  o.seed = 4;
  o.trainAccuracySamples = 100;
  o.progress = false;
  o.reportEvery = 0;
  Dataset train = loadFashionMnist("train").subset(100);
  Dataset test = loadFashionMnist("t10k").subset(100);
  for (Dataset *d : {&train, &test}) // TwoLayerNet takes rows of 784 pixels
    d->images = d->images.reshaped({d->size(), 784});
  size_t copiesBefore = halide::Executable::deviceCopyCount();
  {
    Trainer onHost(host.trainStep, host.forward, model.initialParameters(7), o);
    Trainer onDevice(gpu.trainStep, gpu.forward, model.initialParameters(7), o);
    const History &a = onHost.fit(train, &test);
    const History &b = onDevice.fit(train, &test);
    ASSERT_EQ(a.epochs().size(), b.epochs().size());
    for (size_t e = 0; e < a.epochs().size(); ++e) {
      EXPECT_NEAR(b.epochs()[e].trainLoss, a.epochs()[e].trainLoss, 1e-4) << "epoch " << e;
      EXPECT_NEAR(b.epochs()[e].testAccuracy, a.epochs()[e].testAccuracy, 0.011) << "epoch " << e;
    }
    for (const auto &[name, value] : onHost.parameters()) {
      const Tensor &other = onDevice.parameters().at(name); // synced from the device
      for (int64_t i = 0; i < value.numel(); ++i)
        ASSERT_NEAR(other.at(i), value.at(i), 1e-4 * std::abs(value.at(i)) + 1e-5)
            << name << "[" << i << "]";
    }
    // A checkpoint carries the device's values too.
    Checkpoint cp = onDevice.checkpoint();
    EXPECT_EQ(cp.parameters.front().tensor.at(0),
              onDevice.parameters().at(cp.parameters.front().name).at(0));
  }
  // The trainer freed its device copies.
  EXPECT_EQ(halide::Executable::deviceCopyCount(), copiesBefore);
}
