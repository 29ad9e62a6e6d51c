/* nabla_aot_create / predict / destroy: binds a compiled kernel's arguments
 * to weights from a .weights file and to the caller's input and output
 * arrays, and runs it with Halide's errors, scratch memory and parallel
 * loops routed to the model (see NablaAot.h). */
#define _POSIX_C_SOURCE 200809L /* dlopen() under -std=c11 */
#include "runtime/aot/NablaAot.h"

#include "runtime/aot/AotError.h"
#include "runtime/aot/AotPool.h"
#include "runtime/aot/AotShards.h"
#include "runtime/aot/AotThreading.h"
#include "runtime/aot/FlushDenormals.h"
#include "runtime/aot/WeightsFile.h"

#include "HalideRuntime.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* What the kernels receive as Halide's user_context (compiled with the
 * user_context feature): where a call's errors and allocations go. The
 * magic tells our handlers this pointer apart from other Halide code's. */
enum { kContextMagic = 0x6e61626c /* "nabl" */ };

typedef struct call_context {
  uint32_t magic;
  pthread_mutex_t mutex; /* Halide reports errors from worker threads too */
  char error[1024];
  nabla_aot_pool pool;
  int serial; /* this call's parallel loops run on the calling thread */
} call_context;

struct nabla_aot_model {
  const nabla_aot_model_spec *spec;
  const struct halide_device_interface_t *device; /* NULL on the CPU */
  nabla_weights *weights;
  halide_buffer_t *buffers;  /* one per argument */
  halide_dimension_t *dims;  /* NABLA_AOT_MAX_RANK per argument */
  void **argv;               /* &context, then the buffers */
  call_context *context_ptr; /* what argv[0] points to */
  pthread_mutex_t run_mutex;
  call_context context;
  nabla_aot_threading threading;
  /* Shards 1 to shard_count - 1 of a sharded call (shard 0 uses the
   * arguments above): their own buffers of the inputs' and outputs' rows,
   * the same weights and context. */
  int shard_count; /* the cores, at most NABLA_AOT_MAX_SHARDS; 0 on a device */
  halide_buffer_t *shard_buffers; /* num_arguments per shard */
  halide_dimension_t *shard_dims;
  void **shard_argv; /* num_arguments + 1 per shard */
  nabla_aot_shards *shards; /* the workers, started by the first sharded call */
};

/* ---- Halide hooks, installed once per process ---- */

static call_context *our_context(void *user_context) {
  call_context *c = (call_context *)user_context;
  return c && c->magic == kContextMagic ? c : NULL;
}

static void on_halide_error(void *user_context, const char *message) {
  call_context *c = our_context(user_context);
  if (!c) {
    fprintf(stderr, "Halide error: %s\n", message ? message : "(no message)");
    return;
  }
  pthread_mutex_lock(&c->mutex);
  if (!c->error[0]) snprintf(c->error, sizeof c->error, "%s", message ? message : "unknown error");
  pthread_mutex_unlock(&c->mutex);
}

static void *on_halide_malloc(void *user_context, size_t size) {
  call_context *c = our_context(user_context);
  if (c) return nabla_aot_pool_allocate(&c->pool, size);
  return aligned_alloc(128, (size + 255) / 128 * 128);
}

static void on_halide_free(void *user_context, void *ptr) {
  call_context *c = our_context(user_context);
  if (c) nabla_aot_pool_release(&c->pool, ptr);
  else free(ptr);
}

/* A call that runs serially does every task of a parallel loop itself, in
 * order; others go to Halide's pool. */
static int on_halide_do_par_for(void *user_context, halide_task_t task, int min, int size,
                                uint8_t *closure) {
  call_context *c = our_context(user_context);
  if (!c || !c->serial) return halide_default_do_par_for(user_context, task, min, size, closure);
  for (int i = min; i < min + size; ++i) {
    int result = task(user_context, i, closure);
    if (result) return result;
  }
  return 0;
}

static pthread_once_t hooks_once = PTHREAD_ONCE_INIT;

/* The default handler prints and aborts; ours records the message so the
 * failing call returns an error instead. */
static void install_hooks(void) {
  halide_set_error_handler(on_halide_error);
  halide_set_custom_malloc(on_halide_malloc);
  halide_set_custom_free(on_halide_free);
  halide_set_custom_do_par_for(on_halide_do_par_for);
}

/* ---- shapes ---- */

