/* Whether an AOT model's call runs its parallel loops on Halide's thread
 * pool or all on the calling thread: the JIT's choice
 * (backends/halide/ThreadingChoice.h), in C. Waking a pool worker costs
 * more than a batch-1 call's work (SimpleConvNet: 0.055 ms a call on two
 * threads, 0.032 on one, on an Intel Xeon). Per batch size: the first call
 * is left out, the next six alternate pool and caller, then the faster by
 * its minimum time is kept. NABLA_PARALLEL=on (always the pool), off
 * (always the caller) or auto (the default) as for the JIT. Results do not
 * depend on the choice: a parallel loop's tasks write disjoint outputs. */
#ifndef NABLA_AOT_THREADING_H
#define NABLA_AOT_THREADING_H

#include <stdint.h>

#define NABLA_AOT_THREADING_BATCHES 16 /* batch sizes measured; others use the pool */
#define NABLA_AOT_THREADING_TRIALS 3   /* calls measured each way */

typedef struct nabla_aot_threading_trials {
  int64_t batch; /* 0: unused */
  int calls;
  double pool, caller; /* the fastest call each way, seconds */
} nabla_aot_threading_trials;

typedef struct nabla_aot_threading {
  int mode; /* NABLA_AOT_PARALLEL_* */
  nabla_aot_threading_trials trials[NABLA_AOT_THREADING_BATCHES];
} nabla_aot_threading;

enum { NABLA_AOT_PARALLEL_AUTO, NABLA_AOT_PARALLEL_POOL, NABLA_AOT_PARALLEL_CALLER };

/* Reads NABLA_PARALLEL; -1 (with nabla_aot_last_error set) for another value. */
int nabla_aot_threading_init(nabla_aot_threading *t);
/* 1 when the next call at `batch` runs its parallel loops on the caller. */
int nabla_aot_threading_serial(nabla_aot_threading *t, int64_t batch);
/* Records that call's time. */
void nabla_aot_threading_record(nabla_aot_threading *t, int64_t batch, int serial, double seconds);

#endif
