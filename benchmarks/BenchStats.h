// Shared Google Benchmark settings for nabla's benchmark programs: times in
// ms, wall-clock time (the work runs on a thread pool), and min/median/max
// over repetitions, so a noisy machine shows in the spread instead of hiding
// in a mean. NABLA_BENCH_REPETITIONS overrides the repetitions (a smoke run).
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

namespace nabla::bench {

inline benchmark::internal::Benchmark *repeated(benchmark::internal::Benchmark *b,
                                                int repetitions = 5) {
  if (const char *env = std::getenv("NABLA_BENCH_REPETITIONS"); env && std::atoi(env) > 0)
    repetitions = std::atoi(env);
  b->Unit(benchmark::kMillisecond)
      ->Repetitions(repetitions)
      ->ReportAggregatesOnly(true)
      ->UseRealTime();
  b->ComputeStatistics("min", [](const std::vector<double> &v) {
    return *std::min_element(v.begin(), v.end());
  });
  b->ComputeStatistics("max", [](const std::vector<double> &v) {
    return *std::max_element(v.begin(), v.end());
  });
  return b;
}

/// Records the floating-point work of one iteration, so the reports can give
/// GFLOP/s and % of the machine's FMA peak.
inline void setFlops(benchmark::State &state, double flopsPerIteration) {
  state.counters["flops"] = flopsPerIteration;
}

} // namespace nabla::bench
