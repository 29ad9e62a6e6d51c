// Every pass pipeline, compiled through Halide, computes what the unoptimized
// graph computes on the reference interpreter: SimpleConvNet's and
// DeepConvNet's forward outputs and all gradients, with no passes, fusion
// only, im2col only, all passes, and all passes with the IR's memory plan.
// Each Halide function runs twice: the second call is served from the JIT's
// planned scratch arena.
#include "tests/unit/HalideTestSupport.h"
#include "tests/unit/PipelineVariants.h"

#include "backends/reference/Interpreter.h"
#include "frontend/Nets.h"
#include "ir/Dialect.h"
#include "passes/InlineDepth.h"
#include "passes/Pipelines.h"

#include "mlir/Pass/PassManager.h"

#include <gtest/gtest.h>

namespace nabla::testing {
namespace {

std::vector<Tensor> toTensors(const std::vector<RefTensor> &values) {
  std::vector<Tensor> out;
  for (const RefTensor &v : values) out.push_back(v.toTensor(v.isInteger ? DType::I64 : DType::F32));
  return out;
}

void expectAllClose(const std::vector<Tensor> &actual, const std::vector<RefTensor> &expected,
                    const std::string &what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  // f32 with different summation orders against double accumulation.
  for (size_t i = 0; i < actual.size(); ++i)
    expectTensorNear(actual[i], expected[i], {1e-3, 1e-5}, what + " result " + std::to_string(i));
}

struct Variant {
  Pipeline pipeline;
  int64_t planBatch; // > 0: with --nabla-plan-memory
};

void expectHalidePipelinesAgree(dsl::ModelBuilder &m, const Shape &input, int64_t classes,
                                const std::vector<Variant> &variants) {
  Arguments args = randomArguments(m, input, classes, 99);
  auto unoptimized = compile(m, Pipeline::None);
  reference::Interpreter oracle(*unoptimized);
  auto expectedForward = oracle.call("forward", args.forward);
  auto expectedGrad = oracle.call("loss_grad", args.loss);
  std::vector<Tensor> forwardArgs = toTensors(args.forward), lossArgs = toTensors(args.loss);
  for (Variant v : variants) {
    std::string label = std::string(name(v.pipeline)) + (v.planBatch ? "+plan-memory" : "");
    SCOPED_TRACE(label);
    auto module = compile(m, v.pipeline, v.planBatch);
    auto forward = halide::Executable::compileJit(*module, "forward");
    auto grad = halide::Executable::compileJit(*module, "loss_grad");
    for (int call = 0; call < 2; ++call) {
      std::string what = label + " call " + std::to_string(call);
      expectAllClose(forward.run(forwardArgs), expectedForward, what + " @forward");
      expectAllClose(grad.run(lossArgs), expectedGrad, what + " @loss_grad");
    }
  }
}

TEST(HalidePassEquivalence, SimpleConvNet) {
  dsl::ModelBuilder m("simple_convnet");
  dsl::defineSimpleConvNet(m, {.channels = 1, .height = 12, .width = 12, .filterNum = 4,
                               .filterSize = 3, .hiddenSize = 8, .outputSize = 5});
  expectHalidePipelinesAgree(m, {3, 1, 12, 12}, 5,
                             {{Pipeline::None, 0}, {Pipeline::Fusion, 0}, {Pipeline::Im2col, 0},
                              {Pipeline::All, 0}, {Pipeline::All, 3}});
}

TEST(HalidePassEquivalence, DeepConvNetWithPaddingAndDropout) {
  dsl::ModelBuilder m("deep_convnet");
  dsl::defineDeepConvNet(m, {.channels = 1, .height = 12, .width = 12, .hiddenSize = 6,
                             .outputSize = 3});
  // Its gradient takes ~10 s to JIT-compile: the two ends of the range only.
  expectHalidePipelinesAgree(m, {2, 1, 12, 12}, 3, {{Pipeline::None, 0}, {Pipeline::All, 2}});
}

TEST(HalidePassEquivalence, LongPointwiseChainIsCutAndStillComputesTheSame) {
  // v(i+1) = tanh(v(i) + y), 200 times: the fusion passes store a value every
  // kMaxInlineDepth ops (passes/InlineDepth.h) instead of inlining the chain.
  constexpr int kLength = 200;
  std::string t = tensorType({8, 16});
  std::string body, previous = "%a0";
  for (int i = 0; i < kLength; ++i) {
    std::string sum = "%s" + std::to_string(i), next = "%v" + std::to_string(i);
    body += sum + " = nabla.add " + previous + ", %a1 : (" + t + ", " + t + ") -> " + t + "\n";
    body += next + " = nabla.tanh " + sum + " : " + t + "\n";
    previous = next;
  }
  std::string src = funcSource({t, t}, t, body + "%y = nabla.neg " + previous + " : " + t);
  auto context = makeContext();
  auto module = parse(*context, src);
  ASSERT_TRUE(module);
  mlir::PassManager pm(context.get());
  buildPipeline(pm, {.autodiff = false});
  ASSERT_TRUE(mlir::succeeded(pm.run(*module)));
  int stored = 0;
  module->walk([&](mlir::Operation *op) {
    stored += nabla::isPointwise(op) && !op->hasAttr("nabla.inline");
  });
  EXPECT_EQ(stored, (2 * kLength + 1) / kMaxInlineDepth + 1); // every 64th op, and the result

  std::vector<Tensor> args = {randomTensor({8, 16}), randomTensor({8, 16})};
  auto halide = halide::Executable::compileJit(*module, "f");
  expectTensorNear(halide.run(args)[0], referenceOracle(src, "f")(toRef(args))[0], {1e-5, 1e-5},
                   "the chain of 200 tanh(v + y)");
}

} // namespace
} // namespace nabla::testing
