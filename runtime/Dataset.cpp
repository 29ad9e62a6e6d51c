#include "runtime/Dataset.h"

#include "runtime/Error.h"
#include "runtime/Idx.h"

#include <cstring>
#include <numeric>
#include <random>

namespace nabla {
namespace {

void checkIndex(int64_t index, int64_t size, const char *what) {
  if (index < 0 || index >= size)
    throw Error(std::string(what) + ": sample index " + std::to_string(index) +
                " out of range [0, " + std::to_string(size) + ")");
}

// An integer uniform in [0, bound] drawn from 64-bit engine output by
// rejection. std::uniform_int_distribution and std::shuffle are
// implementation-defined, so libstdc++ and libc++ would shuffle differently
// for the same seed; this keeps a seed's permutation the same everywhere.
uint64_t uniformUpTo(std::mt19937_64 &engine, uint64_t bound) {
  if (bound == UINT64_MAX) return engine();
  const uint64_t range = bound + 1;
  const uint64_t limit = UINT64_MAX - UINT64_MAX % range; // largest multiple of range
  uint64_t x;
  do x = engine();
  while (x >= limit);
  return x % range;
}

} // namespace

Tensor Dataset::oneHotLabels() const {
  const int64_t n = size();
  Tensor out({n, numClasses}, DType::F32);
  float *rows = out.data<float>();
  const int64_t *label = labels.data<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    if (label[i] < 0 || label[i] >= numClasses)
      throw Error("Dataset::oneHotLabels: label " + std::to_string(label[i]) + " of sample " +
                  std::to_string(i) + " is outside [0, " + std::to_string(numClasses) + ")");
    rows[i * numClasses + label[i]] = 1.0f;
  }
  return out;
}

Dataset Dataset::gather(std::span<const int64_t> indices) const {
  if (!images.defined() || !labels.defined())
    throw Error("Dataset::gather: the data set has no image or label tensor");
  const int64_t n = int64_t(indices.size());
  Shape imageShape = images.shape();
  const int64_t sampleFloats = images.numel() / std::max<int64_t>(size(), 1);
  imageShape[0] = n;
  Dataset out{Tensor(imageShape, DType::F32), Tensor({n}, DType::I64), numClasses};
  const float *src = images.data<float>();
  float *dst = out.images.data<float>();
  const int64_t *srcLabels = labels.data<int64_t>();
  int64_t *dstLabels = out.labels.data<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    const int64_t from = indices[size_t(i)];
    checkIndex(from, size(), "Dataset::gather");
    std::memcpy(dst + i * sampleFloats, src + from * sampleFloats, sampleFloats * sizeof(float));
    dstLabels[i] = srcLabels[from];
  }
  return out;
}

Dataset Dataset::subset(int64_t n) const {
  if (n < 0 || n > size())
    throw Error("Dataset::subset: asked for " + std::to_string(n) + " samples, the data set has " +
                std::to_string(size()));
  std::vector<int64_t> first(static_cast<size_t>(n));
  std::iota(first.begin(), first.end(), 0);
  return gather(first);
}

Dataset Dataset::shuffled(uint64_t seed) const { return gather(shuffledIndices(size(), seed)); }

void shuffleInPlace(std::span<int64_t> order, uint64_t seed) {
  std::mt19937_64 engine(seed);
  for (size_t i = order.size(); i > 1; --i) {
    size_t j = size_t(uniformUpTo(engine, i - 1));
    std::swap(order[i - 1], order[j]);
  }
}

std::vector<int64_t> shuffledIndices(int64_t n, uint64_t seed) {
  if (n < 0) throw Error("shuffledIndices: negative count " + std::to_string(n));
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  shuffleInPlace(order, seed);
  return order;
}

TrainValidationSplit splitValidation(const Dataset &data, int64_t validationSize, uint64_t seed,
                                     ValidationSide side) {
  if (validationSize < 0 || validationSize > data.size())
    throw Error("splitValidation: validation size " + std::to_string(validationSize) +
                " out of range [0, " + std::to_string(data.size()) + "]");
  std::vector<int64_t> order = shuffledIndices(data.size(), seed);
  std::span<const int64_t> all(order);
  const size_t trainSize = size_t(data.size() - validationSize);
  if (side == ValidationSide::First)
    return {data.gather(all.subspan(size_t(validationSize))),
            data.gather(all.first(size_t(validationSize)))};
  return {data.gather(all.first(trainSize)), data.gather(all.subspan(trainSize))};
}

Dataset loadIdxDataset(const std::string &imagesPath, const std::string &labelsPath,
                       int64_t numClasses) {
  if (numClasses < 1 || numClasses > 256)
    throw Error("loadIdxDataset: numClasses must be in [1, 256] (labels are bytes), got " +
                std::to_string(numClasses));
  IdxArray images = readIdx(imagesPath);
  IdxArray labels = readIdx(labelsPath);
  if (images.dims.size() != 3)
    throw Error(imagesPath + ": expected an image file of rank 3 (N x H x W), found rank " +
                std::to_string(images.dims.size()));
  if (labels.dims.size() != 1)
    throw Error(labelsPath + ": expected a label file of rank 1 (N), found rank " +
                std::to_string(labels.dims.size()));
  const int64_t n = images.dims[0], h = images.dims[1], w = images.dims[2];
  if (labels.dims[0] != n)
    throw Error(labelsPath + ": label count " + std::to_string(labels.dims[0]) +
                " does not match the image count " + std::to_string(n) + " of " + imagesPath);

  Dataset out{Tensor({n, 1, h, w}, DType::F32), Tensor({n}, DType::I64), numClasses};
  int64_t *label = out.labels.data<int64_t>();
  // IDX header of a label file: 4-byte magic + 4-byte count.
  constexpr int64_t kLabelHeaderBytes = 8;
  for (int64_t i = 0; i < n; ++i) {
    label[i] = labels.data[size_t(i)];
    if (label[i] >= numClasses)
      throw Error(labelsPath + ": label " + std::to_string(label[i]) + " of record " +
                  std::to_string(i) + " (offset " + std::to_string(kLabelHeaderBytes + i) +
                  ") is not below the number of classes " + std::to_string(numClasses));
  }
  float *pixel = out.images.data<float>();
  for (size_t i = 0; i < images.data.size(); ++i) pixel[i] = float(images.data[i]) / 255.0f;
  return out;
}

std::filesystem::path findFashionMnistDir(const std::filesystem::path &dir) {
  for (const char *name : {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                           "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}) {
    if (!std::filesystem::exists(dir / name))
      throw Error("Fashion-MNIST not found: " + (dir / name).string() +
                  " is missing. Install the Debian package dataset-fashion-mnist "
                  "(apt-get install dataset-fashion-mnist, or scripts/install-deps), "
                  "or pass the directory holding the four *-ubyte.gz files");
  }
  return dir;
}

Dataset loadFashionMnist(const std::string &split, std::filesystem::path dir) {
  if (split != "train" && split != "t10k")
    throw Error("loadFashionMnist: unknown split '" + split + "', expected 'train' or 't10k'");
  dir = findFashionMnistDir(dir.empty() ? std::filesystem::path(kFashionMnistDir) : dir);
  return loadIdxDataset((dir / (split + "-images-idx3-ubyte.gz")).string(),
                        (dir / (split + "-labels-idx1-ubyte.gz")).string(), 10);
}

} // namespace nabla
