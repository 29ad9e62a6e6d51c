// Data sets from generated IDX pairs (loading, checks, subsets, shuffles,
// validation splits, batches) and from the real Fashion-MNIST test split.
#include "runtime/BatchIterator.h"
#include "runtime/Dataset.h"

#include "tests/unit/FileTestSupport.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

namespace nabla {
namespace {

using testing::expectError;
using testing::TempDir;
using testing::writeBytes;

std::vector<uint8_t> idxFile(const std::vector<uint32_t> &dims, const std::vector<uint8_t> &data) {
  std::vector<uint8_t> bytes = {0, 0, 0x08, uint8_t(dims.size())};
  for (uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(uint8_t(d >> shift));
  bytes.insert(bytes.end(), data.begin(), data.end());
  return bytes;
}

// n images of 2x3 pixels. Pixel 0 of image i is i, which identifies the
// sample wherever it ends up; pixel k > 0 is 40 * k. Label of image i: i % 3.
constexpr int64_t kH = 2, kW = 3;
struct Pair {
  std::string images, labels;
};
Pair writePair(const TempDir &dir, uint32_t n, std::vector<uint8_t> labels = {}) {
  std::vector<uint8_t> pixels;
  for (uint32_t i = 0; i < n; ++i)
    for (int k = 0; k < kH * kW; ++k) pixels.push_back(k == 0 ? uint8_t(i) : uint8_t(40 * k));
  if (labels.empty())
    for (uint32_t i = 0; i < n; ++i) labels.push_back(uint8_t(i % 3));
  Pair p{dir.file("images.idx"), dir.file("labels.idx")};
  writeBytes(p.images, idxFile({n, uint32_t(kH), uint32_t(kW)}, pixels));
  writeBytes(p.labels, idxFile({uint32_t(labels.size())}, labels));
  return p;
}

// The sample id stored in pixel 0 of image `row` of an f32 image tensor.
int64_t sampleId(const Tensor &images, int64_t row) {
  return std::lround(images.data<float>()[row * kH * kW] * 255.0f);
}

TEST(DatasetTest, LoadsImagesScaledAndLabels) {
  TempDir dir;
  Pair p = writePair(dir, 4);
  Dataset d = loadIdxDataset(p.images, p.labels, 3);
  EXPECT_EQ(d.images.shape(), (Shape{4, 1, 2, 3}));
  EXPECT_EQ(d.images.dtype(), DType::F32);
  EXPECT_EQ(d.labels.shape(), (Shape{4}));
  EXPECT_EQ(d.labels.dtype(), DType::I64);
  EXPECT_EQ(d.size(), 4);
  // Image 3: pixels 3, 40, 80, 120, 160, 200, divided by 255.
  const float *img3 = d.images.data<float>() + 3 * 6;
  const float expected[] = {3 / 255.0f, 40 / 255.0f, 80 / 255.0f, 120 / 255.0f, 160 / 255.0f, 200 / 255.0f};
  for (int k = 0; k < 6; ++k) EXPECT_FLOAT_EQ(img3[k], expected[k]);
  EXPECT_EQ(std::vector<int64_t>(d.labels.data<int64_t>(), d.labels.data<int64_t>() + 4),
            (std::vector<int64_t>{0, 1, 2, 0}));
}

TEST(DatasetTest, OneHotLabels) {
  TempDir dir;
  Pair p = writePair(dir, 3, {2, 0, 1});
  Tensor oneHot = loadIdxDataset(p.images, p.labels, 4).oneHotLabels();
  EXPECT_EQ(oneHot.shape(), (Shape{3, 4}));
  std::vector<float> expected = {0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0};
  EXPECT_EQ(std::vector<float>(oneHot.span<float>().begin(), oneHot.span<float>().end()), expected);
}

TEST(DatasetTest, OneHotRejectsLabelOutsideClasses) {
  // Built by hand, not loaded, so the loader's label check did not run.
  Dataset d{Tensor({2, 1, 1, 1}, DType::F32), Tensor::fromVector<int64_t>({2}, {0, 3}), 3};
  expectError([&] { d.oneHotLabels(); }, {"label 3 of sample 1", "outside [0, 3)"});
  BatchIterator it(d, {.batchSize = 2, .shuffle = false, .oneHot = true});
  BatchBuffers buffers = it.allocateBuffers();
  expectError([&] { it.next(buffers); }, {"label 3 of sample 1", "outside [0, 3)"});
}

TEST(DatasetTest, CountMismatch) {
  TempDir dir;
  Pair p = writePair(dir, 4, {0, 1, 2});
  expectError([&] { loadIdxDataset(p.images, p.labels, 3); },
              {p.labels, "label count 3", "image count 4", p.images});
}

TEST(DatasetTest, LabelOutOfRange) {
  TempDir dir;
  Pair p = writePair(dir, 3, {0, 1, 10});
  expectError([&] { loadIdxDataset(p.images, p.labels, 10); },
              {p.labels, "label 10 of record 2", "offset 10", "number of classes 10"});
}

TEST(DatasetTest, WrongRanks) {
  TempDir dir;
  Pair p = writePair(dir, 3);
  expectError([&] { loadIdxDataset(p.labels, p.labels, 3); },
              {p.labels, "expected an image file of rank 3", "found rank 1"});
  expectError([&] { loadIdxDataset(p.images, p.images, 3); },
              {p.images, "expected a label file of rank 1", "found rank 3"});
}

TEST(DatasetTest, Subset) {
  TempDir dir;
  Pair p = writePair(dir, 5);
  Dataset d = loadIdxDataset(p.images, p.labels, 3);
  Dataset s = d.subset(2);
  EXPECT_EQ(s.images.shape(), (Shape{2, 1, 2, 3}));
  EXPECT_EQ(sampleId(s.images, 0), 0);
  EXPECT_EQ(sampleId(s.images, 1), 1);
  EXPECT_EQ(s.labels.data<int64_t>()[1], 1);
  EXPECT_EQ(d.subset(0).size(), 0);
  expectError([&] { d.subset(6); }, {"asked for 6 samples", "has 5"});
}

TEST(DatasetTest, ShuffledIndicesArePermutationsAndReproducible) {
  std::vector<int64_t> a = shuffledIndices(1000, 42);
  EXPECT_EQ(a, shuffledIndices(1000, 42));
  EXPECT_NE(a, shuffledIndices(1000, 43));
  std::vector<int64_t> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int64_t> identity(1000);
  std::iota(identity.begin(), identity.end(), 0);
  EXPECT_EQ(sorted, identity);
  EXPECT_NE(a, identity);
  EXPECT_TRUE(shuffledIndices(0, 1).empty());
  EXPECT_EQ(shuffledIndices(1, 1), (std::vector<int64_t>{0}));
}

TEST(DatasetTest, ShuffledKeepsImagesWithTheirLabels) {
  TempDir dir;
  Pair p = writePair(dir, 30);
  Dataset d = loadIdxDataset(p.images, p.labels, 3).shuffled(7);
  std::vector<int64_t> order = shuffledIndices(30, 7);
  for (int64_t i = 0; i < 30; ++i) {
    EXPECT_EQ(sampleId(d.images, i), order[size_t(i)]);
    EXPECT_EQ(d.labels.data<int64_t>()[i], order[size_t(i)] % 3);
  }
}

TEST(DatasetTest, ValidationSplit) {
  TempDir dir;
  Pair p = writePair(dir, 20);
  Dataset d = loadIdxDataset(p.images, p.labels, 3);
  std::vector<int64_t> order = shuffledIndices(20, 5);
  auto ids = [](const Dataset &part) {
    std::vector<int64_t> out;
    for (int64_t i = 0; i < part.size(); ++i) out.push_back(sampleId(part.images, i));
    return out;
  };
  TrainValidationSplit last = splitValidation(d, 6, 5, ValidationSide::Last);
  EXPECT_EQ(ids(last.train), std::vector<int64_t>(order.begin(), order.begin() + 14));
  EXPECT_EQ(ids(last.validation), std::vector<int64_t>(order.begin() + 14, order.end()));
  TrainValidationSplit first = splitValidation(d, 6, 5, ValidationSide::First);
  EXPECT_EQ(ids(first.validation), std::vector<int64_t>(order.begin(), order.begin() + 6));
  EXPECT_EQ(ids(first.train), std::vector<int64_t>(order.begin() + 6, order.end()));
  EXPECT_EQ(last.validation.labels.data<int64_t>()[0], order[14] % 3);
  expectError([&] { splitValidation(d, 21, 5); }, {"validation size 21", "[0, 20]"});
}

// Collects the sample ids of one epoch, checking each batch's size.
std::vector<int64_t> epochIds(BatchIterator &it, BatchBuffers &buffers,
                              const std::vector<int64_t> &expectedSizes) {
  std::vector<int64_t> ids, sizes;
  while (const Batch *b = it.next(buffers)) {
    sizes.push_back(b->size());
    EXPECT_EQ(b->images.dim(0), b->size());
    for (int64_t i = 0; i < b->size(); ++i) {
      ids.push_back(sampleId(b->images, i));
      EXPECT_EQ(b->labels.data<int64_t>()[i], ids.back() % 3);
    }
  }
  EXPECT_EQ(sizes, expectedSizes);
  return ids;
}

TEST(BatchIteratorTest, EveryEpochCoversEverySampleOnce) {
  TempDir dir;
  Pair p = writePair(dir, 10);
  Dataset d = loadIdxDataset(p.images, p.labels, 3);
  BatchIterator it(d, {.batchSize = 4, .shuffle = true, .seed = 9, .dropLast = false});
  EXPECT_EQ(it.batchesPerEpoch(), 3);
  BatchBuffers buffers = it.allocateBuffers();
  const void *fullStorage = buffers.full.images.rawData();
  std::vector<int64_t> all(10);
  std::iota(all.begin(), all.end(), 0);

  std::vector<int64_t> epoch0 = epochIds(it, buffers, {4, 4, 2});
  it.startEpoch(1);
  std::vector<int64_t> epoch1 = epochIds(it, buffers, {4, 4, 2});
  EXPECT_NE(epoch0, epoch1); // reshuffled
  for (auto ids : {epoch0, epoch1}) {
    std::sort(ids.begin(), ids.end());
    EXPECT_EQ(ids, all);
  }
  EXPECT_EQ(buffers.full.images.rawData(), fullStorage); // filled in place
  it.startEpoch(0);
  EXPECT_EQ(epochIds(it, buffers, {4, 4, 2}), epoch0); // an epoch replays from its seed
}

TEST(BatchIteratorTest, DropLastAndNoShuffle) {
  TempDir dir;
  Pair p = writePair(dir, 10);
  Dataset d = loadIdxDataset(p.images, p.labels, 3);
  BatchIterator it(d, {.batchSize = 4, .shuffle = false, .dropLast = true});
  EXPECT_EQ(it.batchesPerEpoch(), 2);
  BatchBuffers buffers = it.allocateBuffers();
  EXPECT_FALSE(buffers.tail.images.defined());
  EXPECT_EQ(epochIds(it, buffers, {4, 4}), (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7}));
}

TEST(BatchIteratorTest, FillNextIntoCallerTensorsWithOneHot) {
  TempDir dir;
  Pair p = writePair(dir, 5, {2, 0, 1, 1, 0});
  Dataset d = loadIdxDataset(p.images, p.labels, 3);
  BatchIterator it(d, {.batchSize = 3, .shuffle = false});
  Tensor images({3, 1, 2, 3}, DType::F32), labels({3}, DType::I64), oneHot({3, 3}, DType::F32);
  EXPECT_EQ(it.fillNext(images, labels, &oneHot), 3);
  EXPECT_EQ(std::vector<float>(oneHot.span<float>().begin(), oneHot.span<float>().end()),
            (std::vector<float>{0, 0, 1, 1, 0, 0, 0, 1, 0}));
  EXPECT_EQ(it.fillNext(images, labels, &oneHot), 2); // shorter last batch: rows 0 and 1
  EXPECT_EQ(sampleId(images, 0), 3);
  EXPECT_EQ(sampleId(images, 1), 4);
  EXPECT_EQ(sampleId(images, 2), 2); // row past the batch keeps its old sample
  EXPECT_EQ(std::vector<float>(oneHot.span<float>().begin(), oneHot.span<float>().begin() + 6),
            (std::vector<float>{0, 1, 0, 1, 0, 0}));
  EXPECT_EQ(it.fillNext(images, labels, &oneHot), 0);
}

TEST(BatchIteratorTest, RejectsWrongBatchTensors) {
  TempDir dir;
  Pair p = writePair(dir, 5);
  Dataset d = loadIdxDataset(p.images, p.labels, 3);
  BatchIterator it(d, {.batchSize = 3});
  Tensor labels({3}, DType::I64);
  Tensor wrongShape({3, 1, 3, 2}, DType::F32);
  expectError([&] { it.fillNext(wrongShape, labels); },
              {"image batch tensor must be f32 [B, 1, 2, 3]", "tensor<3x1x3x2xf32>"});
  Tensor images({3, 1, 2, 3}, DType::F32), wrongType({3}, DType::I32);
  expectError([&] { it.fillNext(images, wrongType); }, {"label batch tensor must be i64 [B]"});
  Tensor small({2, 1, 2, 3}, DType::F32);
  expectError([&] { it.fillNext(small, labels); }, {"hold 2 samples", "next batch has 3"});
  expectError([] { BatchIterator(Dataset{}, {}); }, {"no images"});
}

TEST(FashionMnistTest, TestSplitHas1000ImagesPerClass) {
  Dataset d = loadFashionMnist("t10k");
  EXPECT_EQ(d.images.shape(), (Shape{10000, 1, 28, 28}));
  EXPECT_EQ(d.numClasses, 10);
  std::map<int64_t, int> histogram;
  for (int64_t label : d.labels.span<int64_t>()) histogram[label]++;
  ASSERT_EQ(histogram.size(), 10u);
  for (const auto &[label, count] : histogram) {
    EXPECT_GE(label, 0);
    EXPECT_LE(label, 9);
    EXPECT_EQ(count, 1000) << "class " << label;
  }
  auto [lo, hi] = std::minmax_element(d.images.span<float>().begin(), d.images.span<float>().end());
  EXPECT_EQ(*lo, 0.0f);
  EXPECT_EQ(*hi, 1.0f);
}

TEST(FashionMnistTest, UnknownSplit) {
  expectError([] { loadFashionMnist("test"); }, {"unknown split 'test'", "'train' or 't10k'"});
}

TEST(FashionMnistTest, DefaultDirectoryIsFound) {
  EXPECT_EQ(findFashionMnistDir(), std::filesystem::path("/usr/share/datasets/fashion-mnist"));
}

TEST(FashionMnistTest, MissingFilesNameThePackage) {
  TempDir dir;
  expectError([&] { findFashionMnistDir(dir.path()); },
              {"Fashion-MNIST not found", "train-images-idx3-ubyte.gz is missing",
               "dataset-fashion-mnist"});
  expectError([&] { loadFashionMnist("t10k", dir.path()); }, {"dataset-fashion-mnist"});
}

} // namespace
} // namespace nabla
