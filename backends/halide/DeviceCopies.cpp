#include "backends/halide/DeviceCopies.h"

#include "backends/halide/ErrorCapture.h"
#include "backends/halide/TensorBuffer.h"
#include "runtime/Error.h"

namespace nabla::halide {

namespace {

/// Throws the device runtime's message when a copy failed.
void check(const ErrorCapture &context, int result, const std::string &what) {
  if (result != 0 || !context.error.empty())
    throw Error(what + " failed: " +
                (context.error.empty() ? "error " + std::to_string(result) : context.error));
}

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
  ErrorCapture context;
  check(context, entry.buffer.copy_to_host(&context),
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
    ErrorCapture context; // a failed free leaves nothing to undo: its message is dropped
    it->second.buffer.device_free(&context);
  }
  entries_.erase(it);
}

size_t DeviceCopies::size() {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

} // namespace nabla::halide
