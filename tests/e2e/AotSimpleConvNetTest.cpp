// End to end: a SimpleConvNet trained briefly with the Halide JIT, its
// checkpoint turned into simple_convnet.weights by `nablac --target host`,
// and the standalone simple_convnet_infer (built from the AOT library)
// predicting the same classes as the JIT on the same test images, with
// logits near the reference interpreter's. Also: the binary links nothing
// of the compiler (ldd), nablac's errors for bad AOT requests, and the CUDA
// build: PTX for every kernel, and a clean "no CUDA device" exit without a GPU
// (the kernels themselves cannot be checked here: no GPU on the build hosts).
#include "backends/reference/ReferenceFunction.h"
#include "frontend/Compile.h"
#include "frontend/Nets.h"
#include "runtime/Checkpoint.h"
#include "runtime/Dataset.h"
#include "runtime/Trainer.h"
#include "tests/unit/FileTestSupport.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <sys/wait.h>

namespace {

using namespace nabla;
using nabla::testing::TempDir;

struct Exec {
  int status = -1;
  std::string output; // stdout and stderr
};

Exec run(const std::string &command) {
  Exec r;
  FILE *pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return r;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) r.output.append(buffer, n);
  int status = pclose(pipe);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::vector<std::vector<float>> readRows(const std::string &path) {
  std::vector<std::vector<float>> rows;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    rows.emplace_back();
    for (float v; fields >> v;) rows.back().push_back(v);
  }
  return rows;
}

int argmax(const float *row, int n) { return int(std::max_element(row, row + n) - row); }

TEST(AotSimpleConvNetTest, InferBinaryLinksNoCompilerLibraries) {
  Exec ldd = run(std::string("ldd ") + NABLA_INFER_BINARY);
  ASSERT_EQ(ldd.status, 0) << ldd.output;
  for (const char *library : {"libHalide", "libLLVM", "libMLIR", "libprotobuf"})
    EXPECT_EQ(ldd.output.find(library), std::string::npos) << library << " in:\n" << ldd.output;
  EXPECT_NE(ldd.output.find("libc.so"), std::string::npos) << ldd.output;
}


TEST(AotSimpleConvNetTest, InferBinaryHelpAndBadArguments) {
  Exec help = run(std::string(NABLA_INFER_BINARY) + " --help");
  EXPECT_EQ(help.status, 0) << help.output;
  EXPECT_NE(help.output.find("--bench-seconds S"), std::string::npos) << help.output;
  Exec noWeights = run(NABLA_INFER_BINARY);
  EXPECT_EQ(noWeights.status, 2);
  EXPECT_NE(noWeights.output.find("--weights is required"), std::string::npos) << noWeights.output;
  Exec badLimit = run(std::string(NABLA_INFER_BINARY) + " --weights w --limit ten");
  EXPECT_EQ(badLimit.status, 2);
  EXPECT_NE(badLimit.output.find("--limit needs a non-negative number, not 'ten'"), std::string::npos)
      << badLimit.output;
  Exec negative = run(std::string(NABLA_INFER_BINARY) + " --weights w --bench-seconds -1");
  EXPECT_EQ(negative.status, 2);
  EXPECT_NE(negative.output.find("--bench-seconds needs"), std::string::npos) << negative.output;
  Exec endless = run(std::string(NABLA_INFER_BINARY) + " --weights w --bench-seconds inf");
  EXPECT_EQ(endless.status, 2);
  EXPECT_NE(endless.output.find("not 'inf'"), std::string::npos) << endless.output;
  Exec unknown = run(std::string(NABLA_INFER_BINARY) + " --weights w --bogus");
  EXPECT_EQ(unknown.status, 2);
  EXPECT_NE(unknown.output.find("unknown option --bogus"), std::string::npos) << unknown.output;
}