static void format_shape(char *out, size_t size, int32_t rank, const int64_t *dims) {
  size_t used = (size_t)snprintf(out, size, "[");
  for (int32_t d = 0; d < rank && used < size; ++d)
    used += (size_t)snprintf(out + used, size - used, d ? ", %lld" : "%lld", (long long)dims[d]);
  if (used < size) snprintf(out + used, size - used, "]");
}

/* Describes a buffer of `arg`'s shape with the batch dim set to `batch`:
 * Halide's dim 0 is the innermost (last) dim, strides dense. */
static void set_dims(halide_dimension_t *dims, const nabla_aot_tensor_spec *arg, int64_t batch) {
  int32_t stride = 1;
  for (int32_t d = arg->rank - 1; d >= 0; --d) {
    int32_t extent = (int32_t)(arg->dims[d] < 0 ? batch : arg->dims[d]);
    halide_dimension_t *h = &dims[arg->rank - 1 - d];
    h->min = 0;
    h->extent = extent;
    h->stride = stride;
    h->flags = 0;
    stride *= extent;
  }
}

/* Elements per batch entry (product of the static dims), or -1 on overflow. */
static int64_t sample_elements(const nabla_aot_tensor_spec *arg) {
  int64_t n = 1;
  for (int32_t d = 0; d < arg->rank; ++d)
    if (arg->dims[d] >= 0) {
      if (arg->dims[d] > 0 && n > INT32_MAX / arg->dims[d]) return -1;
      n *= arg->dims[d];
    }
  return n;
}

static int check_spec(const nabla_aot_model_spec *spec) {
  if (!spec || spec->abi_version != NABLA_AOT_ABI_VERSION || !spec->kernel || !spec->name ||
      spec->num_arguments <= 0 || !spec->arguments) {
    nabla_aot_set_error("invalid model description (a header from another nablac version? "
                        "this runtime's ABI version is %d)", NABLA_AOT_ABI_VERSION);
    return -1;
  }
  for (int32_t i = 0; i < spec->num_arguments; ++i) {
    const nabla_aot_tensor_spec *a = &spec->arguments[i];
    int bad = !a->name || a->rank < 0 || a->rank > NABLA_AOT_MAX_RANK ||
              a->kind < NABLA_AOT_INPUT || a->kind > NABLA_AOT_OUTPUT;
    for (int32_t d = 0; !bad && d < a->rank; ++d)
      bad = a->dims[d] < -1 || (a->dims[d] == -1 && (d != 0 || a->kind == NABLA_AOT_WEIGHT));
    if (bad || sample_elements(a) < 0) {
      nabla_aot_set_error("model '%s': invalid description of argument %d", spec->name, (int)i);
      return -1;
    }
  }
  return 0;
}

/* ---- create / destroy ---- */

static int bind_weight(nabla_aot_model *m, int32_t i, const char *path) {
  const nabla_aot_tensor_spec *arg = &m->spec->arguments[i];
  const nabla_weights_tensor *t = nabla_weights_find(m->weights, arg->name);
  char want[160], have[160];
  if (!t) {
    nabla_aot_set_error("weights file '%s' has no tensor named '%s' (model '%s' needs it)", path,
                        arg->name, m->spec->name);
    return -1;
  }
  int same = t->rank == arg->rank;
  for (int32_t d = 0; same && d < t->rank; ++d) same = t->dims[d] == arg->dims[d];
  if (!same) {
    format_shape(want, sizeof want, arg->rank, arg->dims);
    format_shape(have, sizeof have, t->rank, t->dims);
    nabla_aot_set_error("weights file '%s': tensor '%s' has shape %s, model '%s' needs %s", path,
                        arg->name, have, m->spec->name, want);
    return -1;
  }
  halide_buffer_t *b = &m->buffers[i];
  set_dims(b->dim, arg, 0);
  b->host = (uint8_t *)t->data; /* read only: the kernels never write inputs */
  b->flags = halide_buffer_flag_host_dirty;
  return 0;
}

/* On a GPU target: copies the weights to the device once, which also tells
 * right away whether there is a usable device. */
