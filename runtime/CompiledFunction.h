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

/// Which arguments of a call stay in an accelerator's memory (see
/// CompiledFunction::runResident); one flag per input and per output.
struct Residency {
  std::vector<bool> inputs, outputs;
};

class CompiledFunction {
public:
  virtual ~CompiledFunction() = default;
  virtual const std::vector<ArgumentInfo> &inputs() const = 0;
  virtual const std::vector<ArgumentInfo> &outputs() const = 0;
  /// Output shapes for these input shapes (validates them).
  virtual std::vector<Shape> outputShapes(const std::vector<Shape> &inputShapes) const = 0;
  /// Runs on `inputs` (argument order), writing into `outputs`, which must
  /// already have the right shapes and element types and share no memory
  /// with an input (the Halide backend refuses such a call).
  virtual void runInto(const std::vector<Tensor> &inputs, std::vector<Tensor> &outputs) const = 0;

  // Accelerators. A function that runs on one (a GPU target) gives each
  // tensor it touches a device copy. runInto copies every input there and
  // every output back; runResident lets the caller keep tensors on the
  // device between calls (a trainer's parameters), so that only what changes
  // on the host (a batch) and what the host reads (the loss) cross the bus.
  // On the host these are runInto and no-ops.

  /// Whether calls run on an accelerator.
  virtual bool onDevice() const { return false; }
  /// Like runInto, but a resident input is read from its device copy when it
  /// has one (written by an earlier call, or uploaded once), and a resident
  /// output stays on the device: its host memory is stale until syncToHost.
  /// The caller must not write a resident tensor's host memory without
  /// dropDeviceCopy first.
  virtual void runResident(const std::vector<Tensor> &inputs, std::vector<Tensor> &outputs,
                           const Residency &residency) const {
    (void)residency;
    runInto(inputs, outputs);
  }
  /// Copies `tensor`'s device copy into its host memory if the device's is newer.
  virtual void syncToHost(const Tensor &tensor) const { (void)tensor; }
  /// Forgets `tensor`'s device copy (after syncToHost when it matters): its
  /// host memory is the truth again, and the device memory is freed.
  virtual void dropDeviceCopy(const Tensor &tensor) const { (void)tensor; }

  /// The index of the input named `name`, or -1.
  int inputIndex(const std::string &name) const;
  /// Allocates outputs for these inputs.
  std::vector<Tensor> allocateOutputs(const std::vector<Tensor> &inputs) const;
};

} // namespace nabla