/// An IDX file of unsigned bytes: the header (type 0x08, rank, big-endian
/// dimensions), then `data`. Written uncompressed under its .gz name, which
/// zlib reads as it is.
void writeIdx(const std::string &path, const std::vector<uint32_t> &dims,
              const std::vector<uint8_t> &data) {
  std::vector<uint8_t> bytes = {0, 0, 0x08, uint8_t(dims.size())};
  for (uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(uint8_t(d >> shift));
  bytes.insert(bytes.end(), data.begin(), data.end());
  nabla::testing::writeBytes(path, bytes);
}

// Checked before the weights are read: the weights path need not exist.
TEST(AotSimpleConvNetTest, InferBinaryRejectsBadDataAndOutputs) {
  TempDir dir;
  std::string binary = std::string(NABLA_INFER_BINARY) + " --weights w --bench-seconds 0 --data ";
  std::filesystem::create_directories(dir.file("labels"));
  writeIdx(dir.file("labels/t10k-images-idx3-ubyte.gz"), {2, 28, 28}, std::vector<uint8_t>(2 * 784));
  writeIdx(dir.file("labels/t10k-labels-idx1-ubyte.gz"), {2}, {3, 11});
  Exec label = run(binary + dir.file("labels"));
  EXPECT_EQ(label.status, 1);
  EXPECT_NE(label.output.find("label 11 of test image 1 is not a class (0-9)"), std::string::npos)
      << label.output;

  std::filesystem::create_directories(dir.file("none"));
  writeIdx(dir.file("none/t10k-images-idx3-ubyte.gz"), {0, 28, 28}, {});
  writeIdx(dir.file("none/t10k-labels-idx1-ubyte.gz"), {0}, {});
  Exec none = run(binary + dir.file("none"));
  EXPECT_EQ(none.status, 1);
  EXPECT_NE(none.output.find("has no test images"), std::string::npos) << none.output;

  std::filesystem::create_directories(dir.file("good"));
  writeIdx(dir.file("good/t10k-images-idx3-ubyte.gz"), {2, 28, 28}, std::vector<uint8_t>(2 * 784));
  writeIdx(dir.file("good/t10k-labels-idx1-ubyte.gz"), {2}, {3, 4});
  Exec unwritable = run(binary + dir.file("good") + " --predictions " + dir.file("missing/p.txt"));
  EXPECT_EQ(unwritable.status, 1);
  EXPECT_NE(unwritable.output.find("cannot write " + dir.file("missing/p.txt")), std::string::npos)
      << unwritable.output;
}
/// Shared by the tests below (trained once): a briefly trained SimpleConvNet
/// (30 Adam steps: varied, confident predictions), its weights file written
/// by `nablac --target host --weights checkpoint.pb`, and the JIT's logits
/// on the first kTest test images.
constexpr int64_t kTest = 1000;
struct Trained {
  TempDir dir;
  std::string weights;
  Dataset test;
  std::vector<float> jitLogits;
  std::unique_ptr<dsl::ModelBuilder> model;
  dsl::CompiledModel jit;
  std::map<std::string, Tensor> parameters;
};

void train(Trained &t) {
  Dataset train = loadFashionMnist("train").subset(3000);
  t.test = loadFashionMnist("t10k").subset(kTest);
  t.model = std::make_unique<dsl::ModelBuilder>("simple_convnet");
  dsl::defineSimpleConvNet(*t.model);
  t.jit = dsl::compileModel(*t.model, {});
  Trainer trainer(t.jit.trainStep, t.jit.forward, t.model->initialParameters(0),
                  {.optimizer = OptimizerConfig::defaults(OptimizerKind::Adam), .progress = false});
  trainer.fit(train, nullptr);
  t.parameters = trainer.parameters();
  std::string checkpoint = t.dir.file("checkpoint.pb");
  saveCheckpoint(trainer.checkpoint(), checkpoint);

  std::string out = t.dir.file("aot");
  Exec nablac = run(std::string(NABLA_NABLAC) + " --model simple_convnet --target host --weights " +
                    checkpoint + " -o " + out);
  EXPECT_EQ(nablac.status, 0) << nablac.output;
  for (const char *file : {"simple_convnet.a", "simple_convnet.h", "simple_convnet.weights"})
    EXPECT_TRUE(std::filesystem::exists(out + "/" + file)) << file;
  t.weights = out + "/simple_convnet.weights";

  std::vector<Tensor> inputs;
  for (const ArgumentInfo &arg : t.jit.forward->inputs())
    inputs.push_back(arg.name == "x" ? t.test.images : t.parameters.at(arg.name));
  std::vector<Tensor> outputs = t.jit.forward->allocateOutputs(inputs);
  t.jit.forward->runInto(inputs, outputs);
  t.jitLogits.assign(outputs[0].data<float>(), outputs[0].data<float>() + outputs[0].numel());
}

const Trained &trained() {
  static Trained t;
  static bool ready = (train(t), true);
  (void)ready;
  return t;
}

/// Runs an inference binary on the shared weights; its classes and logits.
Exec infer(const std::string &binary, const std::string &tag, std::vector<std::vector<float>> &classes,
           std::vector<std::vector<float>> &logits) {
  const Trained &t = trained();
  Exec r = run(binary + " --weights " + t.weights + " --limit " + std::to_string(kTest) +
               " --show 3 --bench-seconds 0 --predictions " + t.dir.file(tag + "-classes.txt") +
               " --logits " + t.dir.file(tag + "-logits.txt"));
  classes = readRows(t.dir.file(tag + "-classes.txt"));
  logits = readRows(t.dir.file(tag + "-logits.txt"));
  return r;
}

TEST(AotSimpleConvNetTest, SameClassesAsTheJitAndLogitsNearTheReference) {
  constexpr int64_t kReference = 50;
  const Trained &t = trained();
  std::vector<std::vector<float>> classes, logits;
  Exec result = infer(NABLA_INFER_BINARY, "cpu", classes, logits);
  ASSERT_EQ(result.status, 0) << result.output;
  ASSERT_EQ(int64_t(classes.size()), kTest);
  ASSERT_EQ(int64_t(logits.size()), kTest);

  int64_t same = 0, correct = 0;
  for (int64_t i = 0; i < kTest; ++i) {
    int jitClass = argmax(&t.jitLogits[size_t(10 * i)], 10);
    same += jitClass == int(classes[size_t(i)].at(0));
    correct += jitClass == t.test.labels.data<int64_t>()[i];
  }
  EXPECT_EQ(same, kTest) << "the AOT binary and the JIT disagree on some classes";
  char accuracy[64];
  std::snprintf(accuracy, sizeof accuracy, "test accuracy: %.2f%%", 100.0 * double(correct) / kTest);
  EXPECT_NE(result.output.find(accuracy), std::string::npos) << accuracy << " vs:\n" << result.output;
  EXPECT_GT(correct, kTest / 2) << "the brief training should beat chance by far";

  // The oracle on the first images.
  Dataset head = t.test.subset(kReference);
  reference::ReferenceFunction forward(*t.jit.module, "forward");
  std::vector<Tensor> inputs;
  for (const ArgumentInfo &arg : forward.inputs())
    inputs.push_back(arg.name == "x" ? head.images : t.parameters.at(arg.name));
  std::vector<Tensor> refOut = forward.allocateOutputs(inputs);
  forward.runInto(inputs, refOut);
  for (int64_t i = 0; i < kReference; ++i)
    for (int c = 0; c < 10; ++c) {
      double want = refOut[0].data<float>()[10 * i + c];
      EXPECT_NEAR(logits[size_t(i)][size_t(c)], want, 1e-4 + 1e-4 * std::abs(want))
          << "image " << i << " class " << c;
    }
}

#ifdef NABLA_INFER_OPENCL_BINARY
// The GPU schedule and the runtime's device path (weights uploaded once,
// inputs copied in, outputs copied back), run through OpenCL: on a machine
// without a GPU, an OpenCL CPU device (Debian's pocl-opencl-icd) runs it.
// The CUDA build shares the schedule and the runtime path; only its code
// generation goes unchecked without a CUDA GPU.
TEST(AotSimpleConvNetTest, GpuScheduleOnOpenClMatchesTheCpu) {
  std::vector<std::vector<float>> cpuClasses, cpuLogits, classes, logits;
  Exec opencl = infer(NABLA_INFER_OPENCL_BINARY, "opencl", classes, logits);
  if (opencl.output.find("no OpenCL device available") != std::string::npos)
    GTEST_SKIP() << "no OpenCL device (install pocl-opencl-icd for a CPU one): " << opencl.output;
  ASSERT_EQ(opencl.status, 0) << opencl.output;
  ASSERT_EQ(infer(NABLA_INFER_BINARY, "cpu-for-opencl", cpuClasses, cpuLogits).status, 0);
  ASSERT_EQ(classes.size(), cpuClasses.size());
  EXPECT_EQ(classes, cpuClasses);
  for (size_t i = 0; i < logits.size(); ++i)
    for (size_t c = 0; c < 10; ++c)
      EXPECT_NEAR(logits[i].at(c), cpuLogits[i].at(c), 1e-4 + 1e-4 * std::abs(cpuLogits[i][c]))
          << "image " << i << " class " << c;
}
#endif

TEST(AotSimpleConvNetTest, NablacReportsBadAotRequests) {
  TempDir dir;
  std::string nablac = NABLA_NABLAC;
  Exec noDir = run(nablac + " --model simple_convnet --target host");
  EXPECT_NE(noDir.status, 0);
  EXPECT_NE(noDir.output.find("give the output directory with -o DIR"), std::string::npos) << noDir.output;
  Exec badTarget = run(nablac + " --model simple_convnet --target sparc-cray -o " + dir.file("x"));
  EXPECT_NE(badTarget.status, 0);
  EXPECT_NE(badTarget.output.find("unknown AOT target 'sparc-cray'"), std::string::npos) << badTarget.output;
  Exec training = run(nablac + " --model simple_convnet --target host --entry loss -o " + dir.file("x"));
  EXPECT_NE(training.status, 0);
  EXPECT_NE(training.output.find("has role 'label'"), std::string::npos) << training.output;
  Exec noCheckpoint = run(nablac + " --model simple_convnet --target host --weights " +
                         dir.file("absent.pb") + " -o " + dir.file("x"));
  EXPECT_NE(noCheckpoint.status, 0);
  EXPECT_NE(noCheckpoint.output.find("absent.pb"), std::string::npos) << noCheckpoint.output;
  EXPECT_FALSE(std::filesystem::exists(dir.file("x"))) << "a failed request left its -o directory";
}

// The outputs are built aside and moved into place only when all of them are
// made: a failure leaves the earlier outputs as they were, and no partial ones.
TEST(AotSimpleConvNetTest, FailedAotLeavesTheOutputDirectoryAsItWas) {
  TempDir dir;
  std::string out = dir.file("out");
  std::filesystem::create_directories(out + "/simple_convnet.h"); // in the header's way
  nabla::testing::writeBytes(out + "/simple_convnet.a", {'o', 'l', 'd'});
  Exec blocked = run(std::string(NABLA_NABLAC) + " --model simple_convnet --target host -o " + out);
  EXPECT_EQ(blocked.status, 1) << blocked.output;
  EXPECT_NE(blocked.output.find("cannot write " + out + "/simple_convnet.h: it is a directory"),
            std::string::npos)
      << blocked.output;
  EXPECT_EQ(nabla::testing::readBytes(out + "/simple_convnet.a"), (std::vector<uint8_t>{'o', 'l', 'd'}));
  std::vector<std::string> left;
  for (const auto &entry : std::filesystem::directory_iterator(out))
    left.push_back(entry.path().filename().string());
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"simple_convnet.a", "simple_convnet.h"}));
}

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(AotSimpleConvNetTest, CudaLibraryEmbedsPtxForEveryKernel) {
  std::string library = readFile(NABLA_CUDA_LIBRARY);
  ASSERT_FALSE(library.empty()) << NABLA_CUDA_LIBRARY;
  EXPECT_NE(library.find(".target sm_61"), std::string::npos) << "no PTX for compute capability 6.1";
  // One kernel per stored stage of every op of @forward (the conv's shifted
  // input copies, conv+bias+relu, pool, affine+relu, affine), each in the PTX
  // as an .entry; the accumulations run inside their activation's kernel, and
  // the affine layer reads the pooled planes through the flatten (no copy).
  for (const char *kernel :
       {".entry _kernel_conv2d_shifted_input__1", ".entry _kernel_fused_conv2d__1",
        ".entry _kernel_max_pool2d", ".entry _kernel_fused_matmul__1",
        ".entry _kernel_fused_matmul__2"})
    EXPECT_NE(library.find(kernel), std::string::npos) << kernel;
  EXPECT_EQ(library.find(".entry _kernel_fused_matmul_acc"), std::string::npos)
      << "the accumulation should run inside its activation's kernel";
  EXPECT_EQ(library.find(".entry _kernel_flatten"), std::string::npos)
      << "the affine layer should read the pooled planes, not a flattened copy";
  EXPECT_NE(library.find("halide_cuda_device_interface"), std::string::npos)
      << "the CUDA runtime is missing";
}

