// What an AOT-compiled function looks like from C: its kernel's arguments in
// order (the function's arguments, then its results), each an input, a
// weight or an output, f32, with -1 marking the batch dimension. Derived
// from the IR and checked up front, so nablac refuses what the generated C
// API could not express (other element types, dynamic dims other than the
// batch, labels), with messages that name the argument.
#pragma once

#include "runtime/Tensor.h"

#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <vector>

namespace nabla::halide {

enum class AotKind { Input, Weight, Output };

struct AotArgument {
  std::string name;       // as in the IR ("x", "conv1.W", "logits")
  std::string identifier; // `name` as a C identifier, for inputs and outputs
  AotKind kind = AotKind::Input;
  Shape shape;            // -1: the batch
};

struct AotSignature {
  std::string entry;
  std::vector<AotArgument> arguments; // kernel order

  std::vector<const AotArgument *> ofKind(AotKind kind) const;
};

/// Classifies the arguments: `nabla.role` "input" is an input, "param" and
/// "state" are weights; without roles, an argument with a dynamic dimension
/// is an input and a fully static one a weight. Every input and output must
/// be f32 with a dynamic dim 0 (the batch) and no other dynamic dim, and
/// every output's dim 0 must equal the batch (checked by shape inference at
/// two batch sizes). Throws nabla::Error.
AotSignature aotSignature(mlir::FuncOp func);

} // namespace nabla::halide
