// A fresh MLIR context per fuzz input, with nabla's dialects loaded and every
// diagnostic swallowed: a rejected input is the expected outcome, and a
// context shared across inputs would both grow without bound (interned types
// and attributes) and let one input influence the next.
#pragma once

#include "ir/Dialect.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <memory>

namespace nabla::fuzz {

class QuietContext {
public:
  QuietContext()
      : context_(registry(), mlir::MLIRContext::Threading::DISABLED),
        quiet_(&context_, [](mlir::Diagnostic &) { return mlir::success(); }) {
    context_.loadAllAvailableDialects();
  }
  mlir::MLIRContext &get() { return context_; }

private:
  static const mlir::DialectRegistry &registry() {
    static const mlir::DialectRegistry *r = [] {
      auto *created = new mlir::DialectRegistry;
      registerNablaDialects(*created);
      return created;
    }();
    return *r;
  }
  mlir::MLIRContext context_;
  mlir::ScopedDiagnosticHandler quiet_;
};

} // namespace nabla::fuzz
