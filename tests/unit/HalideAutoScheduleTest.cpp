// Halide's autoschedulers in place of nabla's schedules (AutoSchedulers.h):
// SimpleConvNet's forward pass and loss, after the passes nablac runs by
// default, under each of them, smaller batches than they scheduled for, the
// scheduler's name in the errors, and GPU targets refused. (Adams2019's
// schedule of the fused @logits is the one that Halide 14's sliding window
// lowered wrongly: storeWhereComputed in AutoSchedule.cpp.)
//
// Oracle: the reference interpreter on the IR before the passes, with the
// model tests' tolerance (HalideModelTest.cpp): an autoscheduler reorders
// the same sums.
#include "tests/unit/HalideTestSupport.h"

#include "backends/halide/AutoSchedule.h"
#include "backends/halide/AutoSchedulers.h"
#include "backends/halide/FunctionLowering.h"
#include "passes/Pipelines.h"
#include "runtime/Error.h"

#include "mlir/Pass/PassManager.h"

#include <fstream>
#include <sstream>

using namespace nabla;
using namespace nabla::testing;

namespace {
constexpr Tolerance kModel{1e-4, 1e-5};

std::string simpleConvNet() {
  std::ifstream in(std::string(NABLA_SOURCE_DIR) + "/tests/lit/models/simple_convnet.mlir");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// x, then w1, b1, w2, b2, w3, b3.
std::vector<Tensor> convNetInputs(int64_t batch) {
  return {randomTensor({batch, 1, 28, 28}, 0, 1), randomTensor({30, 1, 5, 5}, -0.2f, 0.2f),
          randomTensor({30}, -0.1f, 0.1f),        randomTensor({4320, 100}, -0.03f, 0.03f),
          randomTensor({100}, -0.1f, 0.1f),       randomTensor({100, 10}, -0.1f, 0.1f),
          randomTensor({10}, -0.1f, 0.1f)};
}

/// SimpleConvNet's IR, parsed and fused once per test, compiled under the
/// parameter.
class HalideAutoSchedule : public ::testing::TestWithParam<halide::Scheduler> {
protected:
  void SetUp() override {
    src = simpleConvNet();
    ASSERT_FALSE(src.empty());
    context = makeContext();
    module = parse(*context, src);
    ASSERT_TRUE(module);
    mlir::PassManager pm(context.get());
    buildPipeline(pm, {.autodiff = false});
    ASSERT_TRUE(mlir::succeeded(pm.run(*module)));
  }
  halide::Executable compile(const std::string &name, int batch) {
    return halide::Executable::compileJit(*module, name, "host", {GetParam(), batch});
  }
  std::string under() const { return std::string(" under ") + halide::schedulerName(GetParam()); }

  std::string src;
  std::unique_ptr<mlir::MLIRContext> context;
  mlir::OwningOpRef<mlir::ModuleOp> module;
};

// At the batch the autoschedulers schedule for by default. @logits is what
// the DSL's SimpleConvNet calls its forward pass (nablac --model
// simple_convnet --entry forward).
TEST_P(HalideAutoSchedule, SimpleConvNetMatchesTheReference) {
  reseed(41);
  const int batch = halide::kAutoScheduleBatchEstimate;
  std::vector<Tensor> fwdIn = convNetInputs(batch);
  for (const char *name : {"logits", "forward"})
    expectTensorNear(compile(name, batch).run(fwdIn)[0],
                     referenceOracle(src, name)(toRef(fwdIn))[0], kModel,
                     std::string("@") + name + under());
  std::vector<Tensor> lossIn = fwdIn;
  lossIn.insert(lossIn.begin() + 1, randomLabels(batch, 10));
  expectTensorNear(compile("loss", batch).run(lossIn)[0],
                   referenceOracle(src, "loss")(toRef(lossIn))[0], kModel, "@loss" + under());
}

// Scheduled for another batch, and run at it.
TEST_P(HalideAutoSchedule, ForwardScheduledForBatch16MatchesTheReference) {
  reseed(43);
  std::vector<Tensor> in = convNetInputs(16);
  expectTensorNear(compile("forward", 16).run(in)[0],
                   referenceOracle(src, "forward")(toRef(in))[0], kModel,
                   "@forward for batch 16" + under());
}

// Below the batch an autoscheduler tiled for, a call either computes the
// right values or stops at one of Halide's bounds assertions, which its
// pipelines keep (nabla's own schedules fit every batch and run without),
// with a word on why.
TEST_P(HalideAutoSchedule, SmallerBatchesAreRightOrAClearError) {
  reseed(42);
  halide::Executable loss = compile("loss", 100);
  for (int64_t batch : {1, 7}) {
    std::vector<Tensor> in = convNetInputs(batch);
    in.insert(in.begin() + 1, randomLabels(batch, 10));
    std::vector<Tensor> out;
    try {
      out = loss.run(in);
    } catch (const Error &e) {
      EXPECT_NE(std::string(e.what()).find("Halide run-time error"), std::string::npos)
          << e.what();
      EXPECT_NE(std::string(e.what()).find(" autoscheduler scheduled this pipeline for batch 100"),
                std::string::npos)
          << e.what();
      continue;
    }
    expectTensorNear(out[0], referenceOracle(src, "loss")(toRef(in))[0], kModel,
                     "@loss at batch " + std::to_string(batch) + under());
  }
}

INSTANTIATE_TEST_SUITE_P(Autoschedulers, HalideAutoSchedule,
                         ::testing::Values(halide::Scheduler::Mullapudi2016,
                                           halide::Scheduler::Li2018,
                                           halide::Scheduler::Adams2019),
                         [](const auto &info) { return halide::schedulerName(info.param); });

TEST(HalideAutoScheduleErrors, UnknownSchedulersNameTheChoices) {
  EXPECT_EQ(halide::parseScheduler("li2018"), halide::Scheduler::Li2018);
  try {
    halide::parseScheduler("tvm");
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_STREQ(e.what(), "unknown scheduler 'tvm' "
                           "(choose one of manual, mullapudi2016, li2018, adams2019)");
  }
}

// The loop nest of Adams2019's schedule that Halide 14 lowers wrongly, in
// plain Halide: acc(p) sums shifted(p + 24 * kh, kw) over a 5 x 5 window,
// shifted stored per kw and computed per kh inside a loop over vectors of p.
// Halide's sliding window produces shifted for kh = 0 only (the other four
// taps read storage nothing wrote); storeWhereComputed makes it right.
TEST(HalideAutoScheduleStorage, StoringWhereComputedSumsEveryTap) {
  Halide::Buffer<float> input(200, 5); // whole numbers: every sum is exact
  for (int column = 0; column < 5; ++column)
    for (int i = 0; i < 200; ++i) input(i, column) = float(i + 1000 * column);
  Halide::Var q("q"), kw("kw"), p("p"), po("po"), pi("pi");
  Halide::Func shifted("shifted"), acc("acc");
  Halide::RDom r(0, 5, 0, 5, "r"); // r.x: kw, r.y: kh
  shifted(q, kw) = input(q, kw);
  acc(p) = 0.0f;
  acc(p) += shifted(p + r.y * 24, r.x);
  acc.bound(p, 0, 96);
  acc.update().split(p, po, pi, 16).reorder(pi, r.y, po, r.x).vectorize(pi);
  shifted.store_at(acc, r.x).compute_at(acc, r.y).vectorize(q, 16);

  halide::storeWhereComputed({acc});
  Halide::Buffer<float> out = acc.realize({96});
  for (int i = 0; i < 96; ++i) {
    float expected = 0;
    for (int column = 0; column < 5; ++column)
      for (int row = 0; row < 5; ++row) expected += input(i + 24 * row, column);
    ASSERT_EQ(out(i), expected) << "acc(" << i << ")";
  }
}

// The autoschedulers run for CPU targets here; a GPU target is an error
// before any of them runs (no GPU needed to lower for one).
TEST(HalideAutoScheduleErrors, GpuTargetsAreRefused) {
  auto context = makeContext();
  auto module = parse(*context, simpleConvNet());
  ASSERT_TRUE(module);
  auto forward = module->lookupSymbol<mlir::FuncOp>("forward");
  Halide::Target cuda = Halide::get_host_target().with_feature(Halide::Target::CUDA);
  try {
    halide::lowerFunction(forward, cuda, halide::Scheduler::Li2018);
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("the li2018 autoscheduler is available for CPU targets "
                                         "only, not x86-64-linux"),
              std::string::npos)
        << e.what();
  }
}

} // namespace
