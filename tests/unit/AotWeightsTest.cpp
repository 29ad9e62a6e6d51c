// The .weights file of AOT libraries (runtime/aot/WeightsFile.h): a round
// trip, then every way a file can be bad, each giving NULL and a message that
// says what is wrong (never a crash). Links only the C reader and writer.
#include "runtime/aot/AotError.h"
#include "runtime/aot/WeightsFile.h"
#include "tests/unit/FileTestSupport.h"

#include <gtest/gtest.h>

#include <cstring>

namespace {

using nabla::testing::readBytes;
using nabla::testing::TempDir;
using nabla::testing::writeBytes;

struct Fixture {
  std::vector<float> w = {1, 2, 3, 4, 5, 6}, b = {-0.5f, 0.25f};
  std::vector<nabla_weights_tensor> tensors() const {
    nabla_weights_tensor t1{"conv1.W", 2, {2, 3}, 6, w.data()};
    nabla_weights_tensor t2{"conv1.b", 1, {2}, 2, b.data()};
    return {t1, t2};
  }
};

std::string writeGood(const TempDir &dir) {
  Fixture f;
  auto t = f.tensors();
  std::string path = dir.file("model.weights");
  EXPECT_EQ(nabla_weights_write(path.c_str(), int32_t(t.size()), t.data()), 0)
      << nabla_aot_last_error();
  return path;
}

void putU32(std::vector<uint8_t> &bytes, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) bytes[at + i] = uint8_t(v >> (8 * i));
}

/// Re-seals a modified file with a valid checksum, to reach the checks after it.
void reseal(std::vector<uint8_t> &bytes) {
  putU32(bytes, bytes.size() - 4, nabla_weights_crc32(0, bytes.data(), bytes.size() - 4));
}

/// Expects reading `bytes` to fail with a message holding `part`.
void expectReadError(const TempDir &dir, const std::vector<uint8_t> &bytes, const std::string &part) {
  std::string path = dir.file("bad.weights");
  writeBytes(path, bytes);
  nabla_weights *w = nabla_weights_read(path.c_str());
  EXPECT_EQ(w, nullptr);
  nabla_weights_free(w);
  std::string message = nabla_aot_last_error();
  EXPECT_NE(message.find(part), std::string::npos) << message;
  EXPECT_NE(message.find(path), std::string::npos) << "the message names the file: " << message;
}

TEST(AotWeightsTest, Crc32MatchesTheStandardCheckValue) {
  EXPECT_EQ(nabla_weights_crc32(0, "123456789", 9), 0xCBF43926u);
  // Continuing a CRC over a split buffer gives the CRC of the whole.
  EXPECT_EQ(nabla_weights_crc32(nabla_weights_crc32(0, "1234", 4), "56789", 5), 0xCBF43926u);
}

TEST(AotWeightsTest, RoundTripKeepsNamesShapesAndValuesAligned) {
  TempDir dir;
  std::string path = writeGood(dir);
  nabla_weights *w = nabla_weights_read(path.c_str());
  ASSERT_NE(w, nullptr) << nabla_aot_last_error();
  ASSERT_EQ(w->count, 2);
  const nabla_weights_tensor *W = nabla_weights_find(w, "conv1.W");
  const nabla_weights_tensor *b = nabla_weights_find(w, "conv1.b");
  ASSERT_NE(W, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(nabla_weights_find(w, "conv2.W"), nullptr);
  EXPECT_EQ(W->rank, 2);
  EXPECT_EQ(W->dims[0], 2);
  EXPECT_EQ(W->dims[1], 3);
  EXPECT_EQ(W->count, 6);
  Fixture f;
  EXPECT_EQ(std::vector<float>(W->data, W->data + 6), f.w);
  EXPECT_EQ(std::vector<float>(b->data, b->data + 2), f.b);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(W->data) % NABLA_WEIGHTS_ALIGNMENT, 0u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b->data) % NABLA_WEIGHTS_ALIGNMENT, 0u);
  nabla_weights_free(w);
}

