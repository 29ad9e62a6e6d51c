// Checkpoints: bit-exact round trips, the on-disk byte order, every kind of
// corruption, and saves that fail midway without harming the previous file.
#include "runtime/Checkpoint.h"
#include "runtime/checkpoint.pb.h"

#include "tests/unit/FileTestSupport.h"

#include <zlib.h>

#include <cstring>
#include <limits>

namespace nabla {
namespace {

using testing::expectError;
using testing::readBytes;
using testing::TempDir;
using testing::writeBytes;

template <typename T> Tensor tensorOf(Shape shape, std::vector<T> values) {
  return Tensor::fromVector<T>(std::move(shape), values);
}

float floatFromBits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

Checkpoint sampleCheckpoint() {
  using F = std::numeric_limits<float>;
  using D = std::numeric_limits<double>;
  Checkpoint c;
  c.parameters = {
      // Values a text or lossy format would mangle: a NaN with a payload,
      // -0, a denormal, infinities.
      {"conv1.weight", tensorOf<float>({2, 3}, {floatFromBits(0x7fc01234u), -0.0f, F::denorm_min(),
                                                F::infinity(), -F::max(), 0.1f})},
      {"fc.bias", tensorOf<double>({3}, {D::denorm_min(), -D::infinity(), 1.0 / 3.0})},
      {"counts", tensorOf<int32_t>({2, 2}, {std::numeric_limits<int32_t>::min(), -1, 0, 0x7fffffff})},
      {"ids", tensorOf<int64_t>({2}, {std::numeric_limits<int64_t>::min(), 0x0102030405060708})},
      {"scale", Tensor::scalar<float>(2.5f)},
      {"empty", Tensor({0, 4}, DType::F32)},
  };
  c.optimizerState = {{"conv1.weight/m", tensorOf<float>({2, 3}, {1, 2, 3, 4, 5, 6})},
                      {"step_count", Tensor::scalar<int64_t>(1200)}};
  c.step = 1200;
  c.epoch = 2;
  c.optimizer = "adam";
  c.hyperparameters = {{"lr", "0.001"}, {"beta1", "0.9"}, {"beta2", "0.999"}};
  return c;
}

void expectSameTensors(const std::vector<NamedTensor> &actual,
                       const std::vector<NamedTensor> &expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    SCOPED_TRACE(expected[i].name);
    EXPECT_EQ(actual[i].name, expected[i].name);
    EXPECT_EQ(actual[i].tensor.dtype(), expected[i].tensor.dtype());
    EXPECT_EQ(actual[i].tensor.shape(), expected[i].tensor.shape());
    ASSERT_EQ(actual[i].tensor.bytes(), expected[i].tensor.bytes());
    EXPECT_EQ(std::memcmp(actual[i].tensor.rawData(), expected[i].tensor.rawData(),
                          expected[i].tensor.bytes()),
              0);
  }
}

TEST(CheckpointTest, RoundTripIsBitExactForAllDtypes) {
  TempDir dir;
  Checkpoint saved = sampleCheckpoint();
  saveCheckpoint(saved, dir.file("model.ckpt"));
  Checkpoint loaded = loadCheckpoint(dir.file("model.ckpt"));
  expectSameTensors(loaded.parameters, saved.parameters);
  expectSameTensors(loaded.optimizerState, saved.optimizerState);
  EXPECT_EQ(loaded.step, 1200);
  EXPECT_EQ(loaded.epoch, 2);
  EXPECT_EQ(loaded.optimizer, "adam");
  EXPECT_EQ(loaded.hyperparameters, saved.hyperparameters);
  EXPECT_EQ(loaded.parameter("ids").data<int64_t>()[1], 0x0102030405060708);
  EXPECT_EQ(loaded.optimizerTensor("step_count").data<int64_t>()[0], 1200);
  expectError([&] { loaded.parameter("nope"); }, {"no parameter named 'nope'"});
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"model.ckpt"})); // no temp file left
}

TEST(CheckpointTest, TensorBytesAreLittleEndianOnDisk) {
  TempDir dir;
  Checkpoint c;
  c.parameters = {{"x", tensorOf<int32_t>({1}, {0x01020304})}};
  saveCheckpoint(c, dir.file("c.ckpt"));
  // Decode with the generated protobuf classes directly, not with nabla's loader.
  std::vector<uint8_t> bytes = readBytes(dir.file("c.ckpt"));
  checkpoint::CheckpointFile file;
  ASSERT_TRUE(file.ParseFromArray(bytes.data(), int(bytes.size())));
  EXPECT_EQ(file.magic(), "nabla-checkpoint");
  EXPECT_EQ(file.format_version(), 1u);
  checkpoint::Payload payload;
  ASSERT_TRUE(payload.ParseFromString(file.payload()));
  ASSERT_EQ(payload.parameters_size(), 1);
  EXPECT_EQ(payload.parameters(0).dtype(), checkpoint::DTYPE_I32);
  EXPECT_EQ(payload.parameters(0).data(), std::string("\x04\x03\x02\x01", 4));
  EXPECT_EQ(file.payload_crc32(),
            crc32(0, reinterpret_cast<const Bytef *>(file.payload().data()), uInt(file.payload().size())));
}

