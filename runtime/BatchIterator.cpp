#include "runtime/BatchIterator.h"

#include "runtime/Error.h"

#include <cstring>
#include <numeric>

namespace nabla {
namespace {

// Mixes the epoch into the seed so each epoch has its own order while the
// whole run stays reproducible from one seed (splitmix64 finalizer).
uint64_t epochSeed(uint64_t seed, int64_t epoch) {
  uint64_t z = seed + 0x9e3779b97f4a7c15ull * uint64_t(epoch + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

Batch makeBatch(int64_t n, const Shape &imageShape, int64_t numClasses, bool oneHot) {
  Shape shape = imageShape;
  shape[0] = n;
  Batch b{Tensor(shape, DType::F32), Tensor({n}, DType::I64), {}};
  if (oneHot) b.oneHot = Tensor({n, numClasses}, DType::F32);
  return b;
}

} // namespace

BatchIterator::BatchIterator(const Dataset &data, BatchOptions options)
    : data_(data), options_(options) {
  if (options_.batchSize < 1)
    throw Error("BatchIterator: batch size must be at least 1, got " +
                std::to_string(options_.batchSize));
  if (!data_.images.defined() || data_.images.rank() < 1)
    throw Error("BatchIterator: the data set has no images");
  sampleFloats_ = data_.size() ? data_.images.numel() / data_.size() : 0;
  order_.resize(size_t(data_.size()));
  startEpoch(0);
}

void BatchIterator::startEpoch(int64_t epoch) {
  std::iota(order_.begin(), order_.end(), 0);
  if (options_.shuffle) shuffleInPlace(order_, epochSeed(options_.seed, epoch));
  cursor_ = 0;
}

int64_t BatchIterator::batchesPerEpoch() const {
  const int64_t n = data_.size(), b = options_.batchSize;
  return options_.dropLast ? n / b : (n + b - 1) / b;
}

// Takes a span, not a Shape: this runs once per batch and must not allocate.
void BatchIterator::checkBatchTensor(const Tensor &t, DType dtype,
                                     std::span<const int64_t> trailing, const char *what) const {
  bool ok = t.defined() && t.dtype() == dtype && t.rank() == int64_t(trailing.size()) + 1 &&
            std::equal(trailing.begin(), trailing.end(), t.shape().begin() + 1);
  if (!ok) {
    std::string expected = std::string(dtypeName(dtype)) + " [B";
    for (int64_t d : trailing) expected += ", " + std::to_string(d);
    throw Error(std::string("BatchIterator: the ") + what + " batch tensor must be " + expected +
                "], got " + (t.defined() ? t.describe() : std::string("an undefined tensor")));
  }
}

int64_t BatchIterator::fillNext(Tensor &images, Tensor &labels, Tensor *oneHot) {
  const Shape &imageShape = data_.images.shape();
  checkBatchTensor(images, DType::F32, std::span(imageShape).subspan(1), "image");
  checkBatchTensor(labels, DType::I64, {}, "label");
  if (oneHot) checkBatchTensor(*oneHot, DType::F32, {&data_.numClasses, 1}, "one-hot");

  const int64_t remaining = data_.size() - cursor_;
  int64_t n = std::min(options_.batchSize, remaining);
  if (n <= 0 || (options_.dropLast && n < options_.batchSize)) return 0;
  const int64_t capacity = std::min(images.dim(0), labels.dim(0));
  if (capacity < n || (oneHot && oneHot->dim(0) < n))
    throw Error("BatchIterator: batch tensors hold " + std::to_string(capacity) +
                " samples, the next batch has " + std::to_string(n));

  const float *src = data_.images.data<float>();
  const int64_t *srcLabels = data_.labels.data<int64_t>();
  float *dst = images.data<float>();
  int64_t *dstLabels = labels.data<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    const int64_t from = order_[size_t(cursor_ + i)];
    std::memcpy(dst + i * sampleFloats_, src + from * sampleFloats_,
                size_t(sampleFloats_) * sizeof(float));
    dstLabels[i] = srcLabels[from];
  }
  if (oneHot) {
    const int64_t c = data_.numClasses;
    float *rows = oneHot->data<float>();
    std::memset(rows, 0, size_t(n * c) * sizeof(float));
    for (int64_t i = 0; i < n; ++i) {
      if (dstLabels[i] < 0 || dstLabels[i] >= c)
        throw Error("BatchIterator: label " + std::to_string(dstLabels[i]) + " of sample " +
                    std::to_string(order_[size_t(cursor_ + i)]) + " is outside [0, " +
                    std::to_string(c) + ")");
      rows[i * c + dstLabels[i]] = 1.0f;
    }
  }
  cursor_ += n;
  return n;
}

BatchBuffers BatchIterator::allocateBuffers() const {
  const Shape &imageShape = data_.images.shape();
  BatchBuffers buffers;
  buffers.full = makeBatch(options_.batchSize, imageShape, data_.numClasses, options_.oneHot);
  const int64_t tail = data_.size() % options_.batchSize;
  if (tail && !options_.dropLast)
    buffers.tail = makeBatch(tail, imageShape, data_.numClasses, options_.oneHot);
  return buffers;
}

const Batch *BatchIterator::next(BatchBuffers &buffers) {
  const int64_t remaining = data_.size() - cursor_;
  if (remaining <= 0 || (options_.dropLast && remaining < options_.batchSize)) return nullptr;
  const int64_t n = std::min(remaining, options_.batchSize);
  Batch &target = n < options_.batchSize ? buffers.tail : buffers.full;
  if (target.size() != n)
    throw Error("BatchIterator::next: the next batch has " + std::to_string(n) +
                " samples but its buffer holds " + std::to_string(target.size()) +
                " (allocate the buffers with allocateBuffers())");
  fillNext(target.images, target.labels, options_.oneHot ? &target.oneHot : nullptr);
  return &target;
}

} // namespace nabla
