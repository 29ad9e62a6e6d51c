// Fuzzes the IDX reader (MNIST / Fashion-MNIST files, raw or gzip): every
// input either reads to dims whose product is the data size or is rejected
// with nabla::Error.
#include "fuzz/MemoryFile.h"
#include "runtime/Error.h"
#include "runtime/Idx.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  nabla::fuzz::MemoryFile file(data, size);
  try {
    nabla::IdxArray array = nabla::readIdx(file.path());
    uint64_t count = 1;
    for (int64_t d : array.dims) count *= uint64_t(d);
    if (array.dims.empty() || count != array.data.size()) std::abort(); // broken promise
  } catch (const nabla::Error &) {
  }
  return 0;
}
