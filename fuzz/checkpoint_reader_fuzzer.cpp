// Fuzzes the checkpoint reader. Random bytes almost never carry the right
// magic, version and CRC-32, so mutations would stop at the envelope checks;
// the first input byte therefore picks a mode:
//   even: the rest is the checkpoint file as-is (envelope checks),
//   odd:  the rest is the Payload, wrapped here in a valid envelope with its
//         true CRC, so the tensor record checks (dtype, shape, byte counts,
//         duplicates) see mutated data.
// Every input must load or be rejected with nabla::Error.
#include "fuzz/MemoryFile.h"
#include "runtime/Checkpoint.h"
#include "runtime/Error.h"
#include "runtime/checkpoint.pb.h"

#include <zlib.h>

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  const bool wrapPayload = data[0] & 1;
  std::string rest(reinterpret_cast<const char *>(data) + 1, size - 1);
  std::string bytes = rest;
  if (wrapPayload) {
    nabla::checkpoint::CheckpointFile file;
    file.set_magic("nabla-checkpoint");
    file.set_format_version(nabla::kCheckpointFormatVersion);
    file.set_payload(rest);
    file.set_payload_crc32(uint32_t(
        crc32(0L, reinterpret_cast<const Bytef *>(rest.data()), uInt(rest.size()))));
    bytes = file.SerializeAsString();
  }
  nabla::fuzz::MemoryFile file(bytes.data(), bytes.size());
  try {
    nabla::Checkpoint loaded = nabla::loadCheckpoint(file.path());
    // Touch every tensor's bytes so a size that disagrees with the buffer
    // shows up as an out-of-bounds read.
    volatile unsigned char sink = 0;
    for (const auto *group : {&loaded.parameters, &loaded.optimizerState})
      for (const nabla::NamedTensor &t : *group) {
        const auto *p = static_cast<const unsigned char *>(t.tensor.rawData());
        for (size_t i = 0; i < t.tensor.bytes(); ++i) sink = sink ^ p[i];
      }
  } catch (const nabla::Error &) {
  }
  return 0;
}
