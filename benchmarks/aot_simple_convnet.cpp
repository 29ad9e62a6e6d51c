// SimpleConvNet inference through the AOT library (simple_convnet.a, the one
// examples/simple_convnet_aot links): latency at batch 1 and time at batch
// 100, min/median/max of 5 repetitions. Targets (issue 6): <= 0.05 ms per
// image at batch 1 and <= ~0.95 ms per batch of 100 (half of PyTorch's
// optimize_for_inference, TOOLCHAIN.md). The weights are the build's
// placeholder ones (initial parameters): values do not change the time.
// Links only the AOT library: no libHalide, so no second Halide runtime.
#include "simple_convnet.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

simple_convnet_model *model() {
  static simple_convnet_model *m = [] {
    simple_convnet_model *created = simple_convnet_create(NABLA_AOT_WEIGHTS);
    if (!created) {
      std::fprintf(stderr, "aot_simple_convnet: %s\n", simple_convnet_last_error());
      std::exit(1);
    }
    return created;
  }();
  return m;
}

void predict(benchmark::State &state) {
  int64_t batch = state.range(0);
  std::vector<float> x(size_t(batch * SIMPLE_CONVNET_X_SIZE)), logits(size_t(batch * 10));
  for (size_t i = 0; i < x.size(); ++i) x[i] = float(i % 255) / 255.0f;
  simple_convnet_model *m = model();
  if (simple_convnet_predict(m, batch, x.data(), logits.data()) != 0) // warm-up: the scratch pool
    state.SkipWithError(simple_convnet_last_error());
  for (auto _ : state) {
    simple_convnet_predict(m, batch, x.data(), logits.data());
    benchmark::DoNotOptimize(logits.data());
  }
  state.SetItemsProcessed(state.iterations() * batch);
}

void configure(benchmark::internal::Benchmark *b) {
  b->Unit(benchmark::kMillisecond)->Repetitions(5)->ReportAggregatesOnly(true)->UseRealTime();
  b->ComputeStatistics("min", [](const std::vector<double> &v) {
    return *std::min_element(v.begin(), v.end());
  });
  b->ComputeStatistics("max", [](const std::vector<double> &v) {
    return *std::max_element(v.begin(), v.end());
  });
}

BENCHMARK(predict)->Name("aot_forward")->Arg(1)->Arg(100)->Apply(configure);

} // namespace

BENCHMARK_MAIN();
