// Shared Google Benchmark settings for nabla's benchmark programs: times in
// ms, wall-clock time (the work runs on a thread pool), and min/median/max
// over repetitions, so a noisy machine shows in the spread instead of hiding
// in a mean. NABLA_BENCH_REPETITIONS overrides the repetitions (a smoke run).
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <string>
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

/// Google Benchmark's console output (plain text: it is also read from
/// logs), keeping each case's median real time by run name for a summary
/// table after the run.
class MedianReporter : public benchmark::ConsoleReporter {
public:
  MedianReporter() : ConsoleReporter(OO_Tabular) {}
  void ReportRuns(const std::vector<Run> &runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run &run : runs)
      if (run.aggregate_name == "median") medians_[run.run_name.str()] = run.GetAdjustedRealTime();
  }
  /// Median ms by run name ("forward/manual/repeats:5/real_time").
  const std::map<std::string, double> &medians() const { return medians_; }

private:
  std::map<std::string, double> medians_;
};

} // namespace nabla::bench
