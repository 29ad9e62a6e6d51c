// Where SimpleConvNet's cold JIT compile goes, per function (@forward,
// @loss_train_step) and per Halide target variant:
//   nabla    lowering nabla IR to Halide Funcs and applying the schedule
//   lower    Halide's lowering to a loop nest (compile_to_module)
//   codegen  LLVM optimization and machine code (compile_to_object minus lower)
// plus the whole compile through Executable (the on-disk cache off, then a
// store, then a load from it; a store runs LLVM's code generator on a thread
// per core, ParallelCodegen.h). The stages are single-threaded: they are timed
// by the thread's CPU time, which other processes on a busy machine do not
// inflate (wall-clock times are printed too). Usage: jit_compile_time [--variants]
#include "backends/halide/Executable.h"
#include "backends/halide/FunctionLowering.h"
#include "backends/halide/HostChecks.h"
#include "backends/halide/Targets.h"
#include "frontend/Compile.h"
#include "frontend/Nets.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string>

#include <unistd.h>

using namespace nabla;

namespace {

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double threadCpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) + double(t.tv_nsec) * 1e-9;
}

void stages(mlir::ModuleOp module, const std::string &name, const Halide::Target &target,
            const std::string &label) {
  auto func = module.lookupSymbol<mlir::FuncOp>(name);
  double start = threadCpuSeconds();
  auto wall = std::chrono::steady_clock::now();
  halide::LoweredFunction lowered = halide::lowerFunction(func, target);
  double nabla = threadCpuSeconds() - start;
  std::vector<Halide::Argument> args(lowered.inputs.begin(), lowered.inputs.end());
  start = threadCpuSeconds();
  lowered.pipeline.compile_to_module(args, "f", target);
  double lower = threadCpuSeconds() - start;
  std::string object = std::filesystem::temp_directory_path() / ("jit_compile_time." + std::to_string(getpid()) + ".o");
  start = threadCpuSeconds();
  lowered.pipeline.compile_to_object(object, args, "f", target);
  double total = threadCpuSeconds() - start;
  std::printf("%-16s %-24s CPU s: nabla %5.2f  lower %5.2f  codegen %5.2f  (wall %5.1f s)  object %4.0f KB\n",
              name.c_str(), label.c_str(), nabla, lower, total - lower, secondsSince(wall),
              double(std::filesystem::file_size(object)) / 1e3);
  std::fflush(stdout);
  std::filesystem::remove(object);
}

void wholeCompile(mlir::ModuleOp module, const std::string &label) {
  halide::clearJitCache();
  double cpu = threadCpuSeconds();
  auto start = std::chrono::steady_clock::now();
  halide::Executable forward = halide::Executable::compileJit(module, "forward");
  double f = secondsSince(start), fCpu = threadCpuSeconds() - cpu;
  cpu = threadCpuSeconds();
  start = std::chrono::steady_clock::now();
  halide::Executable train = halide::Executable::compileJit(module, "loss_train_step");
  double t = secondsSince(start), tCpu = threadCpuSeconds() - cpu;
  std::printf("Executable::compileJit, %-24s CPU s: forward %6.3f  train step %6.3f  "
              "(wall %6.3f, %6.3f)\n",
              label.c_str(), fCpu, tCpu, f, t);
  std::fflush(stdout);
}

} // namespace

int main(int argc, char **argv) {
  bool variants = argc > 1 && std::string(argv[1]) == "--variants";
  dsl::ModelBuilder model("simple_convnet");
  dsl::defineSimpleConvNet(model);
  // The reference backend: the passes run, nothing is compiled yet.
  dsl::CompiledModel compiled = dsl::compileModel(model, {.backend = dsl::Backend::Reference});
  mlir::ModuleOp module = *compiled.module;

  Halide::Target host = halide::hostTarget();
  std::printf("host target: %s\n", host.to_string().c_str());
  // The first compile in a process also builds Halide's JIT runtime: keep it out.
  setenv("NABLA_CACHE_DIR", "off", 1);
  wholeCompile(module, "warm-up (JIT runtime)");
  // The JIT compiles CPU pipelines whose checks the caller makes without
  // Halide's assertions (HostChecks.h); AOT libraries keep them.
  std::vector<std::pair<std::string, Halide::Target>> targets = {
      {"host (AOT)", host}, {"host unchecked (JIT)", halide::uncheckedTarget(host)}};
  if (variants) {
    targets.push_back({"host-no_asserts", host.with_feature(Halide::Target::NoAsserts)});
    targets.push_back({"host-no_bounds_query", host.with_feature(Halide::Target::NoBoundsQuery)});
    targets.push_back({"host-avx2 (no avx512)",
                       host.without_feature(Halide::Target::AVX512)
                           .without_feature(Halide::Target::AVX512_Skylake)
                           .without_feature(Halide::Target::AVX512_Cannonlake)
                           .without_feature(Halide::Target::AVX512_SapphireRapids)});
  }
  for (const auto &[label, target] : targets)
    for (const char *name : {"forward", "loss_train_step"}) stages(module, name, target, label);

  std::string pattern = std::filesystem::temp_directory_path() / "jit_compile_time.XXXXXX";
  std::string dir = mkdtemp(pattern.data());
  setenv("NABLA_CACHE_DIR", "off", 1);
  wholeCompile(module, "in memory (cache off)");
  setenv("NABLA_CACHE_DIR", dir.c_str(), 1);
  wholeCompile(module, "disk cache miss (store)");
  wholeCompile(module, "disk cache hit (load)");
  std::filesystem::remove_all(dir);
  return 0;
}
