#include "tests/conformance/Backends.h"

#include "backends/reference/Interpreter.h"

namespace nabla::conformance {

const std::map<std::string, Backend> &backends() {
  static const std::map<std::string, Backend> table = {
      // The oracle itself: checks the importer's semantics against ONNX's.
      {"reference",
       [](mlir::ModuleOp module, const std::vector<Tensor> &args) {
         return reference::Interpreter(module).run("main", args);
       }},
  };
  return table;
}

} // namespace nabla::conformance
