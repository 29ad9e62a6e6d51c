// What the runtime needs of a compiled graph, whoever compiled it (the Halide
// JIT, an AOT library, the reference interpreter in tests): named, roled
// arguments and a call that writes into preallocated outputs. Keeping this
// interface here lets the trainer run compiled code without depending on the
// compiler.
#pragma once

#include "runtime/Tensor.h"

#include <string>
#include <vector>

namespace nabla {

/// One argument or result: its name, its role ("input", "label", "param",
/// "state", "step", "opt_state", "hyper"; empty for results), its shape with
/// -1 for dynamic dimensions, and its element type.
struct ArgumentInfo {
  std::string name;
  std::string role;
  Shape shape;
  DType dtype = DType::F32;
};

class CompiledFunction {
public:
  virtual ~CompiledFunction() = default;
  virtual const std::vector<ArgumentInfo> &inputs() const = 0;
  virtual const std::vector<ArgumentInfo> &outputs() const = 0;
  /// Output shapes for these input shapes (validates them).
  virtual std::vector<Shape> outputShapes(const std::vector<Shape> &inputShapes) const = 0;
  /// Runs on `inputs` (argument order), writing into `outputs`, which must
  /// already have the right shapes and element types.
  virtual void runInto(const std::vector<Tensor> &inputs, std::vector<Tensor> &outputs) const = 0;

  /// The index of the input named `name`, or -1.
  int inputIndex(const std::string &name) const;
  /// Allocates outputs for these inputs.
  std::vector<Tensor> allocateOutputs(const std::vector<Tensor> &inputs) const;
};

} // namespace nabla
