// A JIT user context that records the first error Halide's runtime reports,
// from whichever thread hits it, where the JIT's default handler would abort.
#pragma once

#include "Halide.h"

#include <mutex>
#include <string>

namespace nabla::halide {

struct ErrorCapture : Halide::JITUserContext {
  std::mutex mutex;
  std::string error; // the first message, or empty

  ErrorCapture() { handlers.custom_error = record; }

private:
  static void record(Halide::JITUserContext *context, const char *message) {
    auto *self = static_cast<ErrorCapture *>(context);
    std::lock_guard<std::mutex> lock(self->mutex);
    if (self->error.empty()) self->error = message ? message : "unknown error";
  }
};

} // namespace nabla::halide
