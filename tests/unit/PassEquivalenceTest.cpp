// Every pass pipeline computes what the unoptimized graph computes: the
// forward outputs and all gradients of SimpleConvNet and DeepConvNet agree
// on the reference interpreter with no passes, fusion only, im2col only, and
// all passes.
#include "tests/unit/PipelineVariants.h"
#include "tests/unit/TestSupport.h"

#include "frontend/Nets.h"

using namespace nabla;
using namespace nabla::testing;
using reference::RefTensor;

namespace {
void expectPipelinesAgree(dsl::ModelBuilder &m, const Shape &input, int64_t classes) {
  Arguments args = randomArguments(m, input, classes, 99);
  auto reference = compile(m, Pipeline::None);
  reference::Interpreter base(*reference);
  auto expectedForward = base.call("forward", args.forward);
  auto expectedGrad = base.call("loss_grad", args.loss);
  for (Pipeline p : {Pipeline::Fusion, Pipeline::Im2col, Pipeline::All}) {
    SCOPED_TRACE(name(p));
    auto module = compile(m, p);
    reference::Interpreter interp(*module);
    auto forward = interp.call("forward", args.forward);
    auto grad = interp.call("loss_grad", args.loss);
    ASSERT_EQ(forward.size(), expectedForward.size());
    ASSERT_EQ(grad.size(), expectedGrad.size());
    // Only the order of floating-point sums differs between pipelines.
    for (size_t i = 0; i < forward.size(); ++i) expectNear(forward[i], expectedForward[i], 1e-10, 1e-12);
    for (size_t i = 0; i < grad.size(); ++i) expectNear(grad[i], expectedGrad[i], 1e-10, 1e-12);
  }
}

/// Counts ops named `opName` in @loss_grad.
int countOps(mlir::ModuleOp module, llvm::StringRef opName) {
  int n = 0;
  module.lookupSymbol<mlir::FuncOp>("loss_grad").walk([&](mlir::Operation *op) {
    n += op->getName().getStringRef() == opName;
  });
  return n;
}
} // namespace

TEST(PassEquivalence, SimpleConvNet) {
  dsl::ModelBuilder m("simple_convnet");
  dsl::defineSimpleConvNet(m, {.channels = 1, .height = 12, .width = 12, .filterNum = 4,
                               .filterSize = 3, .hiddenSize = 8, .outputSize = 5});
  expectPipelinesAgree(m, {3, 1, 12, 12}, 5);
}

TEST(PassEquivalence, DeepConvNetWithPaddingAndDropout) {
  dsl::ModelBuilder m("deep_convnet");
  dsl::defineDeepConvNet(m, {.channels = 1, .height = 12, .width = 12, .hiddenSize = 6,
                             .outputSize = 3});
  expectPipelinesAgree(m, {2, 1, 12, 12}, 3);
}

TEST(PassEquivalence, PipelinesReallyRewrite) {
  dsl::ModelBuilder m("simple_convnet");
  dsl::defineSimpleConvNet(m, {.channels = 1, .height = 12, .width = 12, .filterNum = 4,
                               .filterSize = 3, .hiddenSize = 8, .outputSize = 5});
  auto fused = compile(m, Pipeline::Fusion);
  EXPECT_EQ(countOps(*fused, "nabla.fused_conv2d"), 1);
  EXPECT_EQ(countOps(*fused, "nabla.fused_matmul"), 2);
  EXPECT_EQ(countOps(*fused, "nabla.conv2d"), 0);
  auto lowered = compile(m, Pipeline::All);
  EXPECT_EQ(countOps(*lowered, "nabla.fused_conv2d"), 0);
  EXPECT_EQ(countOps(*lowered, "nabla.conv2d_backward_filter"), 0);
  EXPECT_EQ(countOps(*lowered, "nabla.max_pool2d"), 0);
  EXPECT_EQ(countOps(*lowered, "nabla.max_pool2d_backward"), 0);
  // CSE shares the forward im2col matrix with the filter gradient.
  EXPECT_EQ(countOps(*lowered, "nabla.im2col"), 2); // the convolution's and the pool's
}