TEST(AotSimpleConvNetTest, CudaBinaryWithoutAGpuExitsWithAClearMessage) {
  if (std::filesystem::exists("/dev/nvidia0")) GTEST_SKIP() << "a GPU is present";
  Exec infer = run(std::string(NABLA_INFER_CUDA_BINARY) + " --weights " + NABLA_CUDA_WEIGHTS +
                   " --limit 10 --bench-seconds 0");
  EXPECT_EQ(infer.status, 1) << "a clean error exit, not a crash or an abort:\n" << infer.output;
  EXPECT_NE(infer.output.find("no CUDA device available for model 'simple_convnet'"),
            std::string::npos)
      << infer.output;
}

TEST(AotSimpleConvNetTest, GpuSchedulesCoverDeeperNets) {
  // Every op of these nets' @forward gets a GPU schedule Halide accepts:
  // convolutions with padding, dropout at inference, batch norm, sigmoid.
  TempDir dir;
  dsl::ModelBuilder deep("deep_convnet");
  dsl::defineDeepConvNet(deep);
  halide::AotOutput out = dsl::compileAOT(deep, {.outDir = dir.file("deep"), .target = "host-cuda"});
  EXPECT_NE(readFile(out.library).find(".target sm_61"), std::string::npos);
  dsl::ModelBuilder mlp("mlp");
  dsl::defineMultiLayerNet(mlp, {.activation = dsl::Activation::Sigmoid, .useBatchNorm = true});
  out = dsl::compileAOT(mlp, {.outDir = dir.file("mlp"), .target = "host-cuda"});
  EXPECT_NE(readFile(out.library).find(".entry"), std::string::npos);
}

