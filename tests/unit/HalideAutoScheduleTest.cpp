// Halide's autoschedulers in place of nabla's schedules (AutoSchedulers.h):
// SimpleConvNet's forward pass and loss under each of them, smaller batches
// than they scheduled for, the scheduler's name in the errors, and GPU
// targets refused.
//
// Oracle: the reference interpreter on the same IR, with the model tests'
// tolerance (HalideModelTest.cpp): an autoscheduler reorders the same sums.
#include "tests/unit/HalideTestSupport.h"

#include "backends/halide/AutoSchedulers.h"
#include "backends/halide/FunctionLowering.h"
#include "runtime/Error.h"

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

/// SimpleConvNet's IR, parsed once per test, compiled under the parameter.
class HalideAutoSchedule : public ::testing::TestWithParam<halide::Scheduler> {
protected:
  void SetUp() override {
    src = simpleConvNet();
    ASSERT_FALSE(src.empty());
    context = makeContext();
    module = parse(*context, src);
    ASSERT_TRUE(module);
  }
  halide::Executable compile(const std::string &name, int batch) {
    return halide::Executable::compileJit(*module, name, "host", {GetParam(), batch});
  }
  std::string under() const { return std::string(" under ") + halide::schedulerName(GetParam()); }

  std::string src;
  std::unique_ptr<mlir::MLIRContext> context;
  mlir::OwningOpRef<mlir::ModuleOp> module;
};

// At the batch the autoschedulers schedule for by default.
TEST_P(HalideAutoSchedule, SimpleConvNetMatchesTheReference) {
  reseed(41);
  const int batch = halide::kAutoScheduleBatchEstimate;
  std::vector<Tensor> fwdIn = convNetInputs(batch);
  expectTensorNear(compile("forward", batch).run(fwdIn)[0],
                   referenceOracle(src, "forward")(toRef(fwdIn))[0], kModel, "@forward" + under());
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
                                           halide::Scheduler::Li2018),
                         [](const auto &info) { return halide::schedulerName(info.param); });

TEST(HalideAutoScheduleErrors, UnknownSchedulersNameTheChoices) {
  EXPECT_EQ(halide::parseScheduler("li2018"), halide::Scheduler::Li2018);
  try {
    halide::parseScheduler("tvm");
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_STREQ(e.what(), "unknown scheduler 'tvm' (choose one of manual, mullapudi2016, li2018)");
  }
  try {
    halide::parseScheduler("adams2019");
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("adams2019 autoscheduler is not offered"),
              std::string::npos)
        << e.what();
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
