#include "runtime/aot/WeightsFile.h"

#include "runtime/aot/AotError.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { kHeaderSize = 24, kTrailerSize = 4 };

/* ---- CRC-32 (reflected polynomial 0xEDB88320), table built on first use ---- */

static uint32_t crc_table[256];
static int crc_table_ready;

static void build_crc_table(void) {
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    crc_table[i] = c;
  }
  crc_table_ready = 1; /* racing builders write identical values */
}

uint32_t nabla_weights_crc32(uint32_t crc, const void *data, size_t size) {
  if (!crc_table_ready) build_crc_table();
  const unsigned char *p = (const unsigned char *)data;
  crc = ~crc;
  for (size_t i = 0; i < size; ++i) crc = crc_table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

/* ---- little-endian fields ---- */

static int host_is_little_endian(void) {
  const uint16_t one = 1;
  return *(const unsigned char *)&one == 1;
}

static uint32_t get_u32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const unsigned char *p) {
  return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

static void put_u32(unsigned char *p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = (unsigned char)(v >> (8 * i));
}

static void put_u64(unsigned char *p, uint64_t v) {
  put_u32(p, (uint32_t)v);
  put_u32(p + 4, (uint32_t)(v >> 32));
}

static uint64_t align_up(uint64_t offset) {
  return (offset + NABLA_WEIGHTS_ALIGNMENT - 1) / NABLA_WEIGHTS_ALIGNMENT * NABLA_WEIGHTS_ALIGNMENT;
}

/* product(dims) * 4 bytes, or -1 when it overflows or a dim is negative. */
static int64_t data_bytes(int32_t rank, const int64_t *dims, int64_t *count) {
  int64_t n = 1;
  for (int32_t d = 0; d < rank; ++d) {
    if (dims[d] < 0) return -1;
    if (dims[d] != 0 && n > INT64_MAX / 4 / dims[d]) return -1;
    n *= dims[d];
  }
  *count = n;
  return n * 4;
}

/* ---- reading ---- */

/* Parses the tensor records of a verified file image; 0 or -1 with the error set. */
static int parse_tensors(const char *path, unsigned char *bytes, uint64_t size, nabla_weights *w,
                         char *names) {
  uint64_t pos = kHeaderSize, end = size - kTrailerSize;
  for (int32_t i = 0; i < w->count; ++i) {
    nabla_weights_tensor *t = &w->tensors[i];
    if (end - pos < 4) goto truncated;
    uint32_t length = get_u32(bytes + pos);
    pos += 4;
    if (length == 0 || length > NABLA_WEIGHTS_MAX_NAME) {
      nabla_aot_set_error("weights file '%s': tensor %d has a name of %u bytes (allowed: 1 to %d)",
                          path, (int)i, length, NABLA_WEIGHTS_MAX_NAME);
      return -1;
    }
    if (end - pos < (uint64_t)length + 8) goto truncated;
    memcpy(names, bytes + pos, length);
    names[length] = '\0';
    t->name = names;
    names += length + 1;
    pos += length;
    uint32_t dtype = get_u32(bytes + pos), rank = get_u32(bytes + pos + 4);
    pos += 8;
    if (dtype != NABLA_WEIGHTS_F32) {
      nabla_aot_set_error("weights file '%s': tensor '%s' has element type %u (only %u, f32, is "
                          "supported)", path, t->name, dtype, NABLA_WEIGHTS_F32);
      return -1;
    }
    if (rank > NABLA_WEIGHTS_MAX_RANK) {
      nabla_aot_set_error("weights file '%s': tensor '%s' has rank %u (at most %d)", path,
                          t->name, rank, NABLA_WEIGHTS_MAX_RANK);
      return -1;
    }
    t->rank = (int32_t)rank;
    if (end - pos < 8ull * rank) goto truncated;
    for (uint32_t d = 0; d < rank; ++d) t->dims[d] = (int64_t)get_u64(bytes + pos + 8 * d);
    pos = align_up(pos + 8ull * rank);
    int64_t nbytes = data_bytes(t->rank, t->dims, &t->count);
    if (nbytes < 0) {
      nabla_aot_set_error("weights file '%s': tensor '%s' has a negative dimension or too many "
                          "elements", path, t->name);
      return -1;
    }
    if (pos > end || end - pos < (uint64_t)nbytes) goto truncated;
    t->data = (const float *)(bytes + pos);
    pos += (uint64_t)nbytes;
    continue;
  truncated:
    nabla_aot_set_error("weights file '%s': tensor %d runs past the end of the tensor data "
                        "(malformed file)", path, (int)i);
    return -1;
  }
  if (pos != end) {
    nabla_aot_set_error("weights file '%s': %llu bytes after the last of %d tensors (malformed "
                        "file)", path, (unsigned long long)(end - pos), (int)w->count);
    return -1;
  }
  return 0;
}

nabla_weights *nabla_weights_read(const char *path) {
  if (!path) {
    nabla_aot_set_error("no weights file given (NULL path)");
    return NULL;
  }
  if (!host_is_little_endian()) {
    nabla_aot_set_error("weights file '%s': big-endian hosts are not supported", path);
    return NULL;
  }
  FILE *file = fopen(path, "rb");
  if (!file) {
    nabla_aot_set_error("cannot open weights file '%s': %s", path, strerror(errno));
    return NULL;
  }
  nabla_weights *w = NULL;
  unsigned char *bytes = NULL;
  unsigned char header[kHeaderSize];
  long actual = -1;
  if (fseek(file, 0, SEEK_END) == 0) actual = ftell(file);
  if (actual < 0 || fseek(file, 0, SEEK_SET) != 0) {
    nabla_aot_set_error("cannot read weights file '%s': %s", path, strerror(errno));
    goto fail;
  }
  if ((size_t)actual < sizeof header || fread(header, 1, sizeof header, file) != sizeof header) {
    nabla_aot_set_error("weights file '%s' is truncated: %ld bytes, shorter than the %d-byte "
                        "header", path, actual, kHeaderSize);
    goto fail;
  }
  if (memcmp(header, NABLA_WEIGHTS_MAGIC, 8) != 0) {
    nabla_aot_set_error("'%s' is not a nabla weights file (bad magic: expected \"%s\")", path,
                        NABLA_WEIGHTS_MAGIC);
    goto fail;
  }
  uint32_t version = get_u32(header + 8), count = get_u32(header + 12);
  uint64_t size = get_u64(header + 16);
  if (version != NABLA_WEIGHTS_VERSION) {
    nabla_aot_set_error("weights file '%s' has format version %u; this library reads version %u",
                        path, version, NABLA_WEIGHTS_VERSION);
    goto fail;
  }
  if ((uint64_t)actual < size) {
    nabla_aot_set_error("weights file '%s' is truncated: the header says %llu bytes, the file "
                        "has %ld", path, (unsigned long long)size, actual);
    goto fail;
  }
  if ((uint64_t)actual > size || size < kHeaderSize + kTrailerSize) {
    nabla_aot_set_error("weights file '%s' has %ld bytes, but its header says %llu (malformed "
                        "or appended to)", path, actual, (unsigned long long)size);
    goto fail;
  }
  if (count > (size - kHeaderSize) / 12) { /* each record takes at least 12 bytes */
    nabla_aot_set_error("weights file '%s': %u tensors cannot fit in %llu bytes (malformed file)",
                        path, count, (unsigned long long)size);
    goto fail;
  }
  /* One aligned block: the file image (tensor data stays where it is), then
   * room for the NUL-terminated names (each at most as long as its record). */
  size_t image = (size_t)align_up(size);
  bytes = aligned_alloc(NABLA_WEIGHTS_ALIGNMENT, (size_t)align_up(image + size + count));
  w = calloc(1, sizeof *w);
  if (w) w->tensors = calloc(count ? count : 1, sizeof *w->tensors);
  if (!bytes || !w || !w->tensors) {
    nabla_aot_set_error("weights file '%s': out of memory for %llu bytes", path,
                        (unsigned long long)size);
    goto fail;
  }
  memcpy(bytes, header, sizeof header);
  if (fread(bytes + sizeof header, 1, size - sizeof header, file) != size - sizeof header) {
    nabla_aot_set_error("cannot read weights file '%s': %s", path,
                        ferror(file) ? strerror(errno) : "unexpected end of file");
    goto fail;
  }
  uint32_t stored = get_u32(bytes + size - kTrailerSize);
  uint32_t computed = nabla_weights_crc32(0, bytes, size - kTrailerSize);
  if (stored != computed) {
    nabla_aot_set_error("weights file '%s' is corrupt: checksum mismatch (stored %08x, "
                        "computed %08x)", path, stored, computed);
    goto fail;
  }
  w->count = (int32_t)count;
  w->storage = bytes;
  if (parse_tensors(path, bytes, size, w, (char *)bytes + image) != 0) goto fail;
  fclose(file);
  return w;

fail:
  fclose(file);
  if (w) {
    w->storage = NULL;
    nabla_weights_free(w);
  }
  free(bytes);
  return NULL;
}

const nabla_weights_tensor *nabla_weights_find(const nabla_weights *weights, const char *name) {
  if (!weights || !name) return NULL;
  for (int32_t i = 0; i < weights->count; ++i)
    if (strcmp(weights->tensors[i].name, name) == 0) return &weights->tensors[i];
  return NULL;
}

void nabla_weights_free(nabla_weights *weights) {
  if (!weights) return;
  free(weights->tensors);
  free(weights->storage);
  free(weights);
}

/* ---- writing ---- */

static int check_tensors(const char *path, int32_t count, const nabla_weights_tensor *tensors,
                         uint64_t *size) {
  uint64_t pos = kHeaderSize;
  for (int32_t i = 0; i < count; ++i) {
    const nabla_weights_tensor *t = &tensors[i];
    size_t length = t->name ? strlen(t->name) : 0;
    if (length == 0 || length > NABLA_WEIGHTS_MAX_NAME) {
      nabla_aot_set_error("writing weights file '%s': tensor %d needs a name of 1 to %d bytes",
                          path, (int)i, NABLA_WEIGHTS_MAX_NAME);
      return -1;
    }
    for (int32_t j = 0; j < i; ++j)
      if (strcmp(tensors[j].name, t->name) == 0) {
        nabla_aot_set_error("writing weights file '%s': two tensors are named '%s'", path, t->name);
        return -1;
      }
    int64_t elements = 0;
    int64_t nbytes = t->rank < 0 || t->rank > NABLA_WEIGHTS_MAX_RANK
                         ? -1 : data_bytes(t->rank, t->dims, &elements);
    if (nbytes < 0 || elements != t->count || (elements > 0 && !t->data)) {
      nabla_aot_set_error("writing weights file '%s': tensor '%s' has an invalid rank, dims, "
                          "count or data pointer", path, t->name);
      return -1;
    }
    pos = align_up(pos + 12 + length + 8ull * (uint64_t)t->rank) + (uint64_t)nbytes;
  }
  *size = pos + kTrailerSize;
  return 0;
}

/* Writes `size` bytes and folds them into the CRC; 0 or -1. */
static int emit(FILE *file, const void *data, size_t size, uint32_t *crc) {
  *crc = nabla_weights_crc32(*crc, data, size);
  return size == 0 || fwrite(data, 1, size, file) == size ? 0 : -1;
}

static int write_records(FILE *file, uint64_t size, int32_t count,
                         const nabla_weights_tensor *tensors, uint32_t *crc) {
  static const unsigned char zeros[NABLA_WEIGHTS_ALIGNMENT];
  unsigned char field[8 * (NABLA_WEIGHTS_MAX_RANK + 3)];
  memcpy(field, NABLA_WEIGHTS_MAGIC, 8);
  put_u32(field + 8, NABLA_WEIGHTS_VERSION);
  put_u32(field + 12, (uint32_t)count);
  put_u64(field + 16, size);
  if (emit(file, field, kHeaderSize, crc)) return -1;
  uint64_t pos = kHeaderSize;
  for (int32_t i = 0; i < count; ++i) {
    const nabla_weights_tensor *t = &tensors[i];
    uint32_t length = (uint32_t)strlen(t->name);
    put_u32(field, length);
    if (emit(file, field, 4, crc) || emit(file, t->name, length, crc)) return -1;
    put_u32(field, NABLA_WEIGHTS_F32);
    put_u32(field + 4, (uint32_t)t->rank);
    for (int32_t d = 0; d < t->rank; ++d) put_u64(field + 8 + 8 * d, (uint64_t)t->dims[d]);
    size_t fields = 8 + 8 * (size_t)t->rank;
    if (emit(file, field, fields, crc)) return -1;
    pos += 4 + length + fields;
    if (emit(file, zeros, (size_t)(align_up(pos) - pos), crc)) return -1;
    pos = align_up(pos) + 4 * (uint64_t)t->count;
    if (emit(file, t->data, 4 * (size_t)t->count, crc)) return -1;
  }
  return 0;
}

/* fsyncs the directory holding `path`, so that a rename into it survives a
 * crash (without it the old directory entry may come back); 0 or -1. */
static int sync_parent_directory(const char *path) {
  const char *slash = strrchr(path, '/');
  size_t length = slash ? (size_t)(slash - path) : 1;
  if (slash && length == 0) length = 1; /* a file in "/" */
  char *dir = malloc(length + 1);
  if (!dir) return -1;
  if (slash) memcpy(dir, path, length);
  else dir[0] = '.';
  dir[length] = '\0';
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  free(dir);
  if (fd < 0) return -1;
  int rc = fsync(fd);
  int saved = errno;
  close(fd);
  errno = saved;
  return rc;
}

int nabla_weights_write(const char *path, int32_t count, const nabla_weights_tensor *tensors) {
  if (!path || count < 0 || (count > 0 && !tensors)) {
    nabla_aot_set_error("nabla_weights_write: invalid arguments");
    return -1;
  }
  if (!host_is_little_endian()) {
    nabla_aot_set_error("writing weights file '%s': big-endian hosts are not supported", path);
    return -1;
  }
  uint64_t size;
  if (check_tensors(path, count, tensors, &size) != 0) return -1;
  size_t tmp_length = strlen(path) + 5;
  char *tmp = malloc(tmp_length);
  if (!tmp) {
    nabla_aot_set_error("writing weights file '%s': out of memory", path);
    return -1;
  }
  snprintf(tmp, tmp_length, "%s.tmp", path);
  FILE *file = fopen(tmp, "wb");
  if (!file) {
    nabla_aot_set_error("cannot create '%s': %s", tmp, strerror(errno));
    free(tmp);
    return -1;
  }
  uint32_t crc = 0;
  unsigned char trailer[4];
  int failed = write_records(file, size, count, tensors, &crc);
  put_u32(trailer, crc);
  if (!failed) failed = fwrite(trailer, 1, 4, file) != 4;
  /* The data must be on disk before the rename makes it the weights file:
   * otherwise a crash can leave a complete-looking name over missing data. */
  if (!failed) failed = fflush(file) != 0 || fsync(fileno(file)) != 0;
  if (fclose(file) != 0) failed = 1;
  if (!failed && rename(tmp, path) != 0) failed = 1;
  if (failed) {
    nabla_aot_set_error("cannot write weights file '%s': %s", path, strerror(errno));
    remove(tmp);
    free(tmp);
    return -1;
  }
  free(tmp);
  if (sync_parent_directory(path) != 0) {
    nabla_aot_set_error("wrote weights file '%s', but cannot fsync its directory: %s", path,
                        strerror(errno));
    return -1;
  }
  return 0;
}
