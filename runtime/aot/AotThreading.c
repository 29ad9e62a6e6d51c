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
  else {
    nabla_aot_set_error("NABLA_PARALLEL must be on, off or auto, not '%s'", value);
    return -1;
  }
  return 0;
}

/* The trials of `batch`, a free slot for it, or NULL when all are taken. */
static nabla_aot_threading_trials *trials_of(nabla_aot_threading *t, int64_t batch) {
  for (int i = 0; i < NABLA_AOT_THREADING_BATCHES; ++i)
    if (t->trials[i].batch == batch) return &t->trials[i];
  for (int i = 0; i < NABLA_AOT_THREADING_BATCHES; ++i)
    if (t->trials[i].batch == 0) {
      t->trials[i].batch = batch;
      t->trials[i].pool = t->trials[i].caller = INFINITY;
      return &t->trials[i];
    }
  return NULL;
}

int nabla_aot_threading_serial(nabla_aot_threading *t, int64_t batch) {
  if (t->mode != NABLA_AOT_PARALLEL_AUTO) return t->mode == NABLA_AOT_PARALLEL_CALLER;
  nabla_aot_threading_trials *trials = trials_of(t, batch);
  if (!trials) return 0;
  /* Call 0: left out (the pool's); calls 1, 3, 5 on the pool, 2, 4, 6 on the caller. */
  if (trials->calls <= 2 * NABLA_AOT_THREADING_TRIALS)
    return trials->calls > 0 && trials->calls % 2 == 0;
  return trials->caller < trials->pool;
}

void nabla_aot_threading_record(nabla_aot_threading *t, int64_t batch, int serial, double seconds) {
  if (t->mode != NABLA_AOT_PARALLEL_AUTO) return;
  nabla_aot_threading_trials *trials = trials_of(t, batch);
  if (!trials || trials->calls > 2 * NABLA_AOT_THREADING_TRIALS) return;
  if (trials->calls > 0) {
    double *best = serial ? &trials->caller : &trials->pool;
    if (seconds < *best) *best = seconds;
  }
  ++trials->calls;
}
