#include "tests/conformance/Backends.h"

#include "backends/halide/Executable.h"
#include "backends/reference/Interpreter.h"

namespace nabla::conformance {

const std::map<std::string, Backend> &backends() {
  static const std::map<std::string, Backend> table = {
      // The oracle itself: checks the importer's semantics against ONNX's.
      {"reference",
       [](mlir::ModuleOp module, const std::vector<Tensor> &args) {
         return reference::Interpreter(module).run("main", args);
       }},
      // The compiled path: Halide CPU JIT (with the default schedules).
      {"halide",
       [](mlir::ModuleOp module, const std::vector<Tensor> &args) {
         return halide::Executable::compileJit(module, "main").run(args);
       }},
  };
  return table;
}

} // namespace nabla::conformance