TEST(CheckpointTest, FlippedByteIsAChecksumError) {
  TempDir dir;
  Checkpoint c;
  // A run of 0x41 bytes that is easy to find inside the file.
  c.parameters = {{"w", tensorOf<int32_t>({4}, {0x41414141, 0x41414141, 0x41414141, 0x41414141})}};
  saveCheckpoint(c, dir.file("c.ckpt"));
  std::vector<uint8_t> bytes = readBytes(dir.file("c.ckpt"));
  const std::string run(16, 'A');
  auto at = std::search(bytes.begin(), bytes.end(), run.begin(), run.end());
  ASSERT_NE(at, bytes.end());
  at[5] ^= 0x01;
  writeBytes(dir.file("c.ckpt"), bytes);
  expectError([&] { loadCheckpoint(dir.file("c.ckpt")); },
              {dir.file("c.ckpt"), "checksum mismatch"});
}

TEST(CheckpointTest, TruncatedFileIsAnError) {
  TempDir dir;
  saveCheckpoint(sampleCheckpoint(), dir.file("c.ckpt"));
  const std::vector<uint8_t> bytes = readBytes(dir.file("c.ckpt"));
  for (size_t keep : {size_t(0), size_t(3), bytes.size() / 2, bytes.size() - 1}) {
    SCOPED_TRACE(keep);
    writeBytes(dir.file("cut.ckpt"), std::vector<uint8_t>(bytes.begin(), bytes.begin() + keep));
    expectError([&] { loadCheckpoint(dir.file("cut.ckpt")); }, {dir.file("cut.ckpt")});
  }
}

// Writes a CheckpointFile around `payload` with a correct CRC, so only the
// deliberately wrong field is wrong.
void writeRawCheckpoint(const std::string &path, const checkpoint::Payload &payload,
                        uint32_t version = kCheckpointFormatVersion,
                        const std::string &magic = "nabla-checkpoint") {
  checkpoint::CheckpointFile file;
  file.set_magic(magic);
  file.set_format_version(version);
  payload.SerializeToString(file.mutable_payload());
  file.set_payload_crc32(
      crc32(0, reinterpret_cast<const Bytef *>(file.payload().data()), uInt(file.payload().size())));
  std::string bytes;
  ASSERT_TRUE(file.SerializeToString(&bytes));
  writeBytes(path, std::vector<uint8_t>(bytes.begin(), bytes.end()));
}

TEST(CheckpointTest, VersionMismatch) {
  TempDir dir;
  writeRawCheckpoint(dir.file("v2.ckpt"), checkpoint::Payload(), 2);
  expectError([&] { loadCheckpoint(dir.file("v2.ckpt")); },
              {dir.file("v2.ckpt"), "unsupported checkpoint format version 2", "reads version 1"});
}

TEST(CheckpointTest, NotACheckpoint) {
  TempDir dir;
  writeRawCheckpoint(dir.file("other.ckpt"), checkpoint::Payload(), 1, "something-else");
  expectError([&] { loadCheckpoint(dir.file("other.ckpt")); },
              {"not a nabla checkpoint", "found 'something-else'"});
  writeBytes(dir.file("text.ckpt"), {'h', 'e', 'l', 'l', 'o'});
  expectError([&] { loadCheckpoint(dir.file("text.ckpt")); }, {dir.file("text.ckpt")});
  expectError([&] { loadCheckpoint(dir.file("missing.ckpt")); }, {"missing.ckpt", "not found"});
}

TEST(CheckpointTest, ByteSizeMustMatchDtypeAndShape) {
  TempDir dir;
  checkpoint::Payload payload;
  checkpoint::TensorRecord *t = payload.add_optimizer_state();
  t->set_name("fc.weight/v");
  t->set_dtype(checkpoint::DTYPE_F64);
  t->add_shape(2);
  t->add_shape(3);
  t->set_data(std::string(47, '\0')); // needs 2 * 3 * 8 = 48
  writeRawCheckpoint(dir.file("c.ckpt"), payload);
  expectError([&] { loadCheckpoint(dir.file("c.ckpt")); },
              {dir.file("c.ckpt"), "optimizer state tensor 'fc.weight/v'", "f64 [2, 3] needs 48 bytes",
               "holds 47"});
}

TEST(CheckpointTest, BadDtypeAndShape) {
  TempDir dir;
  checkpoint::Payload payload;
  checkpoint::TensorRecord *t = payload.add_parameters();
  t->set_name("w");
  t->set_dtype(checkpoint::DTYPE_UNSPECIFIED);
  writeRawCheckpoint(dir.file("d.ckpt"), payload);
  expectError([&] { loadCheckpoint(dir.file("d.ckpt")); }, {"parameter 'w'", "unknown dtype code 0"});

  t->set_dtype(checkpoint::DTYPE_F32);
  t->add_shape(-2);
  writeRawCheckpoint(dir.file("s.ckpt"), payload);
  expectError([&] { loadCheckpoint(dir.file("s.ckpt")); }, {"parameter 'w'", "invalid shape [-2]"});

  t->set_shape(0, int64_t(1) << 40);
  t->add_shape(int64_t(1) << 40); // 2^80 elements
  writeRawCheckpoint(dir.file("o.ckpt"), payload);
  expectError([&] { loadCheckpoint(dir.file("o.ckpt")); }, {"parameter 'w'", "invalid shape"});
}

