#include "tools/nablac/AotCommand.h"

#include "backends/halide/Aot.h"
#include "passes/Pipelines.h"
#include "runtime/Checkpoint.h"
#include "runtime/Error.h"

#include "mlir/IR/Diagnostics.h"

#include <cctype>
#include <cstdio>
#include <filesystem>

namespace nabla::tools {

namespace {

/// The library's name: --name, else the model's name or the file's stem as a
/// C identifier, with the entry appended when it is not the usual @forward.
std::string libraryName(const std::string &source, bool file, const AotCommandOptions &options) {
  if (!options.name.empty()) return options.name;
  std::string stem = file ? std::filesystem::path(source).stem().string() : source;
  if (file && source == "-") stem = "model"; // standard input has no name
  std::string name;
  for (char c : stem) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  // Leading digits are not C; a leading underscore makes reserved names
  // (__model, _Model) once the prefix's own underscores follow.
  if (name.empty() || !std::isalpha(static_cast<unsigned char>(name[0]))) name = "model_" + name;
  return options.entry == "forward" ? name : name + "_" + options.entry;
}

void runInferencePasses(mlir::ModuleOp module, const AotCommandOptions &options) {
  mlir::PassManager pm(module->getContext());
  PipelineOptions pipeline;
  pipeline.autodiff = false;
  pipeline.fuse = !options.noFuse;
  pipeline.winograd = !options.noWinograd;
  pipeline.im2col = options.im2col;
  buildPipeline(pm, pipeline);
  std::string diagnostics;
  mlir::ScopedDiagnosticHandler handler(module->getContext(), [&](mlir::Diagnostic &d) {
    llvm::raw_string_ostream os(diagnostics);
    os << d.getLocation() << ": " << d.str() << "\n";
    return mlir::success();
  });
  if (mlir::failed(pm.run(module))) throw Error("the inference passes failed:\n" + diagnostics);
}

} // namespace

void addAotOptions(CLI::App &app, AotCommandOptions &o) {
  app.add_option("--target", o.target,
                 "compile ahead of time for: host, host-cuda or a Halide target string; writes "
                 "<name>.a, <name>.h and <name>.weights into the -o directory (with -emit=jit: "
                 "where the JIT runs)");
  app.add_option("--name", o.name, "AOT: file stem and C prefix (default: the model's name)");
  app.add_option("--seed", o.seed, "seed of a --model's initial parameters, used without --weights (aot, onnx)")
      ->capture_default_str();
}

bool aotRequested(const CLI::App &app, const std::string &emit, const AotCommandOptions &options) {
  return emit == "aot" || (!options.target.empty() && app.count("--emit") == 0);
}

void runAotCommand(mlir::ModuleOp module, const std::string &source, bool fromFile,
                   const DefaultWeights &defaults, const std::string &outDir,
                   const AotCommandOptions &options) {
  if (outDir.empty() || outDir == "-")
    throw Error("AOT writes several files: give the output directory with -o DIR");
  halide::AotOptions aot{outDir, libraryName(source, fromFile, options),
                         options.target.empty() ? "host" : options.target, options.schedule};
  std::map<std::string, Tensor> weights;
  std::string weightsFrom;
  if (!options.weights.empty()) {
    Checkpoint checkpoint = loadCheckpoint(options.weights);
    for (const NamedTensor &p : checkpoint.parameters) weights[p.name] = p.tensor;
    weightsFrom = options.weights;
  } else if (!defaults.values.empty()) {
    weights = defaults.values;
    weightsFrom = defaults.source + " (give --weights CHECKPOINT for trained ones)";
  }
  runInferencePasses(module, options);
  halide::AotOutput out =
      halide::compileAot(module, options.entry, aot, weightsFrom.empty() ? nullptr : &weights);
  std::printf("nablac: @%s compiled for %s (%s schedule)\n  %s\n  %s\n", options.entry.c_str(),
              out.halideTarget.c_str(), halide::schedulerName(options.schedule.scheduler),
              out.library.c_str(), out.header.c_str());
  if (!out.weights.empty()) std::printf("  %s (from %s)\n", out.weights.c_str(), weightsFrom.c_str());
  else std::printf("  no weights file: give --weights CHECKPOINT to write one\n");
}

} // namespace nabla::tools
