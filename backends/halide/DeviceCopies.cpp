#include "backends/halide/DeviceCopies.h"

#include "backends/halide/TensorBuffer.h"
#include "runtime/Error.h"

namespace nabla::halide {

namespace {

/// Halide's device runtime reports errors through the user context's handler
/// (without one the JIT's default handler would abort).
struct ErrorContext : Halide::JITUserContext {
  std::string error;
  ErrorContext() {
    handlers.custom_error = [](Halide::JITUserContext *context, const char *message) {
      auto *self = static_cast<ErrorContext *>(context);
      if (self->error.empty()) self->error = message ? message : "unknown error";
    };
  }
  void check(int result, const std::string &what) const {
    if (result != 0 || !error.empty())
      throw Error(what + " failed: " + (error.empty() ? "error " + std::to_string(result) : error));
  }
};

bool sameView(const Tensor &a, const Tensor &b) {
  return a.shape() == b.shape() && a.dtype() == b.dtype();
}

} // namespace

DeviceCopies &DeviceCopies::instance() {
  static DeviceCopies copies;
  return copies;
}

void DeviceCopies::syncLocked(Entry &entry) {
  if (!entry.buffer.device_dirty()) return;
  ErrorContext context;
  context.check(entry.buffer.copy_to_host(&context),
                "copying a " + entry.tensor.describe() + " from the device");
}

Halide::Buffer<> DeviceCopies::buffer(const Tensor &tensor) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(tensor.rawData());
  if (it != entries_.end() && !sameView(it->second.tensor, tensor)) {
    syncLocked(it->second);
    entries_.erase(it);
    it = entries_.end();
  }
  if (it == entries_.end()) {
    Halide::Buffer<> buffer = wrapTensor(tensor);
    buffer.set_host_dirty(true);
    it = entries_.emplace(tensor.rawData(), Entry{tensor, buffer}).first;
  }
  return it->second.buffer;
}

void DeviceCopies::syncToHost(const Tensor &tensor) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(tensor.rawData());
  if (it != entries_.end()) syncLocked(it->second);
}

void DeviceCopies::drop(const Tensor &tensor) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(tensor.rawData());
  if (it == entries_.end()) return;
  if (it->second.buffer.has_device_allocation()) {
    ErrorContext context;
    it->second.buffer.device_free(&context); // a failure leaves nothing to undo
  }
  entries_.erase(it);
}

size_t DeviceCopies::size() {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

} // namespace nabla::halide
