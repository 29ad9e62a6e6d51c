// nabla's side of the peer comparison (benchmarks/peers/run): the same case
// names and shapes as the oneDNN, OpenBLAS and PyTorch peers, on the Halide
// CPU backend with nabla's default pipeline (conv+bias+relu fusion,
// elementwise fusion, memory planning). Threads: HL_NUM_THREADS; with
// NABLA_PEER_REPLICAS=N, SimpleConvNet's cases run as N data-parallel
// replicas (CompileOptions::replicas), one thread each.
//
//   simple_convnet_train_step/100  one Adam step (forward, backward, update)
//   simple_convnet_infer/{1,100}   the forward pass
//   conv_bias_relu/<shape>/100     one fused conv layer (PeerShapes.h)
//   matmul/<shape>/1               one GEMM (PeerShapes.h)
//
// Outputs are preallocated and every call reuses the JIT's scratch arena, as
// a training loop does; the first call (compile, first touch) is untimed.
#include "backends/halide/Executable.h"
#include "benchmarks/BenchInputs.h"
#include "benchmarks/BenchStats.h"
#include "benchmarks/peers/PeerShapes.h"
#include "frontend/Compile.h"
#include "frontend/Nets.h"
#include "ir/Dialect.h"
#include "passes/Pipelines.h"
#include "runtime/Trainer.h"

#include "mlir/Parser.h"
#include "mlir/Pass/PassManager.h"

#include <cstdlib>


using namespace nabla;
using bench::randomImages;
using bench::randomLabels;
using bench::randomTensor;

namespace {

/// NABLA_PEER_REPLICAS: data-parallel replicas for SimpleConvNet (default 1:
/// the single compiled functions on Halide's thread pool).
int replicas() {
  const char *value = std::getenv("NABLA_PEER_REPLICAS");
  return value && std::atoi(value) > 1 ? std::atoi(value) : 1;
}

/// SimpleConvNet compiled once with nabla's defaults, kept for the whole run.
struct SimpleConvNet {
  dsl::ModelBuilder model{"simple_convnet"};
  dsl::CompiledModel compiled;
  ParameterStore parameters;
  SimpleConvNet() {
    dsl::defineSimpleConvNet(model);
    compiled = dsl::compileModel(model, {.replicas = replicas()});
    parameters = model.initialParameters(0);
  }
};

SimpleConvNet &simpleConvNet() {
  static SimpleConvNet net;
  return net;
}

void trainStep(benchmark::State &state) {
  SimpleConvNet &n = simpleConvNet();
  int64_t batch = state.range(0);
  Trainer trainer(n.compiled.trainStep, n.compiled.forward, n.parameters,
                  {.optimizer = OptimizerConfig::defaults(OptimizerKind::Adam),
                   .batchSize = batch, .progress = false});
  Tensor x = randomImages(batch), t = randomLabels(batch);
  trainer.step(x, t);
  for (auto _ : state) benchmark::DoNotOptimize(trainer.step(x, t));
  bench::setFlops(state, peers::simpleConvNetTrainFlops(batch));
}

void infer(benchmark::State &state) {
  SimpleConvNet &n = simpleConvNet();
  const CompiledFunction &f = *n.compiled.forward;
  int64_t batch = state.range(0);
  std::vector<Tensor> inputs;
  for (const ArgumentInfo &arg : f.inputs())
    inputs.push_back(arg.role == "input" ? randomImages(batch)
                                         : n.parameters.at(arg.name));
  std::vector<Tensor> outputs = f.allocateOutputs(inputs);
  f.runInto(inputs, outputs);
  for (auto _ : state) f.runInto(inputs, outputs);
  bench::setFlops(state, peers::simpleConvNetForwardFlops(batch));
}

std::string tensorType(const std::vector<int64_t> &dims) {
  std::string s = "tensor<";
  for (int64_t d : dims) s += std::to_string(d) + "x";
  return s + "f32>";
}

/// Compiles a one-op function given as MLIR text and times it on random inputs.
void runOneOp(benchmark::State &state, const std::string &text,
              const std::vector<Shape> &inputShapes, double flops) {
  mlir::DialectRegistry registry;
  registerNablaDialects(registry);
  mlir::MLIRContext context(registry);
  context.loadAllAvailableDialects();
  auto module = mlir::parseSourceString<mlir::ModuleOp>(text, &context);
  if (!module) {
    state.SkipWithError("could not parse the case's IR");
    return;
  }
  // nabla's default inference pipeline (the conv cases: Winograd selection).
  mlir::PassManager pm(&context);
  PipelineOptions pipeline;
  pipeline.autodiff = false;
  buildPipeline(pm, pipeline);
  if (mlir::failed(pm.run(*module))) {
    state.SkipWithError("the case's passes failed");
    return;
  }
  halide::Executable exe = halide::Executable::compileJit(*module, "f");
  std::vector<Tensor> inputs;
  for (size_t i = 0; i < inputShapes.size(); ++i)
    inputs.push_back(randomTensor(inputShapes[i], unsigned(i + 1)));
  std::vector<Tensor> outputs = exe.run(inputs); // also warms
  for (auto _ : state) exe.runInto(inputs, outputs);
  bench::setFlops(state, flops);
}

void convBiasRelu(benchmark::State &state, peers::ConvShape s) {
  std::string x = tensorType({s.batch, s.inChannels, s.size, s.size});
  std::string w = tensorType({s.outChannels, s.inChannels, s.kernel, s.kernel});
  std::string b = tensorType({s.outChannels});
  std::string y = tensorType({s.batch, s.outChannels, s.outSize(), s.outSize()});
  std::string p = std::to_string(s.pad);
  std::string text = "func @f(%x: " + x + ", %w: " + w + ", %b: " + b + ") -> " + y + " {\n" +
                     "  %y = nabla.fused_conv2d %x, %w, %b {pads = [" + p + ", " + p + ", " + p +
                     ", " + p + "]} : (" + x + ", " + w + ", " + b + ") -> " + y + "\n" +
                     "  return %y : " + y + "\n}\n";
  runOneOp(state, text,
           {{s.batch, s.inChannels, s.size, s.size},
            {s.outChannels, s.inChannels, s.kernel, s.kernel},
            {s.outChannels}},
           s.flops());
}

void matmul(benchmark::State &state, peers::MatmulShape s) {
  std::string a = tensorType({s.m, s.k}), b = tensorType({s.k, s.n}), c = tensorType({s.m, s.n});
  std::string text = "func @f(%a: " + a + ", %b: " + b + ") -> " + c + " {\n" +
                     "  %c = nabla.matmul %a, %b : (" + a + ", " + b + ") -> " + c + "\n" +
                     "  return %c : " + c + "\n}\n";
  runOneOp(state, text, {{s.m, s.k}, {s.k, s.n}}, s.flops());
}

} // namespace

int main(int argc, char **argv) {
  benchmark::Initialize(&argc, argv);
  bench::repeated(benchmark::RegisterBenchmark("simple_convnet_train_step", trainStep)->Arg(100));
  bench::repeated(benchmark::RegisterBenchmark("simple_convnet_infer", infer)->Arg(1)->Arg(100));
  for (const peers::ConvShape &s : peers::convShapes())
    bench::repeated(benchmark::RegisterBenchmark(
        ("conv_bias_relu/" + s.name + "/" + std::to_string(s.batch)).c_str(), convBiasRelu, s));
  for (const peers::MatmulShape &s : peers::matmulShapes())
    bench::repeated(benchmark::RegisterBenchmark(("matmul/" + s.name + "/1").c_str(), matmul, s));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