static int upload_weights(nabla_aot_model *m) {
  const char *target = m->spec->target ? m->spec->target : "";
  const char *device = strstr(target, "cuda") ? "CUDA" : strstr(target, "opencl") ? "OpenCL" : "GPU";
  /* Halide's runtime dlopen()s only libcuda.so / libOpenCL.so (development
   * packages' names) but first looks in the process: drivers ship the
   * versioned names, loaded here. A failure shows in the copy below. */
  if (strstr(target, "cuda")) dlopen("libcuda.so.1", RTLD_NOW | RTLD_GLOBAL);
  if (strstr(target, "opencl")) dlopen("libOpenCL.so.1", RTLD_NOW | RTLD_GLOBAL);
  for (int32_t i = 0; i < m->spec->num_arguments; ++i) {
    if (m->spec->arguments[i].kind != NABLA_AOT_WEIGHT) continue;
    m->context.error[0] = '\0';
    if (halide_copy_to_device(m->context_ptr, &m->buffers[i], m->device) != 0) {
      nabla_aot_set_error("no %s device available for model '%s' (target %s): %s", device,
                          m->spec->name, m->spec->target ? m->spec->target : "?",
                          m->context.error[0] ? m->context.error : "Halide reported no reason");
      return -1;
    }
  }
  return 0;
}

/* Threads a sharded call may use: HL_NUM_THREADS, as for Halide's pool,
 * else the cores. */
static int shard_count(void) {
  const char *threads = getenv("HL_NUM_THREADS");
  long n = threads && *threads ? strtol(threads, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > NABLA_AOT_MAX_SHARDS ? NABLA_AOT_MAX_SHARDS : (int)n;
}

/* The arguments of shards 1 and up: copies of the bound weights' buffers,
 * the inputs and outputs set per call. */
static int init_shards(nabla_aot_model *m) {
  int32_t n = m->spec->num_arguments;
  m->shard_count = shard_count();
  if (m->shard_count < 2) return 0;
  size_t others = (size_t)m->shard_count - 1;
  m->shard_buffers = calloc(others * (size_t)n, sizeof *m->shard_buffers);
  m->shard_dims = calloc(others * (size_t)n * NABLA_AOT_MAX_RANK, sizeof *m->shard_dims);
  m->shard_argv = calloc(others * ((size_t)n + 1), sizeof *m->shard_argv);
  if (!m->shard_buffers || !m->shard_dims || !m->shard_argv) return -1;
  for (size_t k = 0; k < others; ++k) {
    void **argv = &m->shard_argv[k * ((size_t)n + 1)];
    argv[0] = &m->context_ptr;
    for (int32_t i = 0; i < n; ++i) {
      halide_buffer_t *b = &m->shard_buffers[k * (size_t)n + (size_t)i];
      *b = m->buffers[i];
      b->dim = &m->shard_dims[(k * (size_t)n + (size_t)i) * NABLA_AOT_MAX_RANK];
      for (int32_t d = 0; d < b->dimensions; ++d) b->dim[d] = m->buffers[i].dim[d];
      argv[i + 1] = b;
    }
  }
  return 0;
}

nabla_aot_model *nabla_aot_create(const nabla_aot_model_spec *spec, const char *weights_path) {
  if (check_spec(spec) != 0) return NULL;
  pthread_once(&hooks_once, install_hooks);
  nabla_aot_model *m = calloc(1, sizeof *m);
  int32_t n = spec->num_arguments;
  if (m) {
    m->buffers = calloc((size_t)n, sizeof *m->buffers);
    m->dims = calloc((size_t)n * NABLA_AOT_MAX_RANK, sizeof *m->dims);
    m->argv = calloc((size_t)n + 1, sizeof *m->argv);
  }
  if (!m || !m->buffers || !m->dims || !m->argv) {
    nabla_aot_set_error("model '%s': out of memory", spec->name);
    if (m) {
      free(m->buffers);
      free(m->dims);
      free(m->argv);
      free(m);
    }
    return NULL;
  }
  if (nabla_aot_threading_init(&m->threading) != 0) {
    free(m->buffers);
    free(m->dims);
    free(m->argv);
    free(m);
    return NULL;
  }
  m->spec = spec;
  m->device = spec->device_interface ? spec->device_interface() : NULL;
  pthread_mutex_init(&m->run_mutex, NULL);
  m->context.magic = kContextMagic;
  pthread_mutex_init(&m->context.mutex, NULL);
  nabla_aot_pool_init(&m->context.pool);
  m->context_ptr = &m->context;
  m->argv[0] = &m->context_ptr; /* argv passes scalars by address */
  for (int32_t i = 0; i < n; ++i) {
    halide_buffer_t *b = &m->buffers[i];
    b->type.code = halide_type_float;
    b->type.bits = 32;
    b->type.lanes = 1;
    b->dimensions = spec->arguments[i].rank;
    b->dim = &m->dims[(size_t)i * NABLA_AOT_MAX_RANK];
    m->argv[i + 1] = b; /* and buffers as halide_buffer_t pointers */
  }
  m->weights = nabla_weights_read(weights_path);
  if (!m->weights) {
    nabla_aot_destroy(m); /* keeps the reader's message */
    return NULL;
  }
  for (int32_t i = 0; i < n; ++i)
    if (spec->arguments[i].kind == NABLA_AOT_WEIGHT && bind_weight(m, i, weights_path) != 0) {
      nabla_aot_destroy(m);
      return NULL;
    }
  if (!m->device && init_shards(m) != 0) {
    nabla_aot_destroy(m);
    nabla_aot_set_error("model '%s': out of memory", spec->name);
    return NULL;
  }
  if (m->device && upload_weights(m) != 0) {
    char message[2048];
    snprintf(message, sizeof message, "%s", nabla_aot_last_error());
    nabla_aot_destroy(m);
    nabla_aot_set_error("%s", message);
    return NULL;
  }
  return m;
}

void nabla_aot_destroy(nabla_aot_model *m) {
  if (!m) return;
  for (int32_t i = 0; m->device && i < m->spec->num_arguments; ++i)
    if (m->buffers[i].device) halide_device_free(m->context_ptr, &m->buffers[i]);
  nabla_aot_shards_destroy(m->shards); /* before the pool its kernels use */
  free(m->shard_buffers);
  free(m->shard_dims);
  free(m->shard_argv);
  nabla_weights_free(m->weights);
  nabla_aot_pool_destroy(&m->context.pool);
  pthread_mutex_destroy(&m->context.mutex);
  pthread_mutex_destroy(&m->run_mutex);
  free(m->buffers);
  free(m->dims);
  free(m->argv);
  free(m);
}

/* ---- predict ---- */

static double seconds_now(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)now.tv_sec + 1e-9 * (double)now.tv_nsec;
}

