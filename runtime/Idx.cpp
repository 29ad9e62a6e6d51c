#include "runtime/Idx.h"

#include "runtime/Error.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>

namespace nabla {
namespace {

constexpr uint8_t kUnsignedByteType = 0x08;
// Beyond this the data is read in growing chunks, so a corrupt gzip header
// that claims more than the stream holds fails on truncation instead of on a
// giant allocation.
constexpr size_t kMaxUpfrontReserve = size_t(256) << 20;
constexpr size_t kReadChunk = size_t(4) << 20;
// deflate's largest expansion: a 258-byte match costs at least two bits.
constexpr uint64_t kMaxDeflateRatio = 1032;

const char *idxTypeName(uint8_t code) {
  switch (code) {
  case 0x08: return "unsigned byte";
  case 0x09: return "signed byte";
  case 0x0B: return "int16";
  case 0x0C: return "int32";
  case 0x0D: return "float32";
  case 0x0E: return "float64";
  default: return "unknown";
  }
}

std::string hexByte(uint8_t b) {
  static const char digits[] = "0123456789abcdef";
  return std::string("0x") + digits[b >> 4] + digits[b & 15];
}

// Owns a gzFile and turns zlib's error reporting into nabla::Error.
class GzReader {
public:
  explicit GzReader(const std::string &path) : path_(path) {
    std::error_code ec;
    auto status = std::filesystem::status(path, ec);
    if (!std::filesystem::exists(status))
      throw Error(path + ": IDX file not found");
    if (!std::filesystem::is_regular_file(status))
      throw Error(path + ": not a regular file (expected an IDX file)");
    errno = 0;
    file_ = gzopen(path.c_str(), "rb");
    if (!file_)
      throw Error(path + ": cannot open IDX file: " +
                  (errno ? std::strerror(errno) : "zlib out of memory"));
    gzbuffer(file_, 1 << 17);
    fileBytes_ = std::filesystem::file_size(path, ec);
    if (ec) throw Error(path + ": cannot read the IDX file's size: " + ec.message());
  }
  ~GzReader() {
    if (file_) gzclose_r(file_);
  }
  GzReader(const GzReader &) = delete;
  GzReader &operator=(const GzReader &) = delete;

  /// Reads up to `size` bytes; returns how many were read (short only at end of
  /// stream). A corrupt or truncated gzip stream throws.
  size_t read(void *dest, size_t size) {
    size_t total = 0;
    while (total < size) {
      unsigned want = unsigned(std::min<size_t>(size - total, 1u << 30));
      int got = gzread(file_, static_cast<char *>(dest) + total, want);
      if (got < 0) {
        throw Error(path_ + ": cannot read " + kind() + " at decompressed offset " +
                    std::to_string(offset_ + total) + ": " + zlibMessage());
      }
      if (got == 0) {
        // zlib reports a gzip stream that ends early as end of file plus an
        // error code, not as a failed read.
        int code = Z_OK;
        gzerror(file_, &code);
        if (code != Z_OK)
          throw Error(path_ + ": truncated or corrupt " + kind() + " at decompressed offset " +
                      std::to_string(offset_ + total) + ": " + zlibMessage());
        break;
      }
      total += size_t(got);
    }
    offset_ += total;
    return total;
  }

  uint64_t offset() const { return offset_; }
  bool compressed() const { return !gzdirect(file_); }
  uint64_t fileBytes() const { return fileBytes_; }
  /// The most bytes the whole stream can hold: a raw file its size, a gzip
  /// stream deflate's largest ratio times its size (plus a block's slack).
  uint64_t maxBytes() const {
    return compressed() ? fileBytes_ * kMaxDeflateRatio + kMaxDeflateRatio : fileBytes_;
  }
  std::string kind() const { return gzdirect(file_) ? "raw IDX file" : "gzip stream"; }

private:
  // zlib's message, without the "<path>: " prefix it adds (ours has the path).
  std::string zlibMessage() const {
    int code = Z_OK;
    std::string message = gzerror(file_, &code);
    if (message.starts_with(path_ + ": ")) message.erase(0, path_.size() + 2);
    return message;
  }

