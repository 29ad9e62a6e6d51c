// SimpleConvNet at batch 100 on the host: the single compiled functions
// against data-parallel ones of 2 and 4 replicas, all in one run. The Adam
// training step (the Trainer's step, as users run it): each replica runs
// @loss_grad on its shard on a thread of its own, then the shards' gradients
// are averaged and @loss_apply_gradients applies them
// (runtime/DataParallelStep.h). The forward pass: each replica computes its
// shard's rows (runtime/BatchShardedFunction.h). A replica's parallel loops
// run on its own thread; the single functions use Halide's thread pool
// (HL_NUM_THREADS). Prints min/median/max per case, then each data-parallel
// median against the single function's.
#include "benchmarks/BenchInputs.h"
#include "benchmarks/BenchStats.h"
#include "frontend/Compile.h"
#include "frontend/Nets.h"
#include "runtime/Trainer.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>

using namespace nabla;

namespace {

constexpr int64_t kBatch = 100;
const int kReplicas[] = {1, 2, 4}; // 1: the single compiled step

struct Net {
  Net() { dsl::defineSimpleConvNet(model); }
  dsl::ModelBuilder model{"simple_convnet"};
  std::map<int, dsl::CompiledModel> compiled; // by replicas
};

Net &net() {
  static Net n;
  return n;
}

dsl::CompiledModel &compiledFor(int replicas) {
  Net &n = net();
  auto [it, fresh] = n.compiled.try_emplace(replicas);
  if (fresh)
    it->second =
        dsl::compileModel(n.model, {.optimizer = OptimizerKind::Adam, .replicas = replicas});
  return it->second;
}

void trainStep(benchmark::State &state, int replicas) {
  dsl::CompiledModel &compiled = compiledFor(replicas);
  Trainer trainer(compiled.trainStep, compiled.forward, net().model.initialParameters(0),
                  {.optimizer = OptimizerConfig::defaults(OptimizerKind::Adam),
                   .batchSize = kBatch,
                   .progress = false});
  Tensor x = bench::randomImages(kBatch), t = bench::randomLabels(kBatch);
  trainer.step(x, t); // warm: buffers allocated, pages touched
  for (auto _ : state) benchmark::DoNotOptimize(trainer.step(x, t));
  state.SetItemsProcessed(state.iterations() * kBatch);
}

void forward(benchmark::State &state, int replicas) {
  dsl::CompiledModel &compiled = compiledFor(replicas);
  ParameterStore parameters = net().model.initialParameters(0);
  std::vector<Tensor> inputs;
  for (const ArgumentInfo &arg : compiled.forward->inputs())
    inputs.push_back(arg.role == "input" ? bench::randomImages(kBatch) : parameters.at(arg.name));
  std::vector<Tensor> outputs = compiled.forward->allocateOutputs(inputs);
  compiled.forward->runInto(inputs, outputs); // warm
  for (auto _ : state) compiled.forward->runInto(inputs, outputs);
  state.SetItemsProcessed(state.iterations() * kBatch);
}

std::string caseName(const std::string &function, int replicas) {
  return function + (replicas == 1 ? "/single" : "/replicas:" + std::to_string(replicas));
}

} // namespace

int main(int argc, char **argv) {
  benchmark::Initialize(&argc, argv);
  const std::pair<const char *, void (*)(benchmark::State &, int)> functions[] = {
      {"train_step", trainStep}, {"forward", forward}};
  for (auto [function, run] : functions)
    for (int r : kReplicas)
      bench::repeated(benchmark::RegisterBenchmark(caseName(function, r).c_str(), run, r));
  bench::MedianReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  auto median = [&](const std::string &name) {
    for (const auto &[run, ms] : reporter.medians())
      if (run.rfind(name + "/", 0) == 0) return ms;
    return 0.0;
  };
  std::printf("\n%-26s %12s %14s\n", "case (median ms)", "median", "single / this");
  for (auto [function, run] : functions)
    for (int r : kReplicas)
      if (double ms = median(caseName(function, r)); ms > 0)
        std::printf("%-26s %12.3f %13.2fx\n", caseName(function, r).c_str(), ms,
                    median(caseName(function, 1)) / ms);
  benchmark::Shutdown();
  return 0;
}
