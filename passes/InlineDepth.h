// The depth limit of inlined pointwise chains, shared by the passes that mark
// values `nabla.inline`. Halide's compile time grows faster than linearly
// with an expression's depth: a chain of 400 additions inlined whole took
// 10.6 s to JIT-compile and 800 took 95 s, against 0.9 s and 1.6 s with one
// value stored every 64 ops, which costs next to nothing at run time.
#pragma once

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/DenseSet.h"

namespace nabla {

/// One loop computes at most this many ops of a pointwise chain; the last
/// of them stores its value.
constexpr int kMaxInlineDepth = 64;

/// Walks `func` in op order and removes `nabla.inline` from every pointwise
/// op whose inlined expression would be kMaxInlineDepth ops deep or deeper
/// (1 plus the depth of its deepest inlined pointwise operand), so that
/// chains store a value every kMaxInlineDepth ops. Ops in `keep` stay
/// marked (the members of a loop group, which its lowering needs inlined).
void capInlineDepth(mlir::FuncOp func, const llvm::DenseSet<mlir::Operation *> &keep = {});

} // namespace nabla
