// Ahead-of-time compilation of a nabla function to a static library, a C
// header and a weights file (issue 6). The kernel is the pipeline and
// schedule the JIT compiles (lowerFunction), built for the chosen target
// without a runtime, plus one Halide runtime and the nabla AOT runtime
// (runtime/aot), all in one <name>.a. See AotHeader.h for the C API. This
// header does not include Halide.h.
#pragma once

#include "backends/halide/AutoSchedulers.h"
#include "runtime/Tensor.h"

#include "mlir/IR/BuiltinOps.h"

#include <map>
#include <string>

namespace nabla::halide {

struct AotOptions {
  std::string outDir = ".";    // created when missing
  std::string name;            // file stem and C prefix: <name>.a, <name>_create
  std::string target = "host"; // "host", "host-cuda" or a Halide target string
  Schedule schedule; // nabla's schedules or an autoscheduler's for a batch (CPU)
};

struct AotOutput {
  std::string library, header;
  std::string weights;      // empty when no weights were given
  std::string halideTarget; // what the kernels were compiled for
};

/// The Halide target string for "host", "host-cuda" (the host plus CUDA at
/// compute capability 6.1, whose PTX the driver JIT-compiles for newer GPUs)
/// or a Halide target string (validated). Throws nabla::Error.
std::string aotTargetString(const std::string &target);

/// Compiles function `entry` of `module` into <outDir>/<name>.a and <name>.h,
/// and writes <name>.weights from `weights` (parameter and state tensors by
/// name) when given. No GPU is needed for GPU targets. Throws nabla::Error.
AotOutput compileAot(mlir::ModuleOp module, const std::string &entry, const AotOptions &options,
                     const std::map<std::string, Tensor> *weights = nullptr);

/// Writes the weights file of function `entry` alone: every weight argument
/// taken from `values` by name, shape-checked. Throws nabla::Error.
void writeAotWeights(mlir::ModuleOp module, const std::string &entry,
                     const std::map<std::string, Tensor> &values, const std::string &path);

} // namespace nabla::halide
