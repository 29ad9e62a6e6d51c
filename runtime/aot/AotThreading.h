/* How an AOT model's call runs its parallel loops: on Halide's thread pool,
 * all on the calling thread (the JIT's choice,
 * backends/halide/ThreadingChoice.h, in C), or in shards: the batch split
 * by rows, one shard per core, each running the whole pipeline with its
 * loops on its own thread (as the JIT's BatchShardedFunction does). Waking
 * a pool worker costs more than a batch-1 call's work (SimpleConvNet:
 * 0.055 ms a call on two threads, 0.032 on one, on an Intel Xeon); at
 * batch 100 shards share no loop's hand-offs. Per batch size: the first
 * call is left out, then each possible way runs four calls, of which the
 * last three are timed, and the fastest by its minimum time is kept.
 * NABLA_PARALLEL=on (always the pool), off (always the caller), shards
 * (always shards where the batch has a row per shard) or auto (the
 * default). Results do not depend on the choice: a parallel loop's tasks
 * write disjoint outputs, and every row is computed alone. */
#ifndef NABLA_AOT_THREADING_H
#define NABLA_AOT_THREADING_H

#include <stdint.h>

#define NABLA_AOT_THREADING_BATCHES 16 /* batch sizes measured; others use the pool */
#define NABLA_AOT_THREADING_TRIALS 3   /* calls measured each way */

/* The ways a call can run. */
enum { NABLA_AOT_WAY_POOL, NABLA_AOT_WAY_CALLER, NABLA_AOT_WAY_SHARDS, NABLA_AOT_WAYS };

typedef struct nabla_aot_threading_trials {
  int64_t batch; /* 0: unused */
  int calls;
  double fastest[NABLA_AOT_WAYS]; /* the fastest call each way, seconds */
} nabla_aot_threading_trials;

typedef struct nabla_aot_threading {
  int mode; /* NABLA_AOT_PARALLEL_* */
  nabla_aot_threading_trials trials[NABLA_AOT_THREADING_BATCHES];
} nabla_aot_threading;

enum {
  NABLA_AOT_PARALLEL_AUTO,
  NABLA_AOT_PARALLEL_POOL,
  NABLA_AOT_PARALLEL_CALLER,
  NABLA_AOT_PARALLEL_SHARDS
};

/* Reads NABLA_PARALLEL; -1 (with nabla_aot_last_error set) for another value. */
int nabla_aot_threading_init(nabla_aot_threading *t);
/* The way (NABLA_AOT_WAY_*) of the next call at `batch`; shards only where
 * `can_shard`. */
int nabla_aot_threading_way(nabla_aot_threading *t, int64_t batch, int can_shard);
/* Records that call's time. */
void nabla_aot_threading_record(nabla_aot_threading *t, int64_t batch, int way, double seconds);

#endif