  std::string path_;
  gzFile file_ = nullptr;
  uint64_t offset_ = 0;
  uint64_t fileBytes_ = 0;
};

uint32_t bigEndian32(const uint8_t *p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
}

} // namespace

IdxArray readIdx(const std::string &path) {
  GzReader in(path);

  uint8_t magic[4];
  size_t got = in.read(magic, 4);
  if (got < 4)
    throw Error(path + ": truncated IDX header: expected a 4-byte magic, found " +
                std::to_string(got) + " bytes");
  if (magic[0] != 0 || magic[1] != 0)
    throw Error(path + ": bad IDX magic at offset 0: expected 0x00 0x00 <type> <rank>, found " +
                hexByte(magic[0]) + " " + hexByte(magic[1]) + " " + hexByte(magic[2]) + " " +
                hexByte(magic[3]));
  if (magic[2] != kUnsignedByteType)
    throw Error(path + ": unsupported IDX type code " + hexByte(magic[2]) + " (" +
                idxTypeName(magic[2]) + ") at offset 2: expected 0x08 (unsigned byte)");
  int rank = magic[3];
  if (rank == 0)
    throw Error(path + ": IDX rank at offset 3 is 0: expected at least 1 dimension");

  IdxArray result;
  std::vector<uint8_t> dimBytes(size_t(rank) * 4);
  got = in.read(dimBytes.data(), dimBytes.size());
  if (got < dimBytes.size())
    throw Error(path + ": truncated IDX header: expected " + std::to_string(rank) +
                " dimensions (" + std::to_string(dimBytes.size()) + " bytes at offset 4), found " +
                std::to_string(got) + " bytes");
  uint64_t count = 1;
  for (int i = 0; i < rank; ++i) {
    uint32_t d = bigEndian32(&dimBytes[size_t(i) * 4]);
    result.dims.push_back(d);
    // Element count must fit in int64 (Tensor's numel) and in size_t.
    if (__builtin_mul_overflow(count, uint64_t(d), &count) || count > uint64_t(INT64_MAX))
      throw Error(path + ": IDX dimensions overflow: the product of the " + std::to_string(rank) +
                  " dimensions (dimension " + std::to_string(i) + " = " + std::to_string(d) +
                  ") exceeds 2^63 elements");
  }

  const uint64_t headerBytes = in.offset();
  // A header that claims more than the file can hold fails before anything is
  // allocated (raw: exactly the truncation the read below would find).
  const uint64_t room = in.maxBytes() > headerBytes ? in.maxBytes() - headerBytes : 0;
  if (count > room) {
    if (!in.compressed())
      throw Error(path + ": truncated IDX data: expected " + std::to_string(count) +
                  " bytes after the " + std::to_string(headerBytes) + "-byte header, found " +
                  std::to_string(room));
    throw Error(path + ": truncated IDX data: expected " + std::to_string(count) +
                " bytes after the " + std::to_string(headerBytes) + "-byte header, more than a " +
                std::to_string(in.fileBytes()) + "-byte gzip file can hold (at most " +
                std::to_string(room) + ")");
  }
  result.data.reserve(size_t(std::min<uint64_t>(count, kMaxUpfrontReserve)));
  uint64_t filled = 0;
  while (filled < count) {
    size_t step = size_t(std::min<uint64_t>(count - filled, kReadChunk));
    result.data.resize(size_t(filled) + step);
    size_t n = in.read(result.data.data() + filled, step);
    filled += n;
    if (n < step)
      throw Error(path + ": truncated IDX data: expected " + std::to_string(count) +
                  " bytes after the " + std::to_string(headerBytes) + "-byte header, found " +
                  std::to_string(filled));
  }

  uint8_t extra[256];
  size_t trailing = 0;
  while (size_t n = in.read(extra, sizeof extra)) trailing += n;
  if (trailing)
    throw Error(path + ": trailing garbage after IDX data: expected the data to end at offset " +
                std::to_string(headerBytes + count) + ", found " + std::to_string(trailing) +
                " more bytes");
  return result;
}

} // namespace nabla
