#include "runtime/aot/AotShards.h"

#include "runtime/aot/FlushDenormals.h"

#include <pthread.h>
#include <stdlib.h>

typedef struct worker {
  nabla_aot_shards *shards;
  int index; /* its shard */
  pthread_t thread;
} worker;

struct nabla_aot_shards {
  int count, started; /* shards; workers running (count - 1 once created) */
  int (*kernel)(void **);
  pthread_mutex_t mutex;
  pthread_cond_t work, done;
  unsigned long generation; /* one per run: workers start when it moves */
  int pending, stop;
  void **const *argvs;
  int status[NABLA_AOT_MAX_SHARDS];
  worker workers[NABLA_AOT_MAX_SHARDS];
};

static int run_shard(nabla_aot_shards *s, int k) {
  unsigned mxcsr = nabla_flush_denormals_begin(); /* as the caller's thread does */
  int status = s->kernel(s->argvs[k]);
  nabla_flush_denormals_end(mxcsr);
  return status;
}

static void *work_loop(void *arg) {
  worker *w = (worker *)arg;
  nabla_aot_shards *s = w->shards;
  unsigned long seen = 0;
  pthread_mutex_lock(&s->mutex);
  for (;;) {
    while (!s->stop && s->generation == seen) pthread_cond_wait(&s->work, &s->mutex);
    if (s->stop) break;
    seen = s->generation;
    pthread_mutex_unlock(&s->mutex);
    int status = run_shard(s, w->index);
    pthread_mutex_lock(&s->mutex);
    s->status[w->index] = status;
    if (--s->pending == 0) pthread_cond_signal(&s->done);
  }
  pthread_mutex_unlock(&s->mutex);
  return NULL;
}

nabla_aot_shards *nabla_aot_shards_create(int count, int (*kernel)(void **)) {
  if (count < 2 || count > NABLA_AOT_MAX_SHARDS || !kernel) return NULL;
  nabla_aot_shards *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->count = count;
  s->kernel = kernel;
  pthread_mutex_init(&s->mutex, NULL);
  pthread_cond_init(&s->work, NULL);
  pthread_cond_init(&s->done, NULL);
  for (int k = 1; k < count; ++k) {
    s->workers[k].shards = s;
    s->workers[k].index = k;
    if (pthread_create(&s->workers[k].thread, NULL, work_loop, &s->workers[k]) != 0) {
      nabla_aot_shards_destroy(s); /* stops the ones started */
      return NULL;
    }
    s->started = k;
  }
  return s;
}

int nabla_aot_shards_run(nabla_aot_shards *s, void **const *argvs) {
  pthread_mutex_lock(&s->mutex);
  s->argvs = argvs;
  s->pending = s->count - 1;
  ++s->generation;
  pthread_cond_broadcast(&s->work);
  pthread_mutex_unlock(&s->mutex);
  s->status[0] = run_shard(s, 0);
  pthread_mutex_lock(&s->mutex);
  while (s->pending > 0) pthread_cond_wait(&s->done, &s->mutex);
  pthread_mutex_unlock(&s->mutex);
  for (int k = 0; k < s->count; ++k)
    if (s->status[k] != 0) return s->status[k];
  return 0;
}

void nabla_aot_shards_destroy(nabla_aot_shards *s) {
  if (!s) return;
  pthread_mutex_lock(&s->mutex);
  s->stop = 1;
  pthread_cond_broadcast(&s->work);
  pthread_mutex_unlock(&s->mutex);
  for (int k = 1; k <= s->started; ++k) pthread_join(s->workers[k].thread, NULL);
  pthread_cond_destroy(&s->done);
  pthread_cond_destroy(&s->work);
  pthread_mutex_destroy(&s->mutex);
  free(s);
}
