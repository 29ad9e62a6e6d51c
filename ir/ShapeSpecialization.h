// Static result shapes of a function for concrete argument shapes: clones the
// function, gives its arguments the concrete types and re-runs every op's
// result-type inference in order (calls are specialized recursively). Backends
// use it to allocate outputs and to reject bad inputs with the op's own
// shape diagnostics before running compiled code.
#pragma once

#include "mlir/IR/BuiltinOps.h"

#include <cstdint>
#include <map>
#include <mutex>
#include <vector>

namespace nabla {

using ConcreteShape = std::vector<int64_t>;

/// The result shapes of `func` for `argShapes`. Throws nabla::Error when an
/// argument does not fit its declared type (rank, static dims) or an op's
/// shape inference rejects the concrete shapes (the message is the op's).
std::vector<ConcreteShape> inferResultShapes(mlir::FuncOp func,
                                             const std::vector<ConcreteShape> &argShapes);

/// inferResultShapes with a cache per argument-shape key (thread-safe).
class ShapeSpecializer {
public:
  explicit ShapeSpecializer(mlir::FuncOp func) : func_(func) {}
  std::vector<ConcreteShape> resultShapes(const std::vector<ConcreteShape> &argShapes);

private:
  mlir::FuncOp func_;
  std::mutex mutex_;
  std::map<std::vector<ConcreteShape>, std::vector<ConcreteShape>> cache_;
};

} // namespace nabla
