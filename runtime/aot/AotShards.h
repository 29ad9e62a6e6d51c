/* Threads that run an AOT kernel on shards of a batch at once: shard 0 on
 * the calling thread, each other shard on a worker of its own, kept from
 * call to call (a thread started per call would fault in its stack every
 * time). The caller describes each shard by its own kernel arguments (argv:
 * the same user context and weights, its rows of the inputs and outputs). */
#ifndef NABLA_AOT_SHARDS_H
#define NABLA_AOT_SHARDS_H

#define NABLA_AOT_MAX_SHARDS 4

typedef struct nabla_aot_shards nabla_aot_shards;

/* `count` shards (2 to NABLA_AOT_MAX_SHARDS) of `kernel`; NULL when memory
 * or a thread cannot be had (the caller then runs the batch whole). */
nabla_aot_shards *nabla_aot_shards_create(int count, int (*kernel)(void **));
/* Runs shard k on argvs[k] for k < count, all at once, and returns when
 * every shard is done: 0, or the status of the first shard that failed. */
int nabla_aot_shards_run(nabla_aot_shards *shards, void **const *argvs);
/* Stops and joins the workers; NULL is ignored. */
void nabla_aot_shards_destroy(nabla_aot_shards *shards);

#endif
