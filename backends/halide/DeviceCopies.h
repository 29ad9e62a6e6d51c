// Device copies of host tensors for pipelines compiled for a GPU target: one
// Halide buffer per tensor storage, which holds the device allocation and
// Halide's dirty bits (which side is newer). The registry is process-wide
// because every GPU pipeline of a process shares Halide's JIT runtime and its
// device context: a trainer's step writes the parameters that its forward
// function reads, both on the device.
//
// An entry holds a handle to its tensor, so the storage cannot be freed and
// its address reused by another tensor while a device copy is registered
// under it; drop() releases both.
#pragma once

#include "runtime/Tensor.h"

#include "Halide.h"

#include <map>
#include <mutex>

namespace nabla::halide {

class DeviceCopies {
public:
  static DeviceCopies &instance();

  /// The buffer that holds `tensor`'s device copy. Created on first use
  /// (no device memory yet, host data marked newer, so the next pipeline
  /// that reads it uploads it); a tensor viewed with another shape or type
  /// than before gets a new entry (the old copy is synced to the host first).
  Halide::Buffer<> buffer(const Tensor &tensor);
  /// Copies the device copy into host memory if the device's is newer.
  /// Throws nabla::Error with the device API's message on failure.
  void syncToHost(const Tensor &tensor);
  /// Forgets `tensor`'s device copy and frees its device memory; host memory
  /// is the truth again (newer device data is lost: syncToHost first).
  void drop(const Tensor &tensor);
  /// Registered device copies (for tests and leak checks).
  size_t size();

private:
  struct Entry {
    Tensor tensor; // keeps the storage, and so the key, alive
    Halide::Buffer<> buffer;
  };
  void syncLocked(Entry &entry);

  std::mutex mutex_;
  std::map<const void *, Entry> entries_;
};

} // namespace nabla::halide
