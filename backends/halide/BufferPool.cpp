#include "backends/halide/BufferPool.h"

#include <cstdlib>
#include <new>

namespace nabla::halide {

namespace {
constexpr size_t kAlignment = 64; // a cache line; Halide needs at least 32
size_t roundUp(size_t bytes) { return (bytes + kAlignment - 1) / kAlignment * kAlignment; }
} // namespace

BufferPool::~BufferPool() {
  for (auto &[block, size] : sizes_) std::free(block);
}

void *BufferPool::allocate(size_t bytes) {
  size_t size = roundUp(bytes == 0 ? 1 : bytes);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = free_.find(size);
    if (it != free_.end() && !it->second.empty()) {
      void *block = it->second.back();
      it->second.pop_back();
      cached_ -= size;
      return block;
    }
  }
  void *block = std::aligned_alloc(kAlignment, size);
  if (!block) return nullptr; // Halide reports the failed allocation
  std::lock_guard<std::mutex> lock(mutex_);
  sizes_[block] = size;
  return block;
}

void BufferPool::release(void *block) {
  if (!block) return;
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = sizes_.find(block);
  if (it == sizes_.end()) return; // not ours: never happens with Halide's pairing
  if (cached_ + it->second > maxCached_) {
    std::free(block);
    sizes_.erase(it);
    return;
  }
  free_[it->second].push_back(block);
  cached_ += it->second;
}

size_t BufferPool::cachedBytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return cached_;
}

} // namespace nabla::halide