TEST(AotSimpleConvNetTest, CompileAotFromTheDslWritesTheThreeFiles) {
  TempDir dir;
  dsl::ModelBuilder model("simple_convnet");
  dsl::defineSimpleConvNet(model);
  std::map<std::string, Tensor> params = model.initialParameters(3);
  halide::AotOutput out =
      dsl::compileAOT(model, {.outDir = dir.file("lib"), .name = "tiny_net", .weights = &params});
  EXPECT_EQ(out.library, dir.file("lib") + "/tiny_net.a");
  EXPECT_EQ(out.weights, dir.file("lib") + "/tiny_net.weights");
  std::ifstream header(out.header);
  std::string text((std::istreambuf_iterator<char>(header)), std::istreambuf_iterator<char>());
  for (const char *part : {"tiny_net_create(const char *weights_path)",
                           "static inline int tiny_net_predict(tiny_net_model *model, int64_t batch",
                           "#define TINY_NET_X_SIZE 784", "#define TINY_NET_LOGITS_SIZE 10",
                           "{\"conv1.W\", NABLA_AOT_WEIGHT, 4, {30, 1, 5, 5}}"})
    EXPECT_NE(text.find(part), std::string::npos) << part;
  // The archive holds the kernel, one Halide runtime and the nabla AOT runtime.
  Exec nm = run("nm --defined-only " + out.library);
  ASSERT_EQ(nm.status, 0) << nm.output;
  for (const char *symbol : {" T tiny_net_kernel_argv", " T nabla_aot_create", " T nabla_weights_read",
                             "halide_set_error_handler"})
    EXPECT_NE(nm.output.find(symbol), std::string::npos) << symbol;
}

} // namespace
