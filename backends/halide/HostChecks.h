// The checks Halide's run-time assertions would make, made by the caller
// instead, so that CPU pipelines compile without them.
//
// Halide guards every buffer argument with assertions (type, rank, extents,
// strides, the region the pipeline reads, allocation sizes): 616 of them for
// SimpleConvNet's training step, which take half of its JIT compile time.
// The Executable already checks each call's types and shapes against the IR
// (dense tensors, shape inference of every op) before the call, so they only
// repeat that. What is left to check is the data: indices (labels) that
// must lie in their op's range. Where those come straight from a function
// argument, the caller scans them; a function that computes its indices
// keeps Halide's assertions.
#pragma once

#include "runtime/Tensor.h"

#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <vector>

namespace Halide {
struct Target;
}

namespace nabla::halide {

/// Indices that function argument `argument` holds: each must lie in
/// [0, bound); a value outside it is reported as "<value> <message> <bound>".
struct IndexCheck {
  unsigned argument = 0;
  int64_t bound = 0;
  std::string message;
};

struct HostChecks {
  /// False when some check needs the pipeline itself (indices computed
  /// inside it, or a range known only at run time).
  bool complete = true;
  std::vector<IndexCheck> indices;
};

/// What an out-of-range index of a checked op (softmax_cross_entropy and
/// its backward op with integer labels, one_hot, max_pool2d_indices_backward
/// unless its indices come from max_pool2d_with_indices) is called after its
/// value: the pipeline's assertion and the host check say the same.
std::string indexRangeMessage(mlir::Operation *op);

/// The taps of the window of a max_pool2d_indices_backward (KH * KW): its
/// indices lie in [0, taps).
int64_t windowTaps(mlir::Operation *maxPoolIndicesBackward);

/// What a call of `func` must check on the host.
HostChecks hostChecksOf(mlir::FuncOp func);

/// Throws nabla::Error naming the input, the position and the value of the
/// first index outside its range. `where` prefixes the message.
void checkIndexInputs(const HostChecks &checks, const std::vector<Tensor> &inputs,
                      const std::vector<std::string> &inputNames, const std::string &where);

/// Throws nabla::Error when a tensor is too large for a Halide buffer
/// (its 32-bit extents and strides): 2^31 elements or more.
void checkBufferSizes(const std::vector<Tensor> &tensors, const std::vector<std::string> &names,
                      const std::string &where);

/// `target` without run-time assertions and bounds queries, and with 64-bit
/// index arithmetic (LargeBuffers), so no scratch buffer's index can wrap
/// once the assertions that refused such sizes are gone.
Halide::Target uncheckedTarget(const Halide::Target &target);

} // namespace nabla::halide
