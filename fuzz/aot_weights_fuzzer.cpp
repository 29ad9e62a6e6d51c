// Fuzzes the AOT runtime's .weights reader (C, runtime/aot/WeightsFile.c).
// As for checkpoints, the first byte picks a mode:
//   even: the rest is the file as-is,
//   odd:  the harness writes the true file size into the header and the true
//         CRC-32 into the trailer, so mutations reach the record parser.
// Every input must load or return NULL with an error message; a loaded file's
// tensors must lie inside the buffer (ASan checks the reads below).
#include "fuzz/MemoryFile.h"
#include "runtime/aot/AotError.h"
#include "runtime/aot/WeightsFile.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

// Offsets from the layout in WeightsFile.h.
constexpr size_t kSizeField = 16, kHeaderSize = 24, kTrailerSize = 4;

void putLittleEndian(std::string &bytes, size_t at, uint64_t value, int width) {
  for (int i = 0; i < width; ++i) bytes[at + size_t(i)] = char((value >> (8 * i)) & 0xff);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  std::string bytes(reinterpret_cast<const char *>(data) + 1, size - 1);
  if ((data[0] & 1) && bytes.size() >= kHeaderSize + kTrailerSize) {
    putLittleEndian(bytes, kSizeField, bytes.size(), 8);
    uint32_t crc = nabla_weights_crc32(0, bytes.data(), bytes.size() - kTrailerSize);
    putLittleEndian(bytes, bytes.size() - kTrailerSize, crc, 4);
  }
  nabla::fuzz::MemoryFile file(bytes.data(), bytes.size());
  nabla_weights *weights = nabla_weights_read(file.path().c_str());
  if (!weights) {
    // A rejection must say why.
    const char *message = nabla_aot_last_error();
    if (!message || !*message) std::abort();
    return 0;
  }
  volatile float sink = 0;
  for (int32_t i = 0; i < weights->count; ++i) {
    const nabla_weights_tensor &t = weights->tensors[i];
    if (nabla_weights_find(weights, t.name) == nullptr) std::abort();
    for (int64_t k = 0; k < t.count; ++k) sink = sink + t.data[k];
  }
  nabla_weights_free(weights);
  return 0;
}
