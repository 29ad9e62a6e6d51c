#include "runtime/aot/AotThreading.h"

#include "runtime/aot/AotError.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int nabla_aot_threading_init(nabla_aot_threading *t) {
  memset(t, 0, sizeof *t);
  const char *value = getenv("NABLA_PARALLEL");
  if (!value || !*value || strcmp(value, "auto") == 0) t->mode = NABLA_AOT_PARALLEL_AUTO;
  else if (strcmp(value, "on") == 0) t->mode = NABLA_AOT_PARALLEL_POOL;
  else if (strcmp(value, "off") == 0) t->mode = NABLA_AOT_PARALLEL_CALLER;
  else if (strcmp(value, "shards") == 0) t->mode = NABLA_AOT_PARALLEL_SHARDS;
  else {
    nabla_aot_set_error("NABLA_PARALLEL must be on, off, shards or auto, not '%s'", value);
    return -1;
  }
  return 0;
}

/* Calls per way: the first is left out, as after another way Halide's pool
 * threads may still spin on the cores a call in shards runs on (measured:
 * 3.0 ms for such a call against 0.8 for the pool). */
enum { kBlock = NABLA_AOT_THREADING_TRIALS + 1 };

/* The trials of `batch`, a free slot for it, or NULL when all are taken. */
static nabla_aot_threading_trials *trials_of(nabla_aot_threading *t, int64_t batch) {
  for (int i = 0; i < NABLA_AOT_THREADING_BATCHES; ++i)
    if (t->trials[i].batch == batch) return &t->trials[i];
  for (int i = 0; i < NABLA_AOT_THREADING_BATCHES; ++i)
    if (t->trials[i].batch == 0) {
      t->trials[i].batch = batch;
      for (int w = 0; w < NABLA_AOT_WAYS; ++w) t->trials[i].fastest[w] = INFINITY;
      return &t->trials[i];
    }
  return NULL;
}

int nabla_aot_threading_way(nabla_aot_threading *t, int64_t batch, int can_shard) {
  switch (t->mode) {
  case NABLA_AOT_PARALLEL_POOL:
    return NABLA_AOT_WAY_POOL;
  case NABLA_AOT_PARALLEL_CALLER:
    return NABLA_AOT_WAY_CALLER;
  case NABLA_AOT_PARALLEL_SHARDS:
    return can_shard ? NABLA_AOT_WAY_SHARDS : NABLA_AOT_WAY_POOL;
  }
  nabla_aot_threading_trials *trials = trials_of(t, batch);
  if (!trials) return NABLA_AOT_WAY_POOL;
  int ways = can_shard ? NABLA_AOT_WAYS : NABLA_AOT_WAY_SHARDS;
  /* Call 0: left out (the pool's); then each way for a block of calls. */
  if (trials->calls == 0) return NABLA_AOT_WAY_POOL;
  if (trials->calls <= ways * kBlock) return (trials->calls - 1) / kBlock;
  int best = NABLA_AOT_WAY_POOL;
  for (int w = 1; w < ways; ++w)
    if (trials->fastest[w] < trials->fastest[best]) best = w;
  return best;
}

void nabla_aot_threading_record(nabla_aot_threading *t, int64_t batch, int way, double seconds) {
  if (t->mode != NABLA_AOT_PARALLEL_AUTO) return;
  nabla_aot_threading_trials *trials = trials_of(t, batch);
  if (!trials || trials->calls > NABLA_AOT_WAYS * kBlock) return;
  int timed = trials->calls > 0 && (trials->calls - 1) % kBlock != 0; /* not a block's first */
  if (timed && seconds < trials->fastest[way]) trials->fastest[way] = seconds;
  ++trials->calls;
}
