// IDX reader: small generated files, raw and gzipped, and every kind of
// corruption the reader must report.
#include "runtime/Idx.h"

#include "tests/unit/FileTestSupport.h"

#include <zlib.h>

#include <numeric>

namespace nabla {
namespace {

using testing::expectError;
using testing::TempDir;
using testing::writeBytes;

// Header: 0x00 0x00 type rank, then each dimension as big-endian uint32.
std::vector<uint8_t> idxHeader(uint8_t type, const std::vector<uint32_t> &dims) {
  std::vector<uint8_t> bytes = {0, 0, type, uint8_t(dims.size())};
  for (uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(uint8_t(d >> shift));
  return bytes;
}

std::vector<uint8_t> idxFile(const std::vector<uint32_t> &dims, const std::vector<uint8_t> &data) {
  std::vector<uint8_t> bytes = idxHeader(0x08, dims);
  bytes.insert(bytes.end(), data.begin(), data.end());
  return bytes;
}

void writeGzip(const std::string &path, const std::vector<uint8_t> &bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, bytes.data(), unsigned(bytes.size())), int(bytes.size()));
  ASSERT_EQ(gzclose(f), Z_OK);
}

std::vector<uint8_t> iota(size_t n) {
  std::vector<uint8_t> v(n);
  std::iota(v.begin(), v.end(), uint8_t(0));
  return v;
}

TEST(IdxTest, ReadsRawFile) {
  TempDir dir;
  writeBytes(dir.file("a.idx"), idxFile({3, 2, 2}, iota(12)));
  IdxArray a = readIdx(dir.file("a.idx"));
  EXPECT_EQ(a.dims, (std::vector<int64_t>{3, 2, 2}));
  EXPECT_EQ(a.data, iota(12));
}

TEST(IdxTest, ReadsGzipFile) {
  TempDir dir;
  std::vector<uint8_t> data = {7, 0, 255, 3, 9};
  writeGzip(dir.file("l.idx.gz"), idxFile({5}, data));
  IdxArray a = readIdx(dir.file("l.idx.gz"));
  EXPECT_EQ(a.dims, (std::vector<int64_t>{5}));
  EXPECT_EQ(a.data, data);
}

TEST(IdxTest, ReadsEmptyArray) {
  TempDir dir;
  writeBytes(dir.file("e.idx"), idxFile({0, 28, 28}, {}));
  IdxArray a = readIdx(dir.file("e.idx"));
  EXPECT_EQ(a.dims, (std::vector<int64_t>{0, 28, 28}));
  EXPECT_TRUE(a.data.empty());
}

TEST(IdxTest, MissingFile) {
  TempDir dir;
  expectError([&] { readIdx(dir.file("nope.gz")); }, {dir.file("nope.gz"), "not found"});
}

TEST(IdxTest, DirectoryIsNotAFile) {
  TempDir dir;
  expectError([&] { readIdx(dir.path().string()); }, {"not a regular file"});
}

TEST(IdxTest, BadMagic) {
  TempDir dir;
  std::vector<uint8_t> bytes = idxFile({2}, {1, 2});
  bytes[0] = 0x1f; // e.g. a gzip file with its first byte kept, second damaged
  bytes[1] = 0x00;
  writeBytes(dir.file("m.idx"), bytes);
  expectError([&] { readIdx(dir.file("m.idx")); },
              {dir.file("m.idx"), "bad IDX magic", "expected 0x00 0x00", "found 0x1f 0x00 0x08 0x01"});
}

TEST(IdxTest, UnsupportedType) {
  TempDir dir;
  std::vector<uint8_t> bytes = idxHeader(0x0D, {1});
  bytes.insert(bytes.end(), {0, 0, 0x80, 0x3f}); // 1.0f
  writeBytes(dir.file("f.idx"), bytes);
  expectError([&] { readIdx(dir.file("f.idx")); },
              {"unsupported IDX type code 0x0d (float32)", "expected 0x08 (unsigned byte)"});
}

TEST(IdxTest, ZeroRank) {
  TempDir dir;
  writeBytes(dir.file("r.idx"), {0, 0, 8, 0});
  expectError([&] { readIdx(dir.file("r.idx")); }, {"rank", "is 0"});
}

TEST(IdxTest, TruncatedHeader) {
  TempDir dir;
  writeBytes(dir.file("h.idx"), {0, 0, 8, 3, 0, 0, 0, 2, 0, 0});
  expectError([&] { readIdx(dir.file("h.idx")); },
              {"truncated IDX header", "expected 3 dimensions (12 bytes at offset 4)", "found 6 bytes"});
  writeBytes(dir.file("short.idx"), {0, 0});
  expectError([&] { readIdx(dir.file("short.idx")); }, {"expected a 4-byte magic, found 2 bytes"});
}

TEST(IdxTest, TruncatedDataRaw) {
  TempDir dir;
  std::vector<uint8_t> bytes = idxFile({3, 2, 2}, iota(12));
  bytes.resize(bytes.size() - 5); // 7 of 12 data bytes left
  writeBytes(dir.file("t.idx"), bytes);
  expectError([&] { readIdx(dir.file("t.idx")); },
              {dir.file("t.idx"), "truncated IDX data", "expected 12 bytes after the 16-byte header",
               "found 7"});
}

TEST(IdxTest, TruncatedDataGzip) {
  TempDir dir;
  std::vector<uint8_t> bytes = idxFile({10}, iota(10));
  bytes.resize(bytes.size() - 4);
  writeGzip(dir.file("t.gz"), bytes);
  expectError([&] { readIdx(dir.file("t.gz")); },
              {"truncated IDX data", "expected 10 bytes after the 8-byte header", "found 6"});
}

// A header that claims far more than a small gzip file can decompress to
// fails at once, naming both sizes, instead of allocating and reading.
TEST(IdxTest, GzipHeaderClaimingMoreThanTheFileCanHold) {
  TempDir dir;
  writeGzip(dir.file("big.gz"), idxFile({60000, 28, 28}, iota(16)));
  expectError([&] { readIdx(dir.file("big.gz")); },
              {"truncated IDX data", "expected 47040000 bytes after the 16-byte header, more than a",
               "-byte gzip file can hold"});
}

TEST(IdxTest, TruncatedGzipStream) {
  TempDir dir;
  // Bytes from a simple LCG: barely compressible, so the cut lands inside the
  // deflate data, not in the gzip header.
  std::vector<uint8_t> noise(4000);
  uint32_t state = 1;
  for (uint8_t &b : noise) b = uint8_t((state = state * 1664525u + 1013904223u) >> 24);
  writeGzip(dir.file("full.gz"), idxFile({4000}, noise));
  std::vector<uint8_t> compressed = testing::readBytes(dir.file("full.gz"));
  ASSERT_GT(compressed.size(), 30u);
  compressed.resize(compressed.size() / 2); // cut inside the deflate stream
  writeBytes(dir.file("cut.gz"), compressed);
  expectError([&] { readIdx(dir.file("cut.gz")); },
              {dir.file("cut.gz"), "truncated or corrupt gzip stream", "unexpected end of file"});
}

TEST(IdxTest, TrailingGarbageRaw) {
  TempDir dir;
  std::vector<uint8_t> bytes = idxFile({2, 2}, iota(4));
  bytes.insert(bytes.end(), {1, 2, 3});
  writeBytes(dir.file("g.idx"), bytes);
  expectError([&] { readIdx(dir.file("g.idx")); },
              {"trailing garbage", "expected the data to end at offset 16", "found 3 more bytes"});
}

TEST(IdxTest, TrailingGarbageGzip) {
  TempDir dir;
  std::vector<uint8_t> bytes = idxFile({2}, iota(2));
  bytes.push_back(0xAA);
  writeGzip(dir.file("g.gz"), bytes);
  expectError([&] { readIdx(dir.file("g.gz")); },
              {"trailing garbage", "offset 10", "found 1 more bytes"});
}

TEST(IdxTest, DimensionProductOverflow) {
  TempDir dir;
  // (2^32 - 1)^3 > 2^63: must be rejected before any allocation.
  writeBytes(dir.file("o.idx"), idxHeader(0x08, {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}));
  expectError([&] { readIdx(dir.file("o.idx")); },
              {dir.file("o.idx"), "dimensions overflow", "exceeds 2^63"});
}

TEST(IdxTest, HugeClaimedSizeFailsAsTruncation) {
  TempDir dir;
  // 2^62 bytes claimed, none present: reported as truncation, not as an
  // attempt to allocate exabytes.
  writeBytes(dir.file("big.idx"), idxHeader(0x08, {0x40000000u, 0x40000000u, 4u}));
  expectError([&] { readIdx(dir.file("big.idx")); },
              {"truncated IDX data", "expected 4611686018427387904 bytes", "found 0"});
}

} // namespace
} // namespace nabla
