// The OpenBLAS peer: matmul (cblas_sgemm, row-major, no transposes) on the
// shapes of PeerShapes.h. OpenBLAS at its best needs OPENBLAS_CORETYPE=SkylakeX
// on this machine (0.3.21 takes Zen 5 for Haswell); threads come from
// OPENBLAS_NUM_THREADS. The run script sets both.
#include "benchmarks/BenchStats.h"
#include "benchmarks/peers/PeerShapes.h"

#include <cblas-openblas.h> // OpenBLAS's own header, whichever cblas.h the alternatives chose

#include <random>
#include <vector>

using namespace nabla;

namespace {

std::vector<float> randomMatrix(int64_t rows, int64_t cols, unsigned seed) {
  std::vector<float> m(size_t(rows * cols));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> value(-1, 1);
  for (float &x : m) x = value(rng);
  return m;
}

void matmul(benchmark::State &state, peers::MatmulShape s) {
  std::vector<float> a = randomMatrix(s.m, s.k, 1), b = randomMatrix(s.k, s.n, 2);
  std::vector<float> c(size_t(s.m * s.n));
  auto run = [&] {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(s.m), int(s.n), int(s.k), 1.0f,
                a.data(), int(s.k), b.data(), int(s.n), 0.0f, c.data(), int(s.n));
  };
  run(); // warm: pages touched, threads started
  for (auto _ : state) run();
  benchmark::DoNotOptimize(c.data());
  bench::setFlops(state, s.flops());
  state.SetLabel(openblas_get_config());
}

} // namespace

int main(int argc, char **argv) {
  benchmark::Initialize(&argc, argv);
  for (const peers::MatmulShape &s : peers::matmulShapes())
    bench::repeated(benchmark::RegisterBenchmark(("matmul/" + s.name + "/1").c_str(), matmul, s));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
