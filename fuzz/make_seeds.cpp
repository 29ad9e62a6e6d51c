// Writes the seed corpora of the binary-format fuzz targets with nabla's own
// writers, so seeds always match the current formats and no binary is
// committed. (The .mlir and ONNX targets take their seeds from the lit tests
// and from the libonnx-testdata package.)
//
// Usage: nabla_fuzz_seeds OUTDIR   -> OUTDIR/<target>/<seed files>
#include "runtime/Checkpoint.h"
#include "runtime/Error.h"
#include "runtime/aot/AotError.h"
#include "runtime/aot/WeightsFile.h"
#include "runtime/checkpoint.pb.h"

#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

void writeFile(const fs::path &path, const std::string &bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), std::streamsize(bytes.size()));
  if (!out) throw nabla::Error(path.string() + ": cannot write seed");
}

std::string readFile(const fs::path &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string gzipped(const std::string &raw, const fs::path &scratch) {
  gzFile gz = gzopen(scratch.c_str(), "wb");
  if (!gz || gzwrite(gz, raw.data(), unsigned(raw.size())) != int(raw.size()) ||
      gzclose(gz) != Z_OK)
    throw nabla::Error(scratch.string() + ": cannot gzip seed");
  std::string bytes = readFile(scratch);
  fs::remove(scratch);
  return bytes;
}

// An IDX file of unsigned bytes: 0 0 8 rank, big-endian dims, data.
std::string idx(const std::vector<uint32_t> &dims) {
  std::string bytes = {0, 0, 8, char(dims.size())};
  size_t count = 1;
  for (uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) bytes += char((d >> shift) & 0xff);
    count *= d;
  }
  for (size_t i = 0; i < count; ++i) bytes += char(i * 37 % 10);
  return bytes;
}

void idxSeeds(const fs::path &dir) {
  const std::string images = idx({3, 4, 4}), labels = idx({3});
  writeFile(dir / "images.idx", images);
  writeFile(dir / "labels.idx", labels);
  writeFile(dir / "images.idx.gz", gzipped(images, dir / "scratch.gz"));
  writeFile(dir / "labels.idx.gz", gzipped(labels, dir / "scratch.gz"));
  writeFile(dir / "empty.idx", idx({0, 28}));
}

nabla::Checkpoint sampleCheckpoint() {
  using nabla::DType;
  using nabla::Tensor;
  nabla::Checkpoint c;
  c.parameters = {{"conv1.W", Tensor::fromVector<float>({2, 1, 1, 2}, {1, -2, 0.5f, 0})},
                  {"affine.b", Tensor::fromVector<double>({2}, {0.25, -1})},
                  {"scale", Tensor::scalar<float>(2.5f)},
                  {"empty", Tensor({0, 3}, DType::F32)}};
  c.optimizerState = {{"conv1.W/m", Tensor::fromVector<float>({2, 1, 1, 2}, {0, 1, 2, 3})},
                      {"ids", Tensor::fromVector<int64_t>({2}, {7, -7})},
                      {"counts", Tensor::fromVector<int32_t>({1}, {3})}};
  c.step = 12;
  c.epoch = 1;
  c.optimizer = "adam";
  c.hyperparameters = {{"lr", "0.001"}, {"beta1", "0.9"}};
  return c;
}

// Seeds carry the harness's mode byte first (see checkpoint_reader_fuzzer.cpp).
void checkpointSeeds(const fs::path &dir) {
  fs::create_directories(dir);
  const fs::path scratch = dir / "scratch.pb";
  nabla::saveCheckpoint(sampleCheckpoint(), scratch.string());
  const std::string file = readFile(scratch);
  fs::remove(scratch);
  nabla::checkpoint::CheckpointFile parsed;
  if (!parsed.ParseFromString(file)) throw nabla::Error("cannot re-read the seed checkpoint");
  writeFile(dir / "file", std::string(1, '\0') + file);
  writeFile(dir / "payload", std::string(1, '\1') + parsed.payload());
}

// Seeds carry the harness's mode byte first (see aot_weights_fuzzer.cpp).
void weightsSeeds(const fs::path &dir) {
  fs::create_directories(dir);
  const float w[6] = {1, 2, 3, 4, 5, 6}, b[2] = {-1, 1}, s[1] = {0.5f};
  nabla_weights_tensor tensors[4] = {};
  tensors[0] = {"conv1.W", 2, {2, 3}, 6, w};
  tensors[1] = {"conv1.b", 1, {2}, 2, b};
  tensors[2] = {"scale", 0, {}, 1, s};
  tensors[3] = {"empty", 2, {0, 5}, 0, nullptr};
  const fs::path scratch = dir / "scratch.weights";
  if (nabla_weights_write(scratch.c_str(), 4, tensors) != 0)
    throw nabla::Error(std::string("cannot write the seed weights: ") + nabla_aot_last_error());
  const std::string file = readFile(scratch);
  fs::remove(scratch);
  writeFile(dir / "file", std::string(1, '\0') + file);
  writeFile(dir / "repaired", std::string(1, '\1') + file);
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
    return 2;
  }
  try {
    const fs::path out = argv[1];
    idxSeeds(out / "idx_reader");
    checkpointSeeds(out / "checkpoint_reader");
    weightsSeeds(out / "aot_weights");
  } catch (const std::exception &e) {
    std::fprintf(stderr, "nabla_fuzz_seeds: %s\n", e.what());
    return 1;
  }
  return 0;
}
