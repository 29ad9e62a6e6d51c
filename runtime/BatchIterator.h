// Mini-batches over a Dataset for training and evaluation. The iterator copies
// samples into batch tensors the caller allocated once: fresh memory costs a
// page fault per 4 KiB on first touch, so nothing is allocated per batch.
#pragma once

#include "runtime/Dataset.h"

#include <cstdint>
#include <span>
#include <vector>

namespace nabla {

struct BatchOptions {
  int64_t batchSize = 100;
  /// Reshuffle the order at every epoch (seeded by seed and the epoch number).
  bool shuffle = true;
  uint64_t seed = 0;
  /// true: a last batch smaller than batchSize is skipped. false: it is
  /// returned with fewer samples.
  bool dropLast = false;
  /// Also fill f32 one-hot label rows [B, numClasses].
  bool oneHot = false;
};

/// The tensors of one batch: images f32 [n, 1, H, W], labels i64 [n], and, if
/// asked for, oneHot f32 [n, C], where n is the size of the current batch.
struct Batch {
  Tensor images, labels, oneHot;
  int64_t size() const { return labels.defined() ? labels.dim(0) : 0; }
};

/// Tensors preallocated for every batch of an epoch (see BatchIterator::next).
struct BatchBuffers {
  Batch full; // batchSize samples
  Batch tail; // the shorter last batch; undefined when there is none
};

class BatchIterator {
public:
  /// Keeps a reference to `data`, which must outlive the iterator.
  BatchIterator(const Dataset &data, BatchOptions options);

  /// Starts epoch `epoch`: rewinds and, with shuffle on, derives this epoch's
  /// order from (seed, epoch), so any epoch can be replayed on its own.
  void startEpoch(int64_t epoch);

  /// Batches per epoch with the current options.
  int64_t batchesPerEpoch() const;

  /// Fills rows [0, n) of caller-allocated tensors with the next n samples and
  /// returns n, or 0 when the epoch is over. images must be f32 [B, 1, H, W],
  /// labels i64 [B], oneHot (optional) f32 [B, C] with B >= n; rows past n are
  /// left as they were.
  int64_t fillNext(Tensor &images, Tensor &labels, Tensor *oneHot = nullptr);

  /// Fills the next batch into `buffers` (from allocateBuffers()) and returns
  /// it, or nullptr when the epoch is over. Full batches use buffers.full; a
  /// shorter last batch uses buffers.tail, allocated at its exact size, so each
  /// batch's tensors have the batch's exact shape without allocating.
  const Batch *next(BatchBuffers &buffers);

  /// Allocates the tensors next() fills (once, before training).
  BatchBuffers allocateBuffers() const;

private:
  void checkBatchTensor(const Tensor &t, DType dtype, std::span<const int64_t> trailing,
                        const char *what) const;

  const Dataset &data_;
  BatchOptions options_;
  std::vector<int64_t> order_; // allocated once, refilled each epoch
  int64_t cursor_ = 0;
  int64_t sampleFloats_ = 0;
};

} // namespace nabla