// Found by the checkpoint_reader fuzzer: dims whose running product passes
// 2^63 before a 0 ends it. The tensor is empty (and loads as such); computing
// its size used to overflow a signed integer.
TEST(CheckpointTest, ZeroDimAfterHugeDimsIsAnEmptyTensor) {
  TempDir dir;
  checkpoint::Payload payload;
  checkpoint::TensorRecord *t = payload.add_parameters();
  t->set_name("w");
  t->set_dtype(checkpoint::DTYPE_F32);
  for (int64_t d : {int64_t(372178767249432000), int64_t(34), int64_t(0)}) t->add_shape(d);
  writeRawCheckpoint(dir.file("z.ckpt"), payload);
  Checkpoint loaded = loadCheckpoint(dir.file("z.ckpt"));
  ASSERT_EQ(loaded.parameters.size(), 1u);
  EXPECT_EQ(loaded.parameters[0].tensor.numel(), 0);
  EXPECT_EQ(loaded.parameters[0].tensor.shape(), (Shape{372178767249432000, 34, 0}));
}

TEST(CheckpointTest, DuplicateNamesAreRejected) {
  TempDir dir;
  Checkpoint c;
  c.parameters = {{"w", Tensor({1}, DType::F32)}, {"w", Tensor({1}, DType::F32)}};
  expectError([&] { saveCheckpoint(c, dir.file("c.ckpt")); }, {"duplicate parameter name 'w'"});
  EXPECT_TRUE(dir.entries().empty());
}

// A save that fails at any stage leaves the previous checkpoint as it was and
// no temporary file.
TEST(CheckpointTest, FailedSaveKeepsPreviousCheckpoint) {
  TempDir dir;
  const std::string path = dir.file("model.ckpt");
  Checkpoint previous = sampleCheckpoint();
  saveCheckpoint(previous, path);
  const std::vector<uint8_t> previousBytes = readBytes(path);

  Checkpoint next = sampleCheckpoint();
  next.step = 9999;
  next.parameters[0].tensor = tensorOf<float>({2}, {7, 8});
  for (AtomicWriteStage failAt : {AtomicWriteStage::TempFileWritten, AtomicWriteStage::TempFileSynced}) {
    SCOPED_TRACE(int(failAt));
    setCheckpointSaveHookForTesting([&](AtomicWriteStage stage) {
      if (stage == failAt) throw Error("simulated I/O failure");
    });
    expectError([&] { saveCheckpoint(next, path); }, {"simulated I/O failure"});
    setCheckpointSaveHookForTesting({});
    EXPECT_EQ(readBytes(path), previousBytes);
    EXPECT_EQ(dir.entries(), (std::vector<std::string>{"model.ckpt"}));
    Checkpoint loaded = loadCheckpoint(path);
    EXPECT_EQ(loaded.step, 1200);
    expectSameTensors(loaded.parameters, previous.parameters);
  }
  saveCheckpoint(next, path); // and without the hook the save goes through
  EXPECT_EQ(loadCheckpoint(path).step, 9999);
}

TEST(CheckpointTest, DirectoryInTheWayIsAnErrorAndLeavesNoTempFile) {
  TempDir dir;
  std::filesystem::create_directory(dir.path() / "taken");
  expectError([&] { saveCheckpoint(sampleCheckpoint(), dir.file("taken")); },
              {dir.file("taken"), "is a directory"});
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"taken"}));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path() / "taken"));
}

// Through a symbolic link the file it names is replaced and the link stays;
// a device is written through, never replaced by a regular file (as root a
// rename over /dev/null would replace the device node).
TEST(CheckpointTest, SavesThroughLinksAndIntoDevices) {
  TempDir dir;
  std::filesystem::create_symlink("real.ckpt", dir.path() / "link.ckpt");
  saveCheckpoint(sampleCheckpoint(), dir.file("link.ckpt"));
  EXPECT_TRUE(std::filesystem::is_symlink(dir.path() / "link.ckpt"));
  EXPECT_EQ(loadCheckpoint(dir.file("real.ckpt")).step, sampleCheckpoint().step);
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"link.ckpt", "real.ckpt"}));

  saveCheckpoint(sampleCheckpoint(), "/dev/null");
  EXPECT_TRUE(std::filesystem::is_character_file("/dev/null"));
}

TEST(CheckpointTest, MissingDirectory) {
  TempDir dir;
  expectError([&] { saveCheckpoint(sampleCheckpoint(), dir.file("no/such/dir/c.ckpt")); },
              {"c.ckpt", "cannot create temporary file"});
  EXPECT_TRUE(dir.entries().empty());
}

} // namespace
} // namespace nabla
