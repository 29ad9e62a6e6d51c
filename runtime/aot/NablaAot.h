/* The nabla AOT runtime: what every library nablac writes links, and what its
 * generated header calls. A generated header (e.g. simple_convnet.h) wraps
 * these functions with model-named ones and a description of the model (a
 * nabla_aot_model_spec); use those. This part is the same for every model.
 *
 * Errors: functions that fail return NULL or a non-zero int and set a
 * per-thread message, read with nabla_aot_last_error(). Nothing aborts,
 * including Halide run-time errors (a missing CUDA device, failed bounds
 * checks): the runtime installs a Halide error handler that routes them to
 * that message. */
#ifndef NABLA_AOT_H
#define NABLA_AOT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NABLA_AOT_ABI_VERSION 1
#define NABLA_AOT_MAX_RANK 8

struct halide_device_interface_t;

/* What an argument of the compiled kernel is. */
typedef enum nabla_aot_kind {
  NABLA_AOT_INPUT = 0,  /* given to predict, batch-sized */
  NABLA_AOT_WEIGHT = 1, /* loaded from the weights file by name, fixed shape */
  NABLA_AOT_OUTPUT = 2  /* written by predict, batch-sized */
} nabla_aot_kind;

/* One f32 argument; dims[d] == -1 marks the batch dimension. */
typedef struct nabla_aot_tensor_spec {
  const char *name;
  int32_t kind;
  int32_t rank;
  int64_t dims[NABLA_AOT_MAX_RANK];
} nabla_aot_tensor_spec;

/* A compiled model: its kernel (Halide's argv entry point: a pointer to the
 * call's context, then one halide_buffer_t per argument in `arguments`
 * order) and the device interface its buffers use (NULL on the CPU). */
typedef struct nabla_aot_model_spec {
  int32_t abi_version; /* NABLA_AOT_ABI_VERSION */
  const char *name;    /* "simple_convnet" */
  const char *target;  /* the Halide target string it was compiled for */
  int (*kernel)(void **args);
  const struct halide_device_interface_t *(*device_interface)(void);
  int32_t num_arguments;
  const nabla_aot_tensor_spec *arguments;
} nabla_aot_model_spec;

typedef struct nabla_aot_model nabla_aot_model;

/* Loads and checks the weights (every WEIGHT argument must be in the file
 * with exactly its shape) and, on a GPU target, copies them to the device.
 * Returns NULL on failure (see nabla_aot_last_error). */
nabla_aot_model *nabla_aot_create(const nabla_aot_model_spec *spec, const char *weights_path);

/* Runs the model on `batch` samples. inputs[i] / outputs[i] point to the
 * i-th INPUT / OUTPUT argument (in `arguments` order), row-major, with the
 * batch dimension set to `batch`. Returns 0, or non-zero with the last error
 * set. Calls on one model are serialized; distinct models run concurrently. */
int nabla_aot_predict(nabla_aot_model *model, int64_t batch, const float *const *inputs,
                      float *const *outputs);

/* As nabla_aot_predict, with every input's and output's shape given by the
 * caller (shapes[i] has ranks[i] dims, inputs first, then outputs); the call
 * fails with a message naming the argument when one does not match the
 * model or when the batch sizes differ. */
int nabla_aot_predict_shaped(nabla_aot_model *model, const float *const *inputs,
                             float *const *outputs, const int64_t *const *shapes,
                             const int32_t *ranks);

/* Frees the model (NULL is allowed). */
void nabla_aot_destroy(nabla_aot_model *model);

/* This thread's last error message ("" when none). */
const char *nabla_aot_last_error(void);

#ifdef __cplusplus
}
#endif

#endif
