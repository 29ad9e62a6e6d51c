/* The .weights file of AOT-compiled models: named f32 tensors, readable
 * without protobuf, MLIR or Halide (AOT binaries link only this C code).
 *
 * Layout, all integers little-endian:
 *
 *   header   char magic[8] = "NABLAWTS"
 *            u32  format version (NABLA_WEIGHTS_VERSION)
 *            u32  tensor count
 *            u64  file size in bytes, trailer included (finds truncation)
 *   tensors  u32  name length (1..NABLA_WEIGHTS_MAX_NAME), the name (no NUL)
 *            u32  element type (NABLA_WEIGHTS_F32, the only one)
 *            u32  rank (0..NABLA_WEIGHTS_MAX_RANK), i64 dims[rank] (>= 0)
 *            zero bytes up to the next multiple of 64 from the file start
 *            the elements, row-major, 4 bytes each
 *   trailer  u32  CRC-32 (IEEE 802.3, as zlib's crc32) of all bytes before it
 *
 * Tensor data starts 64-byte aligned, so a reader that loads the file into a
 * 64-byte-aligned block hands the tensors to the kernels without copies. */
#ifndef NABLA_AOT_WEIGHTS_FILE_H
#define NABLA_AOT_WEIGHTS_FILE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NABLA_WEIGHTS_MAGIC "NABLAWTS"
#define NABLA_WEIGHTS_VERSION 1u
#define NABLA_WEIGHTS_F32 1u
#define NABLA_WEIGHTS_MAX_RANK 8
#define NABLA_WEIGHTS_MAX_NAME 1024
#define NABLA_WEIGHTS_ALIGNMENT 64

typedef struct nabla_weights_tensor {
  const char *name;
  int32_t rank;
  int64_t dims[NABLA_WEIGHTS_MAX_RANK];
  int64_t count; /* product of dims */
  const float *data;
} nabla_weights_tensor;

typedef struct nabla_weights {
  int32_t count;
  nabla_weights_tensor *tensors;
  void *storage; /* the file's bytes and the names; owned */
} nabla_weights;

/* Reads and verifies a weights file. On any problem (missing file, bad
 * magic, unsupported version, truncated or oversized file, checksum
 * mismatch, malformed record) returns NULL and sets the last error to a
 * message naming the file and what was expected vs found. */
nabla_weights *nabla_weights_read(const char *path);

/* The tensor named `name`, or NULL. */
const nabla_weights_tensor *nabla_weights_find(const nabla_weights *weights, const char *name);

void nabla_weights_free(nabla_weights *weights);

/* Writes `count` tensors to `path` through a temporary file renamed over it,
 * so readers never see a half-written file. Returns 0, or -1 with the last
 * error set (duplicate or invalid name, bad rank or dims, I/O failure). */
int nabla_weights_write(const char *path, int32_t count, const nabla_weights_tensor *tensors);

/* Continues a CRC-32 over `size` bytes (start with crc = 0). */
uint32_t nabla_weights_crc32(uint32_t crc, const void *data, size_t size);

#ifdef __cplusplus
}
#endif

#endif
