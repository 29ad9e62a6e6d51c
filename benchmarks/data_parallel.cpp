// SimpleConvNet's Adam training step at batch 100 (the Trainer's step, as
// users run it): the single compiled step against data-parallel steps of 2
// and 4 replicas (runtime/DataParallelStep.h), all in one run. Each replica
// runs @loss_grad on its shard on a thread of its own while sharing Halide's
// thread pool (HL_NUM_THREADS) with the others, then the shards' gradients
// are averaged and @loss_apply_gradients applies them. Prints min/median/max
// per case, then each data-parallel median against the single step's.
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

void trainStep(benchmark::State &state, int replicas) {
  Net &n = net();
  auto [it, fresh] = n.compiled.try_emplace(replicas);
  if (fresh)
    it->second =
        dsl::compileModel(n.model, {.optimizer = OptimizerKind::Adam, .replicas = replicas});
  Trainer trainer(it->second.trainStep, it->second.forward, n.model.initialParameters(0),
                  {.optimizer = OptimizerConfig::defaults(OptimizerKind::Adam),
                   .batchSize = kBatch,
                   .progress = false});
  Tensor x = bench::randomImages(kBatch), t = bench::randomLabels(kBatch);
  trainer.step(x, t); // warm: buffers allocated, pages touched
  for (auto _ : state)
    benchmark::DoNotOptimize(trainer.step(x, t));
  state.SetItemsProcessed(state.iterations() * kBatch);
}

std::string caseName(int replicas) {
  return replicas == 1 ? "train_step/single" : "train_step/replicas:" + std::to_string(replicas);
}

} // namespace

int main(int argc, char **argv) {
  benchmark::Initialize(&argc, argv);
  for (int r : kReplicas)
    bench::repeated(benchmark::RegisterBenchmark(caseName(r).c_str(), trainStep, r));
  bench::MedianReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  auto median = [&](int r) {
    for (const auto &[name, ms] : reporter.medians())
      if (name.rfind(caseName(r) + "/", 0) == 0)
        return ms;
    return 0.0;
  };
  std::printf("\n%-26s %12s %14s\n", "case (median ms)", "median", "single / this");
  for (int r : kReplicas)
    if (double ms = median(r); ms > 0)
      std::printf("%-26s %12.3f %13.2fx\n", caseName(r).c_str(), ms, median(1) / ms);
  benchmark::Shutdown();
  return 0;
}
