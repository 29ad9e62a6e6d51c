// Small IR cleanups shared by passes that build code speculatively.
#pragma once

#include "mlir/IR/Block.h"

namespace nabla {

/// Erases side-effect-free ops of `block` whose results are unused, last
/// first, so chains of dead ops disappear in one sweep.
void eraseDeadOps(mlir::Block &block);

} // namespace nabla