/* After a GPU call: results back to the caller's arrays, and the device
 * copies of the caller's arrays freed (the weights stay on the device). */
static int finish_on_device(nabla_aot_model *m, int status) {
  for (int32_t i = 0; i < m->spec->num_arguments; ++i) {
    halide_buffer_t *b = &m->buffers[i];
    int kind = m->spec->arguments[i].kind;
    if (kind == NABLA_AOT_WEIGHT) continue;
    if (status == 0 && kind == NABLA_AOT_OUTPUT) status = halide_copy_to_host(m->context_ptr, b);
    if (b->device) halide_device_free(m->context_ptr, b);
  }
  return status;
}

/* One call in m->shard_count shards of rows, the model's own arguments
 * (set for the whole batch) cut down to shard 0's. */
static int run_sharded(nabla_aot_model *m, int64_t batch) {
  int32_t n = m->spec->num_arguments;
  void **argvs[NABLA_AOT_MAX_SHARDS];
  int64_t first = 0;
  for (int k = 0; k < m->shard_count; ++k) {
    int64_t rows = batch / m->shard_count + (k < batch % m->shard_count);
    argvs[k] = k == 0 ? m->argv : &m->shard_argv[(size_t)(k - 1) * ((size_t)n + 1)];
    for (int32_t i = 0; i < n; ++i) {
      const nabla_aot_tensor_spec *arg = &m->spec->arguments[i];
      if (arg->kind == NABLA_AOT_WEIGHT) continue;
      halide_buffer_t *b = (halide_buffer_t *)argvs[k][i + 1];
      set_dims(b->dim, arg, rows); /* the batch is the outermost dim */
      b->host = m->buffers[i].host + (size_t)first * (size_t)sample_elements(arg) * sizeof(float);
      b->flags = m->buffers[i].flags;
    }
    first += rows;
  }
  return nabla_aot_shards_run(m->shards, argvs);
}

