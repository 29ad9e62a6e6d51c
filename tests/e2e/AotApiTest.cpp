// The C API of the AOT-compiled SimpleConvNet (the library the example links,
// built by nabla_add_aot_model): logits against the reference interpreter at
// several batch sizes, and every create/predict error as NULL or non-zero
// plus a message, never a crash. This binary links the generated library
// and the reference interpreter, not libHalide.
#include "backends/reference/ReferenceFunction.h"
#include "frontend/Nets.h"
#include "runtime/aot/WeightsFile.h"
#include "simple_convnet.h"
#include "tests/unit/FileTestSupport.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>

namespace {

using namespace nabla;
using nabla::testing::readBytes;
using nabla::testing::TempDir;
using nabla::testing::writeBytes;

/// SimpleConvNet with He-initialized weights (std 0.01 would make every
/// logit nearly zero and the comparison weak), built once.
struct Model {
  dsl::ModelBuilder builder{"simple_convnet"};
  mlir::OwningOpRef<mlir::ModuleOp> module;
  std::map<std::string, Tensor> params;
  Model() {
    dsl::defineSimpleConvNet(builder, {.weightInit = dsl::WeightInit::he()});
    module = builder.build();
    params = builder.initialParameters(7);
  }
  /// Writes the weights, optionally renaming or reshaping one tensor.
  std::string writeWeights(const TempDir &dir, const std::string &skip = "",
                           const std::string &renameTo = "") const {
    std::vector<nabla_weights_tensor> tensors;
    for (const auto &[name, t] : params) {
      if (name == skip && renameTo.empty()) continue;
      nabla_weights_tensor w{};
      w.name = name == skip ? renameTo.c_str() : name.c_str();
      w.rank = int32_t(t.rank());
      for (int64_t d = 0; d < t.rank(); ++d) w.dims[d] = t.dim(d);
      w.count = t.numel();
      w.data = t.data<float>();
      tensors.push_back(w);
    }
    std::string path = dir.file("simple_convnet.weights");
    EXPECT_EQ(nabla_weights_write(path.c_str(), int32_t(tensors.size()), tensors.data()), 0);
    return path;
  }
};

const Model &model() {
  static Model m;
  return m;
}

Tensor randomImages(int64_t batch, uint32_t seed) {
  Tensor x({batch, 1, 28, 28}, DType::F32);
  uint32_t s = seed;
  for (float &v : x.span<float>()) {
    s = s * 1664525u + 1013904223u;
    v = float(s >> 8) / float(1u << 24);
  }
  return x;
}

Tensor referenceLogits(const Tensor &x) {
  reference::ReferenceFunction forward(*model().module, "forward");
  std::vector<Tensor> inputs;
  for (const ArgumentInfo &arg : forward.inputs())
    inputs.push_back(arg.name == "x" ? x : model().params.at(arg.name));
  std::vector<Tensor> outputs = forward.allocateOutputs(inputs);
  forward.runInto(inputs, outputs);
  return outputs.at(0);
}

std::string lastError() { return simple_convnet_last_error(); }

TEST(AotApiTest, LogitsMatchTheReferenceAtBatch1_7_100) {
  TempDir dir;
  simple_convnet_model *m = simple_convnet_create(model().writeWeights(dir).c_str());
  ASSERT_NE(m, nullptr) << lastError();
  for (int64_t batch : {1, 7, 100}) {
    Tensor x = randomImages(batch, uint32_t(batch));
    std::vector<float> logits(size_t(batch * SIMPLE_CONVNET_LOGITS_SIZE), NAN);
    ASSERT_EQ(simple_convnet_predict(m, batch, x.data<float>(), logits.data()), 0) << lastError();
    Tensor expected = referenceLogits(x);
    ASSERT_EQ(expected.numel(), int64_t(logits.size()));
    double worst = 0;
    for (size_t i = 0; i < logits.size(); ++i) {
      double want = expected.data<float>()[i];
      worst = std::max(worst, std::abs(logits[i] - want) / (1e-4 + 1e-4 * std::abs(want)));
    }
    EXPECT_LE(worst, 1.0) << "batch " << batch << ": logits differ from the reference";
  }
  simple_convnet_destroy(m);
}

TEST(AotApiTest, PoolCallerAndShardsGiveTheSameBits) {
  // NABLA_PARALLEL and HL_NUM_THREADS (the shards) are read when a model is
  // created (runtime/aot/AotThreading.h). Three shards of 10 rows: 4, 3, 3.
  TempDir dir;
  std::string weights = model().writeWeights(dir);
  const char *threads = std::getenv("HL_NUM_THREADS");
  std::string savedThreads = threads ? threads : "";
  std::vector<std::vector<float>> logits;
  for (const char *mode : {"on", "off", "shards", "auto"}) {
    setenv("NABLA_PARALLEL", mode, 1);
    setenv("HL_NUM_THREADS", "3", 1);
    simple_convnet_model *m = simple_convnet_create(weights.c_str());
    if (threads) setenv("HL_NUM_THREADS", savedThreads.c_str(), 1);
    else unsetenv("HL_NUM_THREADS");
    ASSERT_NE(m, nullptr) << lastError();
    for (int64_t batch : {1, 10}) {
      Tensor x = randomImages(batch, 5);
      // auto: calls 1 to 12 measure the three ways, four calls each.
      for (int call = 0; call < 14; ++call) {
        logits.emplace_back(size_t(batch * SIMPLE_CONVNET_LOGITS_SIZE), NAN);
        ASSERT_EQ(simple_convnet_predict(m, batch, x.data<float>(), logits.back().data()), 0)
            << lastError();
      }
    }
    simple_convnet_destroy(m);
  }
  setenv("NABLA_PARALLEL", "sometimes", 1);
  EXPECT_EQ(simple_convnet_create(weights.c_str()), nullptr);
  EXPECT_NE(lastError().find("NABLA_PARALLEL must be on, off, shards or auto, not 'sometimes'"),
            std::string::npos)
      << lastError();
  unsetenv("NABLA_PARALLEL");
  // Batch 1's calls, then batch 10's, for each mode: every call of a batch
  // size gives the same bits.
  for (size_t i = 0; i < logits.size(); ++i) {
    size_t first = i / 14 % 2 == 0 ? 0 : 14;
    EXPECT_EQ(logits[i], logits[first]) << "call " << i;
  }
}

TEST(AotApiTest, PredictShapedChecksEveryShape) {
  TempDir dir;
  simple_convnet_model *m = simple_convnet_create(model().writeWeights(dir).c_str());
  ASSERT_NE(m, nullptr) << lastError();
  Tensor x = randomImages(3, 1);
  std::vector<float> logits(30);
  int64_t xShape[4] = {3, 1, 28, 28}, outShape[2] = {3, 10};
  ASSERT_EQ(simple_convnet_predict_shaped(m, x.data<float>(), xShape, 4, logits.data(), outShape, 2), 0)
      << lastError();
  std::vector<float> unshaped(30);
  ASSERT_EQ(simple_convnet_predict(m, 3, x.data<float>(), unshaped.data()), 0);
  EXPECT_EQ(logits, unshaped);

  int64_t wrongImage[4] = {3, 1, 28, 27};
  EXPECT_NE(simple_convnet_predict_shaped(m, x.data<float>(), wrongImage, 4, logits.data(), outShape, 2), 0);
  EXPECT_NE(lastError().find("'x' has shape [3, 1, 28, 27], expected [-1, 1, 28, 28]"), std::string::npos)
      << lastError();
  int64_t otherBatch[2] = {4, 10};
  EXPECT_NE(simple_convnet_predict_shaped(m, x.data<float>(), xShape, 4, logits.data(), otherBatch, 2), 0);
  EXPECT_NE(lastError().find("'logits' has shape [4, 10]"), std::string::npos) << lastError();
  EXPECT_NE(simple_convnet_predict_shaped(m, x.data<float>(), xShape, 3, logits.data(), outShape, 2), 0);
  simple_convnet_destroy(m);
}

TEST(AotApiTest, BadBatchAndNullArraysAreErrors) {
  TempDir dir;
  simple_convnet_model *m = simple_convnet_create(model().writeWeights(dir).c_str());
  ASSERT_NE(m, nullptr) << lastError();
  std::vector<float> x(784), logits(10);
  EXPECT_NE(simple_convnet_predict(m, 0, x.data(), logits.data()), 0);
  EXPECT_NE(lastError().find("batch size 0 is out of range"), std::string::npos) << lastError();
  EXPECT_NE(simple_convnet_predict(m, -5, x.data(), logits.data()), 0);
  EXPECT_NE(simple_convnet_predict(m, int64_t(1) << 40, x.data(), logits.data()), 0);
  EXPECT_NE(simple_convnet_predict(m, 1, nullptr, logits.data()), 0);
  EXPECT_NE(lastError().find("the array for 'x' is NULL"), std::string::npos) << lastError();
  EXPECT_NE(simple_convnet_predict(nullptr, 1, x.data(), logits.data()), 0);
  simple_convnet_destroy(m);
  simple_convnet_destroy(nullptr);
}

TEST(AotApiTest, MissingTensorIsAnErrorNamingIt) {
  TempDir dir;
  std::string path = model().writeWeights(dir, "affine2.b");
  EXPECT_EQ(simple_convnet_create(path.c_str()), nullptr);
  EXPECT_NE(lastError().find("has no tensor named 'affine2.b'"), std::string::npos) << lastError();
}

TEST(AotApiTest, RenamedTensorIsAnError) {
  TempDir dir;
  std::string path = model().writeWeights(dir, "conv1.W", "conv1.weight");
  EXPECT_EQ(simple_convnet_create(path.c_str()), nullptr);
  EXPECT_NE(lastError().find("has no tensor named 'conv1.W'"), std::string::npos) << lastError();
}

TEST(AotApiTest, WrongShapeIsAnErrorWithBothShapes) {
  TempDir dir;
  float values[30 * 25] = {};
  nabla_weights_tensor t[6];
  int i = 0;
  for (const auto &[name, tensor] : model().params) {
    t[i] = {};
    t[i].name = name.c_str();
    t[i].rank = int32_t(tensor.rank());
    for (int64_t d = 0; d < tensor.rank(); ++d) t[i].dims[d] = tensor.dim(d);
    t[i].count = tensor.numel();
    t[i].data = tensor.data<float>();
    if (name == "conv1.W") t[i] = {"conv1.W", 3, {30, 5, 5}, 750, values};
    ++i;
  }
  std::string path = dir.file("w.weights");
  ASSERT_EQ(nabla_weights_write(path.c_str(), 6, t), 0);
  EXPECT_EQ(simple_convnet_create(path.c_str()), nullptr);
  EXPECT_NE(lastError().find("tensor 'conv1.W' has shape [30, 5, 5], model 'simple_convnet' needs "
                             "[30, 1, 5, 5]"),
            std::string::npos)
      << lastError();
}

TEST(AotApiTest, CorruptMissingAndForeignFilesAreErrors) {
  TempDir dir;
  std::string path = model().writeWeights(dir);
  std::vector<uint8_t> bytes = readBytes(path);
  bytes[bytes.size() / 2] ^= 1;
  writeBytes(path, bytes);
  EXPECT_EQ(simple_convnet_create(path.c_str()), nullptr);
  EXPECT_NE(lastError().find("checksum mismatch"), std::string::npos) << lastError();
  EXPECT_EQ(simple_convnet_create(dir.file("absent").c_str()), nullptr);
  EXPECT_NE(lastError().find("cannot open"), std::string::npos) << lastError();
  writeBytes(path, std::vector<uint8_t>(100, 'x'));
  EXPECT_EQ(simple_convnet_create(path.c_str()), nullptr);
  EXPECT_NE(lastError().find("bad magic"), std::string::npos) << lastError();
  EXPECT_EQ(simple_convnet_create(nullptr), nullptr);
}

} // namespace
