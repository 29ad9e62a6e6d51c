// Reader for IDX files, the format of MNIST and Fashion-MNIST: a big-endian
// header (two zero bytes, a type code, the rank, then one uint32 per
// dimension) followed by the row-major data. Files may be gzip-compressed or
// raw; zlib's gz* API reads both. Only the unsigned-byte type (0x08) is
// supported: it is the only one the image and label files use.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nabla {

struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> data; // row-major, product(dims) bytes
};

/// Reads an IDX file (gzip or raw). Throws nabla::Error naming the file and
/// what was expected vs found for: a missing or unreadable file, a corrupt gzip
/// stream, a bad magic, an unsupported type code, a dimension product that
/// overflows, truncated data, or bytes after the data.
IdxArray readIdx(const std::string &path);

} // namespace nabla