int nabla_aot_predict(nabla_aot_model *m, int64_t batch, const float *const *inputs,
                      float *const *outputs) {
  if (!m || !inputs || !outputs) {
    nabla_aot_set_error("predict: the model, inputs and outputs must not be NULL");
    return -1;
  }
  const nabla_aot_model_spec *spec = m->spec;
  for (int32_t i = 0; i < spec->num_arguments; ++i) {
    const nabla_aot_tensor_spec *arg = &spec->arguments[i];
    int64_t per_sample = sample_elements(arg);
    if (arg->kind != NABLA_AOT_WEIGHT && (batch < 1 || batch > INT32_MAX / (per_sample ? per_sample : 1))) {
      nabla_aot_set_error("model '%s': batch size %lld is out of range (1 to %lld for '%s')",
                          spec->name, (long long)batch,
                          (long long)(INT32_MAX / (per_sample ? per_sample : 1)), arg->name);
      return -1;
    }
  }
  pthread_mutex_lock(&m->run_mutex);
  int32_t in = 0, out = 0;
  for (int32_t i = 0; i < spec->num_arguments; ++i) {
    const nabla_aot_tensor_spec *arg = &spec->arguments[i];
    halide_buffer_t *b = &m->buffers[i];
    if (arg->kind == NABLA_AOT_WEIGHT) continue;
    set_dims(b->dim, arg, batch);
    b->host = arg->kind == NABLA_AOT_INPUT ? (uint8_t *)inputs[in++] : (uint8_t *)outputs[out++];
    b->flags = arg->kind == NABLA_AOT_INPUT ? halide_buffer_flag_host_dirty : 0;
    b->device = 0;
    b->device_interface = NULL;
    if (!b->host) {
      pthread_mutex_unlock(&m->run_mutex);
      nabla_aot_set_error("model '%s': the array for '%s' is NULL", spec->name, arg->name);
      return -1;
    }
  }
  m->context.error[0] = '\0';
  int way = m->device ? NABLA_AOT_WAY_POOL
                      : nabla_aot_threading_way(&m->threading, batch, batch >= m->shard_count &&
                                                                          m->shard_count > 1);
  if (way == NABLA_AOT_WAY_SHARDS && !m->shards &&
      !(m->shards = nabla_aot_shards_create(m->shard_count, spec->kernel)))
    way = NABLA_AOT_WAY_POOL; /* no threads to be had: the batch whole */
  m->context.serial = way != NABLA_AOT_WAY_POOL; /* a shard's loops run on its thread */
  unsigned mxcsr = nabla_flush_denormals_begin();
  double start = seconds_now();
  int status = way == NABLA_AOT_WAY_SHARDS ? run_sharded(m, batch) : spec->kernel(m->argv);
  double elapsed = seconds_now() - start;
  nabla_flush_denormals_end(mxcsr);
  if (status == 0 && !m->device) nabla_aot_threading_record(&m->threading, batch, way, elapsed);
  if (m->device) status = finish_on_device(m, status);
  if (status != 0)
    nabla_aot_set_error("model '%s': the kernel failed (Halide error %d): %s", spec->name, status,
                        m->context.error[0] ? m->context.error : "no message");
  pthread_mutex_unlock(&m->run_mutex);
  return status == 0 ? 0 : -1;
}

int nabla_aot_predict_shaped(nabla_aot_model *m, const float *const *inputs,
                             float *const *outputs, const int64_t *const *shapes,
                             const int32_t *ranks) {
  if (!m || !shapes || !ranks) {
    nabla_aot_set_error("predict: the model, shapes and ranks must not be NULL");
    return -1;
  }
  /* Shapes come inputs first, then outputs; the arguments interleave them. */
  int32_t inputs_total = 0, input = 0, output = 0;
  for (int32_t i = 0; i < m->spec->num_arguments; ++i)
    inputs_total += m->spec->arguments[i].kind == NABLA_AOT_INPUT;
  int64_t batch = -1;
  for (int32_t i = 0; i < m->spec->num_arguments; ++i) {
    const nabla_aot_tensor_spec *arg = &m->spec->arguments[i];
    if (arg->kind == NABLA_AOT_WEIGHT) continue;
    int32_t k = arg->kind == NABLA_AOT_INPUT ? input++ : inputs_total + output++;
    const int64_t *shape = shapes[k];
    int same = shape && ranks[k] == arg->rank;
    for (int32_t d = 0; same && d < arg->rank; ++d) {
      if (arg->dims[d] >= 0) {
        same = shape[d] == arg->dims[d];
      } else {
        if (batch < 0) batch = shape[d];
        same = shape[d] == batch;
      }
    }
    if (!same) {
      char want[160], have[160] = "(none)";
      format_shape(want, sizeof want, arg->rank, arg->dims);
      if (shape && ranks[k] >= 0 && ranks[k] <= NABLA_AOT_MAX_RANK)
        format_shape(have, sizeof have, ranks[k], shape);
      nabla_aot_set_error("model '%s': '%s' has shape %s, expected %s (-1: the batch size%s)",
                          m->spec->name, arg->name, have, want,
                          batch >= 0 ? ", the same for every argument" : "");
      return -1;
    }
  }
  return nabla_aot_predict(m, batch < 0 ? 1 : batch, inputs, outputs);
}
