// Internal to passes/: the tablegen-generated pass base classes.
#pragma once

#include "ir/Dialect.h"

#include "mlir/Pass/Pass.h"

namespace nabla {
#define GEN_PASS_CLASSES
#include "passes/Passes.h.inc"
} // namespace nabla