TEST(AotWeightsTest, ScalarsAndEmptyTensorsRoundTrip) {
  TempDir dir;
  float scalar = 7;
  nabla_weights_tensor t[2] = {{"scale", 0, {}, 1, &scalar}, {"empty", 2, {0, 5}, 0, nullptr}};
  std::string path = dir.file("x.weights");
  ASSERT_EQ(nabla_weights_write(path.c_str(), 2, t), 0) << nabla_aot_last_error();
  nabla_weights *w = nabla_weights_read(path.c_str());
  ASSERT_NE(w, nullptr) << nabla_aot_last_error();
  EXPECT_EQ(nabla_weights_find(w, "scale")->data[0], 7.0f);
  EXPECT_EQ(nabla_weights_find(w, "empty")->count, 0);
  nabla_weights_free(w);
}

TEST(AotWeightsTest, MissingFileIsAnError) {
  TempDir dir;
  std::string path = dir.file("absent.weights");
  EXPECT_EQ(nabla_weights_read(path.c_str()), nullptr);
  EXPECT_NE(std::string(nabla_aot_last_error()).find("cannot open weights file"), std::string::npos);
  EXPECT_EQ(nabla_weights_read(nullptr), nullptr);
  EXPECT_NE(std::string(nabla_aot_last_error()).find("NULL"), std::string::npos);
}

TEST(AotWeightsTest, BadMagicIsAnError) {
  TempDir dir;
  std::vector<uint8_t> bytes = readBytes(writeGood(dir));
  bytes[0] = 'X';
  expectReadError(dir, bytes, "not a nabla weights file (bad magic");
}

TEST(AotWeightsTest, OtherFormatVersionIsAnError) {
  TempDir dir;
  std::vector<uint8_t> bytes = readBytes(writeGood(dir));
  putU32(bytes, 8, 2);
  reseal(bytes); // the version is refused even with a valid checksum
  expectReadError(dir, bytes, "format version 2; this library reads version 1");
}

TEST(AotWeightsTest, ChecksumMismatchIsAnError) {
  TempDir dir;
  std::vector<uint8_t> bytes = readBytes(writeGood(dir));
  bytes[bytes.size() - 8] ^= 0x40; // a bit of conv1.b's data
  expectReadError(dir, bytes, "corrupt: checksum mismatch");
}

TEST(AotWeightsTest, TruncatedFileIsAnError) {
  TempDir dir;
  std::vector<uint8_t> bytes = readBytes(writeGood(dir));
  std::vector<uint8_t> cut(bytes.begin(), bytes.end() - 10);
  expectReadError(dir, cut, "truncated: the header says");
  std::vector<uint8_t> headerOnly(bytes.begin(), bytes.begin() + 10);
  expectReadError(dir, headerOnly, "truncated");
  expectReadError(dir, {}, "truncated");
}

TEST(AotWeightsTest, AppendedBytesAreAnError) {
  TempDir dir;
  std::vector<uint8_t> bytes = readBytes(writeGood(dir));
  bytes.push_back(0);
  expectReadError(dir, bytes, "but its header says");
}

TEST(AotWeightsTest, MalformedRecordsAreErrorsEvenWithAValidChecksum) {
  TempDir dir;
  std::vector<uint8_t> good = readBytes(writeGood(dir));
  std::vector<uint8_t> bytes = good;
  putU32(bytes, 24, 5000); // the first name's length
  reseal(bytes);
  expectReadError(dir, bytes, "name of 5000 bytes");

  bytes = good;
  putU32(bytes, 24 + 4 + 7, 3); // the first tensor's element type
  reseal(bytes);
  expectReadError(dir, bytes, "element type 3");

  bytes = good;
  putU32(bytes, 12, 3); // one tensor more than the file holds
  reseal(bytes);
  expectReadError(dir, bytes, "runs past the end");
}

TEST(AotWeightsTest, WriterRejectsBadTensors) {
  TempDir dir;
  Fixture f;
  auto t = f.tensors();
  std::string path = dir.file("w.weights");
  t[1].name = "conv1.W";
  EXPECT_NE(nabla_weights_write(path.c_str(), 2, t.data()), 0);
  EXPECT_NE(std::string(nabla_aot_last_error()).find("two tensors are named 'conv1.W'"),
            std::string::npos);
  t = f.tensors();
  t[0].count = 5; // does not match its dims
  EXPECT_NE(nabla_weights_write(path.c_str(), 2, t.data()), 0);
  EXPECT_NE(std::string(nabla_aot_last_error()).find("'conv1.W' has an invalid"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

} // namespace
