/* Scratch memory for the intermediates of AOT kernels. Halide allocates
 * them with halide_malloc on every call; fresh pages cost ~11 us per 4 KiB
 * on first touch here, and glibc returns large blocks to the OS on free, so
 * a batch-100 call would pay for its 7 MB of intermediates every time.
 * The pool keeps released blocks and hands them out again (best fit), so
 * after the first call nothing is allocated. Thread-safe: Halide allocates
 * from its worker threads too. */
#ifndef NABLA_AOT_POOL_H
#define NABLA_AOT_POOL_H

#include <pthread.h>
#include <stddef.h>

#define NABLA_AOT_POOL_BLOCKS 64

typedef struct nabla_aot_pool_block {
  void *ptr;
  size_t size;
  int in_use;
} nabla_aot_pool_block;

typedef struct nabla_aot_pool {
  pthread_mutex_t mutex;
  int count;
  nabla_aot_pool_block blocks[NABLA_AOT_POOL_BLOCKS];
} nabla_aot_pool;

void nabla_aot_pool_init(nabla_aot_pool *pool);
/* A block of at least `size` bytes, aligned for any vector load, or NULL. */
void *nabla_aot_pool_allocate(nabla_aot_pool *pool, size_t size);
/* Returns a block to the pool (blocks the pool does not know are freed). */
void nabla_aot_pool_release(nabla_aot_pool *pool, void *ptr);
/* Frees every block; the pool must not be in use. */
void nabla_aot_pool_destroy(nabla_aot_pool *pool);

#endif
