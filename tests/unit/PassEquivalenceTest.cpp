// Every pass pipeline computes what the unoptimized graph computes: the
// forward outputs and all gradients of SimpleConvNet and DeepConvNet agree
// on the reference interpreter with no passes, fusion only, im2col only, and
// all passes.
#include "tests/unit/GradCheck.h"
#include "tests/unit/TestSupport.h"

#include "frontend/Nets.h"
#include "passes/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace nabla;
using namespace nabla::testing;
using reference::RefTensor;

namespace {
enum class Pipeline { None, Fusion, Im2col, All };
const char *name(Pipeline p) {
  switch (p) {
  case Pipeline::None: return "none";
  case Pipeline::Fusion: return "fusion";
  case Pipeline::Im2col: return "im2col";
  case Pipeline::All: return "all";
  }
  return "?";
}

/// The model's module after autodiff and `pipeline`.
mlir::OwningOpRef<mlir::ModuleOp> compile(dsl::ModelBuilder &m, Pipeline pipeline) {
  auto module = m.build();
  mlir::PassManager pm(module->getContext());
  pm.addPass(createAutodiffPass("loss"));
  auto &funcs = pm.nest<mlir::FuncOp>();
  if (pipeline == Pipeline::Fusion || pipeline == Pipeline::All)
    funcs.addPass(createFuseConvBiasReluPass());
  if (pipeline == Pipeline::Im2col || pipeline == Pipeline::All) {
    funcs.addPass(createLowerConvToIm2colPass());
    funcs.addPass(createLowerPoolToIm2colPass());
  }
  funcs.addPass(mlir::createCSEPass());
  funcs.addPass(mlir::createCanonicalizerPass());
  EXPECT_TRUE(mlir::succeeded(pm.run(*module))) << name(pipeline);
  return module;
}

/// Arguments for @loss_grad (all of them) and @forward (no labels, no step).
struct Arguments {
  std::vector<RefTensor> loss, forward;
};

Arguments randomArguments(dsl::ModelBuilder &m, const Shape &input, int64_t classes, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Arguments a;
  for (const dsl::ArgSpec &spec : m.arguments()) {
    RefTensor v;
    Shape shape = spec.shape;
    if (spec.role == dsl::Role::Input) v = randomTensor(input, rng);
    else if (spec.role == dsl::Role::Label) {
      v = RefTensor({input[0]});
      for (double &x : v.data) x = double(rng() % uint64_t(classes));
      v.isInteger = true;
    } else if (spec.role == dsl::Role::Step) {
      v = RefTensor::scalar(3);
      v.isInteger = true;
    } else {
      v = randomTensor(shape, rng, -0.3, 0.3);
    }
    a.loss.push_back(v);
    if (spec.role != dsl::Role::Label && spec.role != dsl::Role::Step) a.forward.push_back(v);
  }
  return a;
}

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
