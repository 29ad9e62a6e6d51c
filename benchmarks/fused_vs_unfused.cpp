// Fused vs unfused (and direct vs im2col) SimpleConvNet on the Halide CPU
// backend: the training step at batch 100, the forward pass at batch 1, 100
// and 1000, and the conv+bias+relu layer alone at batch 1000. Prints Google
// Benchmark's min/median/max per case, then a table of median ratios.
//
// The unfused baseline is honest: the same schedules, and every intermediate
// lives in a scratch buffer that the JIT's buffer pool hands back call after
// call (no fresh allocation per call, so no first-touch page faults), while
// outputs are preallocated once outside the timed loop.
#include "backends/halide/Executable.h"
#include "backends/halide/HalideFunction.h"
#include "benchmarks/BenchInputs.h"
#include "benchmarks/BenchStats.h"
#include "frontend/Compile.h"
#include "frontend/Nets.h"
#include "ir/Dialect.h"
#include "runtime/Trainer.h"

#include "mlir/Parser.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>

using namespace nabla;
using bench::randomImages;
using bench::randomLabels;

namespace {

struct Variant {
  bool fuse, im2col;
  std::string label() const {
    return std::string(fuse ? "fused" : "unfused") + (im2col ? "/im2col" : "/direct");
  }
};

/// One compiled SimpleConvNet per variant, kept for the whole run.
struct CompiledNet {
  dsl::ModelBuilder model{"simple_convnet"};
  dsl::CompiledModel compiled;
  ParameterStore parameters;
};

CompiledNet &net(const Variant &v) {
  static std::map<std::pair<bool, bool>, std::unique_ptr<CompiledNet>> nets;
  auto &slot = nets[{v.fuse, v.im2col}];
  if (!slot) {
    slot = std::make_unique<CompiledNet>();
    dsl::defineSimpleConvNet(slot->model);
    slot->compiled = dsl::compileModel(slot->model, {.fuse = v.fuse, .im2col = v.im2col});
    slot->parameters = slot->model.initialParameters(0);
  }
  return *slot;
}

/// Scratch memory of the intermediates, in MB: every intermediate in its own
/// buffer (unplanned_MB) and in the planned arena (arena_MB).
void reportScratch(benchmark::State &state, const CompiledFunction &f,
                   const std::vector<Shape> &inputShapes) {
  auto *halide = dynamic_cast<const halide::HalideFunction *>(&f);
  if (!halide) return;
  halide::ScratchStats stats = halide->executable().scratchStats(inputShapes);
  state.counters["unplanned_MB"] = double(stats.unplannedBytes) / 1e6;
  // The arena serves the calls only when every call allocates as recorded.
  state.counters["arena_MB"] = double(stats.planned ? stats.arenaBytes : stats.unplannedBytes) / 1e6;
}

void trainStep(benchmark::State &state, Variant v) {
  CompiledNet &n = net(v);
  Trainer trainer(n.compiled.trainStep, n.compiled.forward, n.parameters,
                  {.optimizer = OptimizerConfig::defaults(OptimizerKind::Adam), .batchSize = 100,
                   .progress = false});
  Tensor x = randomImages(100), t = randomLabels(100);
  trainer.step(x, t); // warm: pools filled, pages touched
  for (auto _ : state) benchmark::DoNotOptimize(trainer.step(x, t));
  state.SetItemsProcessed(state.iterations() * 100);
  reportScratch(state, *n.compiled.trainStep, trainer.lastStepInputShapes());
}

void forward(benchmark::State &state, Variant v) {
  CompiledNet &n = net(v);
  const CompiledFunction &f = *n.compiled.forward;
  int64_t batch = state.range(0);
  std::vector<Tensor> inputs;
  for (const ArgumentInfo &arg : f.inputs())
    inputs.push_back(arg.role == "input" ? randomImages(batch) : n.parameters.at(arg.name));
  std::vector<Tensor> outputs = f.allocateOutputs(inputs);
  f.runInto(inputs, outputs);
  for (auto _ : state) f.runInto(inputs, outputs);
  state.SetItemsProcessed(state.iterations() * batch);
}

/// SimpleConvNet's first layer alone, written as the fusion pass's input and
/// output; both take the same arguments.
std::string convLayer(bool fused) {
  std::string types = "(tensor<?x1x28x28xf32>, tensor<30x1x5x5xf32>, tensor<30xf32>)";
  std::string body =
      fused ? "  %y = nabla.fused_conv2d %x, %w, %b : " + types + " -> tensor<?x30x24x24xf32>\n"
            : "  %c = nabla.conv2d %x, %w, %b : " + types + " -> tensor<?x30x24x24xf32>\n"
              "  %y = nabla.relu %c : tensor<?x30x24x24xf32>\n";
  return "func @layer(%x: tensor<?x1x28x28xf32>, %w: tensor<30x1x5x5xf32>, %b: tensor<30xf32>)"
         " -> tensor<?x30x24x24xf32> {\n" + body + "  return %y : tensor<?x30x24x24xf32>\n}\n";
}

void convBiasRelu(benchmark::State &state, bool fused) {
  mlir::DialectRegistry registry;
  registerNablaDialects(registry);
  mlir::MLIRContext context(registry);
  context.loadAllAvailableDialects();
  auto module = mlir::parseSourceString<mlir::ModuleOp>(convLayer(fused), &context);
  halide::Executable exe = halide::Executable::compileJit(*module, "layer");
  int64_t batch = state.range(0);
  Tensor w({30, 1, 5, 5}, DType::F32), b({30}, DType::F32);
  for (int64_t i = 0; i < w.numel(); ++i) w.data<float>()[i] = float(i % 7) * 0.01f - 0.03f;
  std::vector<Tensor> inputs = {randomImages(batch), w, b};
  std::vector<Tensor> outputs = {Tensor({batch, 30, 24, 24}, DType::F32)};
  exe.runInto(inputs, outputs);
  for (auto _ : state) exe.runInto(inputs, outputs);
  state.SetItemsProcessed(state.iterations() * batch);
}

void registerAll() {
  auto configure = [](benchmark::internal::Benchmark *b) { return bench::repeated(b); };
  for (Variant v : {Variant{true, false}, Variant{false, false}, Variant{true, true},
                    Variant{false, true}}) {
    configure(benchmark::RegisterBenchmark(("train_step/" + v.label() + "/100").c_str(), trainStep, v));
    configure(benchmark::RegisterBenchmark(("forward/" + v.label()).c_str(), forward, v)
                  ->Arg(1)->Arg(100)->Arg(1000));
  }
  for (bool fused : {true, false})
    configure(benchmark::RegisterBenchmark(
                  (std::string("conv_bias_relu/") + (fused ? "fused" : "unfused")).c_str(),
                  convBiasRelu, fused)
                  ->Arg(1)->Arg(100)->Arg(1000));
}

/// Prints the table of fused against unfused medians at the end.
class RatioReporter : public bench::MedianReporter {
public:
  void Finalize() override {
    MedianReporter::Finalize();
    std::printf("\n%-40s %12s %12s %8s\n", "case (median ms)", "fused", "unfused", "ratio");
    for (const auto &[name, fusedMs] : medians()) {
      size_t at = name.find("fused");
      if (at == std::string::npos || (at > 0 && name[at - 1] == 'n')) continue;
      std::string unfusedName = name.substr(0, at) + "unfused" + name.substr(at + 5);
      auto it = medians().find(unfusedName);
      if (it == medians().end()) continue;
      std::string label = name.substr(0, at) + name.substr(at + 6);
      label = label.substr(0, label.find("/repeats"));
      std::printf("%-40s %12.3f %12.3f %7.2fx\n", label.c_str(), fusedMs, it->second,
                  it->second / fusedMs);
    }
  }
};

} // namespace

int main(int argc, char **argv) {
  benchmark::Initialize(&argc, argv);
  registerAll();
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
