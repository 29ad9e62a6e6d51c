// Recycles the scratch buffers a compiled pipeline allocates for its
// intermediates. Without it every call mallocs fresh multi-megabyte blocks,
// glibc serves them with mmap, and the first touch of each 4 KiB page costs a
// page fault (~11 us on these machines): for a SimpleConvNet training step at
// batch 100 that is more time than the arithmetic. With it, a steady-state
// call reuses the previous call's pages. Thread-safe: Halide allocates from
// its worker threads too.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <vector>

namespace nabla::halide {

class BufferPool {
public:
  /// Free blocks beyond this many bytes go back to the system.
  explicit BufferPool(size_t maxCachedBytes = size_t(1) << 30) : maxCached_(maxCachedBytes) {}
  ~BufferPool();
  BufferPool(const BufferPool &) = delete;
  BufferPool &operator=(const BufferPool &) = delete;

  /// A 64-byte aligned block of at least `bytes`, reused when one is cached.
  void *allocate(size_t bytes);
  void release(void *block);

  size_t cachedBytes() const;

private:
  mutable std::mutex mutex_;
  std::map<size_t, std::vector<void *>> free_; // by rounded size
  std::map<void *, size_t> sizes_;             // every live or cached block
  size_t cached_ = 0, maxCached_;
};

} // namespace nabla::halide
