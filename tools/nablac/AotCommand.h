// nablac's AOT command: `nablac MODEL --target host|host-cuda [--entry forward]
// [--weights checkpoint.pb] -o DIR` writes DIR/<name>.a, <name>.h and
// <name>.weights (see backends/halide/Aot.h). Kept apart from nablac.cpp so
// the driver only registers the options and makes one call.
#pragma once

#include "backends/halide/AutoSchedulers.h"
#include "runtime/Tensor.h"

#include "mlir/IR/BuiltinOps.h"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <map>
#include <string>

namespace nabla::tools {

struct AotCommandOptions {
  std::string target; // non-empty (with no -emit) selects the AOT command; default host
  std::string entry = "forward";
  std::string weights; // a training checkpoint (checkpoint.pb)
  std::string name;    // default: the model's name or the input file's stem
  uint64_t seed = 0;   // library models without --weights: initial parameters (nablac reads it)
  bool noFuse = false, noWinograd = false, im2col = false;
  halide::Schedule schedule; // nablac's --scheduler for its --batch
};

/// Adds --target, --name, --seed. --entry, --weights, --no-fuse, --no-winograd and --im2col
/// are nablac's own options, shared with the other stages; the driver copies
/// them into `options`.
void addAotOptions(CLI::App &app, AotCommandOptions &options);

/// Whether this command line asks for AOT: -emit=aot, or --target with no -emit.
bool aotRequested(const CLI::App &app, const std::string &emit, const AotCommandOptions &options);

/// Where parameter values come from without --weights: a library model's
/// initial values, an ONNX model's initializers (empty for a .mlir file).
struct DefaultWeights {
  std::map<std::string, Tensor> values;
  std::string source; // for the report: "the initial values of ... for seed 0"
};

/// Runs the inference passes on `module` and compiles it ahead of time into
/// directory `outDir`. `source` is the model's name or the input path
/// (`fromFile`), which names the library. Prints the files written; throws
/// nabla::Error.
void runAotCommand(mlir::ModuleOp module, const std::string &source, bool fromFile,
                   const DefaultWeights &defaults, const std::string &outDir,
                   const AotCommandOptions &options);

} // namespace nabla::tools
