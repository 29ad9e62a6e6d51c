#include "tools/nablac/JitRun.h"

#include "backends/halide/HalideFunction.h"

#include <algorithm>
#include <chrono>
#include <fmt/format.h>
#include <random>

namespace nabla::tools {

namespace {

/// Plausible values by role: small random params and inputs, class 0 for
/// labels, step 1, small hyperparameters, zero state (a fresh optimizer).
Tensor inputFor(const ArgumentInfo &arg, int64_t batch, std::mt19937 &rng) {
  Shape shape = arg.shape;
  for (int64_t &d : shape)
    if (d < 0) d = batch;
  Tensor t(shape, arg.dtype);
  if (arg.dtype != DType::F32) {
    for (int64_t i = 0; i < t.numel(); ++i) {
      int64_t value = arg.role == "step" ? 1 : 0;
      if (arg.dtype == DType::I64) t.data<int64_t>()[i] = value;
      else if (arg.dtype == DType::I32) t.data<int32_t>()[i] = int32_t(value);
      else t.data<double>()[i] = double(value);
    }
    return t;
  }
  std::uniform_real_distribution<float> uniform(-0.1f, 0.1f);
  for (int64_t i = 0; i < t.numel(); ++i) {
    float &v = t.data<float>()[i];
    if (arg.role == "hyper") v = 0.01f;
    else if (arg.role == "step") v = 1.0f;
    else if (arg.role == "opt_state" || arg.role == "state") v = 0.0f;
    else v = uniform(rng);
  }
  return t;
}

double sum(const Tensor &t) {
  double s = 0;
  for (int64_t i = 0; i < t.numel(); ++i) {
    switch (t.dtype()) {
    case DType::F32: s += t.data<float>()[i]; break;
    case DType::F64: s += t.data<double>()[i]; break;
    case DType::I32: s += t.data<int32_t>()[i]; break;
    case DType::I64: s += double(t.data<int64_t>()[i]); break;
    }
  }
  return s;
}

double seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

void runJit(mlir::ModuleOp module, const std::string &function, const JitRunOptions &options,
            std::ostream &report) {
  halide::JitCacheStats before = halide::jitCacheStats();
  halide::HalideFunction f(module, function, options.target, options.schedule);
  halide::JitCacheStats after = halide::jitCacheStats();
  const char *source = after.hits > before.hits           ? "in-memory cache"
                       : after.diskHits > before.diskHits ? "on-disk cache"
                                                          : "compiled";
  std::mt19937 rng(0);
  std::vector<Tensor> inputs;
  std::vector<Shape> shapes;
  bool batched = false; // whether --batch sized any input
  for (const ArgumentInfo &arg : f.inputs()) {
    batched |= std::any_of(arg.shape.begin(), arg.shape.end(), [](int64_t d) { return d < 0; });
    inputs.push_back(inputFor(arg, options.batch, rng));
    shapes.push_back(inputs.back().shape());
  }
  std::vector<Tensor> outputs = f.allocateOutputs(inputs);
  // As a trainer runs a step: parameters, state and optimizer slots stay on a
  // GPU, and so do the results after the first (a step's new parameters); the
  // first result (the loss, the logits) comes back, which also waits for the
  // device to finish. On the host this is runInto.
  Residency residency;
  for (const ArgumentInfo &arg : f.inputs())
    residency.inputs.push_back(arg.role == "param" || arg.role == "state" ||
                               arg.role == "opt_state");
  residency.outputs.assign(outputs.size(), true);
  if (!outputs.empty()) residency.outputs[0] = false;
  auto start = std::chrono::steady_clock::now();
  f.runResident(inputs, outputs, residency); // records the allocations the memory plan packs
  double first = seconds(start);
  std::vector<double> times;
  for (int i = 0; i < options.runs; ++i) {
    start = std::chrono::steady_clock::now();
    f.runResident(inputs, outputs, residency);
    times.push_back(seconds(start) * 1e3);
  }
  std::sort(times.begin(), times.end());
  for (const Tensor &t : outputs) f.syncToHost(t);
  for (const std::vector<Tensor> *list : {&inputs, &outputs})
    for (const Tensor &t : *list) f.dropDeviceCopy(t);

  report << fmt::format("@{}: JIT compile {:.2f} s ({}, target {}, {} schedule)\n", function,
                        f.executable().compileSeconds(), source, options.target,
                        halide::schedulerName(options.schedule.scheduler));
  report << fmt::format("{}: first call {:.3f} ms; {} calls: min {:.3f} / median {:.3f} / "
                        "max {:.3f} ms\n",
                        batched ? fmt::format("batch {}", options.batch) : "static shapes",
                        first * 1e3, times.size(), times.front(), times[times.size() / 2],
                        times.back());
  for (size_t i = 0; i < outputs.size(); ++i)
    report << fmt::format("  {} {}: sum {:.6g}\n", f.outputs()[i].name, outputs[i].describe(),
                          sum(outputs[i]));
  halide::ScratchStats scratch = f.executable().scratchStats(shapes);
  if (scratch.buffers == 0) {
    report << "no scratch memory: no intermediate is stored\n";
    return;
  }
  report << fmt::format("scratch memory of {} intermediates: {:.2f} MB each in its own buffer, "
                        "{:.2f} MB planned arena ({}), {:.2f} MB live at most\n",
                        scratch.buffers, scratch.unplannedBytes / 1e6, scratch.arenaBytes / 1e6,
                        scratch.planned ? "in use" : "not used: calls vary",
                        scratch.liveBytesPeak / 1e6);
}

} // namespace nabla::tools
