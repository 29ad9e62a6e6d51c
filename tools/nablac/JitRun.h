// nablac -emit=jit: JIT-compiles one function through Halide (CPU or GPU), runs it on
// seeded inputs at a given batch size and reports compile time, run times,
// the outputs' shapes and checksums, and the scratch memory with and without
// memory planning.
#pragma once

#include "backends/halide/AutoSchedulers.h"

#include "mlir/IR/BuiltinOps.h"

#include <cstdint>
#include <ostream>
#include <string>

namespace nabla::tools {

struct JitRunOptions {
  int64_t batch = 100; // the size of dynamic dimensions
  int runs = 5;        // timed calls after the first (recording) call
  std::string target = "host"; // "host-cuda": parameters and optimizer state stay on
                               // the GPU between calls; the first result comes back
  halide::Schedule schedule; // nabla's, or an autoscheduler's (for `batch`, as nablac sets it)
};

void runJit(mlir::ModuleOp module, const std::string &function, const JitRunOptions &options,
            std::ostream &report);

} // namespace nabla::tools
