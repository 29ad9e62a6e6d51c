// nabla's own CPU schedules against Halide's autoschedulers
// (backends/halide/AutoSchedulers.h) on SimpleConvNet at batch 100, the batch
// the autoschedulers schedule for: the forward pass and the Adam training
// step. Every compile is cold (this program turns the on-disk cache off) and
// its seconds are the case's compile_s counter; a schedule that does not
// compile, or whose first call fails, is reported as the case's error.
// Prints min/median/max per case, then each autoscheduler's median against
// the manual schedule's.
#include "backends/halide/AutoSchedulers.h"
#include "backends/halide/HalideFunction.h"
#include "benchmarks/BenchInputs.h"
#include "benchmarks/BenchStats.h"
#include "frontend/Compile.h"
#include "frontend/Nets.h"
#include "passes/Pipelines.h"
#include "runtime/Error.h"
#include "runtime/Trainer.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>

using namespace nabla;
using bench::randomImages;
using bench::randomLabels;
using halide::Scheduler;

namespace {

constexpr int64_t kBatch = halide::kAutoScheduleBatchEstimate;

/// One function of SimpleConvNet compiled under one scheduler, or why not.
struct Compiled {
  std::shared_ptr<const CompiledFunction> function;
  std::string error;
  double seconds = 0;
};

struct Net {
  dsl::ModelBuilder model{"simple_convnet"};
  mlir::OwningOpRef<mlir::ModuleOp> module; // after the pass pipeline
  ParameterStore parameters;
  std::map<std::pair<std::string, Scheduler>, Compiled> functions;
};

Net &net() {
  static std::unique_ptr<Net> n;
  if (!n) {
    n = std::make_unique<Net>();
    dsl::defineSimpleConvNet(n->model);
    n->module = n->model.build();
    mlir::PassManager pm(n->module->getContext());
    buildPipeline(pm, {.optimizer = optimizerName(OptimizerKind::Adam)});
    if (mlir::failed(pm.run(*n->module))) throw Error("SimpleConvNet's passes failed");
    n->parameters = n->model.initialParameters(0);
  }
  return *n;
}

const Compiled &compiled(const std::string &name, Scheduler scheduler) {
  Net &n = net();
  auto [it, fresh] = n.functions.try_emplace({name, scheduler});
  if (fresh) {
    try {
      auto f = std::make_shared<halide::HalideFunction>(*n.module, name, "host", scheduler);
      it->second.seconds = f->executable().compileSeconds();
      it->second.function = f;
    } catch (const Error &e) {
      it->second.error = e.what();
    }
  }
  return it->second;
}

/// The compiled function, with its compile seconds as a counter; null (the
/// case skipped with the compile's error) when it did not compile.
/// Autoscheduled pipelines keep Halide's bounds checks, so a schedule that
/// reads outside its inputs stops the first call: `firstCall` makes it,
/// false (the case skipped with the error) when it failed.
const CompiledFunction *prepare(benchmark::State &state, const std::string &name,
                                Scheduler scheduler) {
  const Compiled &c = compiled(name, scheduler);
  if (!c.function) {
    state.SkipWithError(c.error.c_str());
    return nullptr;
  }
  state.counters["compile_s"] = c.seconds;
  return c.function.get();
}

bool firstCall(benchmark::State &state, const std::function<void()> &call) {
  try {
    call();
    return true;
  } catch (const Error &e) {
    state.SkipWithError(e.what());
    return false;
  }
}

void forward(benchmark::State &state, Scheduler scheduler) {
  const CompiledFunction *f = prepare(state, "forward", scheduler);
  if (!f) return;
  std::vector<Tensor> inputs;
  for (const ArgumentInfo &arg : f->inputs())
    inputs.push_back(arg.role == "input" ? randomImages(kBatch) : net().parameters.at(arg.name));
  std::vector<Tensor> outputs = f->allocateOutputs(inputs);
  if (!firstCall(state, [&] { f->runInto(inputs, outputs); })) return;
  for (auto _ : state) f->runInto(inputs, outputs);
  state.SetItemsProcessed(state.iterations() * kBatch);
}

void trainStep(benchmark::State &state, Scheduler scheduler) {
  if (!prepare(state, "loss_train_step", scheduler)) return;
  const Compiled &step = compiled("loss_train_step", scheduler);
  const Compiled &fwd = compiled("forward", scheduler);
  Trainer trainer(step.function, fwd.function ? fwd.function : step.function, net().parameters,
                  {.optimizer = OptimizerConfig::defaults(OptimizerKind::Adam),
                   .batchSize = kBatch, .progress = false});
  Tensor x = randomImages(kBatch), t = randomLabels(kBatch);
  if (!firstCall(state, [&] { trainer.step(x, t); })) return; // warm: pools filled, pages touched
  for (auto _ : state) benchmark::DoNotOptimize(trainer.step(x, t));
  state.SetItemsProcessed(state.iterations() * kBatch);
}

void registerAll() {
  for (Scheduler s : halide::allSchedulers()) {
    std::string name = halide::schedulerName(s);
    bench::repeated(benchmark::RegisterBenchmark(("forward/" + name).c_str(), forward, s));
    bench::repeated(benchmark::RegisterBenchmark(("train_step/" + name).c_str(), trainStep, s));
  }
}

/// Each autoscheduler's median against the manual schedule's, per case.
void printRatios(const std::map<std::string, double> &medians) {
  std::printf("\n%-28s %12s %12s %10s\n", "case (median ms)", "manual", "autoscheduled",
              "slower by");
  for (const char *fn : {"forward", "train_step"}) {
    auto median = [&](Scheduler s) {
      auto it = medians.find(std::string(fn) + "/" + halide::schedulerName(s) +
                             "/repeats:5/real_time");
      return it == medians.end() ? 0.0 : it->second;
    };
    double manual = median(Scheduler::Manual);
    for (Scheduler s : halide::allSchedulers()) {
      if (s == Scheduler::Manual) continue;
      std::string label = std::string(fn) + "/" + halide::schedulerName(s);
      double ms = median(s);
      if (ms > 0 && manual > 0)
        std::printf("%-28s %12.3f %12.3f %9.1fx\n", label.c_str(), manual, ms, ms / manual);
      else
        std::printf("%-28s %12.3f %12s\n", label.c_str(), manual, "(no result)");
    }
  }
}

} // namespace

int main(int argc, char **argv) {
  setenv("NABLA_CACHE_DIR", "off", 1); // cold compiles: compile_s is the real cost
  benchmark::Initialize(&argc, argv);
  registerAll();
  bench::MedianReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  printRatios(reporter.medians());
  benchmark::Shutdown();
  return 0;
}
