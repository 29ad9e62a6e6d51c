#include "runtime/aot/AotPool.h"

#include <stdlib.h>

/* Halide's own allocator aligns to 128 bytes; rounding sizes up to it also
 * leaves room for vector loads that run a little past a buffer's end. */
enum { kAlignment = 128 };

void nabla_aot_pool_init(nabla_aot_pool *pool) {
  pthread_mutex_init(&pool->mutex, NULL);
  pool->count = 0;
}

static void *allocate_aligned(size_t size) {
  size_t rounded = (size + kAlignment - 1) / kAlignment * kAlignment + kAlignment;
  return aligned_alloc(kAlignment, rounded);
}

void *nabla_aot_pool_allocate(nabla_aot_pool *pool, size_t size) {
  pthread_mutex_lock(&pool->mutex);
  int best = -1;
  for (int i = 0; i < pool->count; ++i) {
    nabla_aot_pool_block *b = &pool->blocks[i];
    if (!b->in_use && b->size >= size && (best < 0 || b->size < pool->blocks[best].size)) best = i;
  }
  void *ptr = NULL;
  if (best >= 0) {
    pool->blocks[best].in_use = 1;
    ptr = pool->blocks[best].ptr;
  } else {
    ptr = allocate_aligned(size);
    if (ptr && pool->count < NABLA_AOT_POOL_BLOCKS)
      pool->blocks[pool->count++] = (nabla_aot_pool_block){ptr, size, 1};
  }
  pthread_mutex_unlock(&pool->mutex);
  return ptr;
}

void nabla_aot_pool_release(nabla_aot_pool *pool, void *ptr) {
  if (!ptr) return;
  pthread_mutex_lock(&pool->mutex);
  int found = 0;
  for (int i = 0; i < pool->count && !found; ++i)
    if (pool->blocks[i].ptr == ptr) {
      pool->blocks[i].in_use = 0;
      found = 1;
    }
  pthread_mutex_unlock(&pool->mutex);
  if (!found) free(ptr); /* allocated while the table was full */
}

void nabla_aot_pool_destroy(nabla_aot_pool *pool) {
  for (int i = 0; i < pool->count; ++i) free(pool->blocks[i].ptr);
  pool->count = 0;
  pthread_mutex_destroy(&pool->mutex);
}
