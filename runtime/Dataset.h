// An in-memory labelled image data set (MNIST / Fashion-MNIST style) and the
// ways a training loop slices it: subsets, seeded shuffles, validation splits.
// Mini-batches come from BatchIterator (runtime/BatchIterator.h).
#pragma once

#include "runtime/Tensor.h"

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace nabla {

struct Dataset {
  Tensor images;          // f32 [N, 1, H, W], pixel values scaled to [0, 1]
  Tensor labels;          // i64 [N], class indices in [0, numClasses)
  int64_t numClasses = 0;

  int64_t size() const { return labels.defined() ? labels.dim(0) : 0; }
  /// The labels as f32 one-hot rows [N, numClasses].
  Tensor oneHotLabels() const;
  /// The first n samples (a copy); n must be in [0, size()].
  Dataset subset(int64_t n) const;
  /// The samples at `indices`, in that order (a copy).
  Dataset gather(std::span<const int64_t> indices) const;
  /// All samples in the order of shuffledIndices(size(), seed).
  Dataset shuffled(uint64_t seed) const;
};

/// Loads an IDX image file (rank 3: N x H x W) and an IDX label file (rank 1:
/// N) into a Dataset. Checks that the counts match and that every label is
/// below numClasses, naming the file and the offending record.
Dataset loadIdxDataset(const std::string &imagesPath, const std::string &labelsPath,
                       int64_t numClasses = 10);

/// A permutation of 0..n-1 from std::mt19937_64(seed). The same seed gives the
/// same permutation with any standard library (see Dataset.cpp for why).
std::vector<int64_t> shuffledIndices(int64_t n, uint64_t seed);

/// Shuffles `order` in place with std::mt19937_64(seed) (Fisher-Yates).
void shuffleInPlace(std::span<int64_t> order, uint64_t seed);

enum class ValidationSide { First, Last };

struct TrainValidationSplit {
  Dataset train;
  Dataset validation;
};

/// Shuffles with `seed`, then takes `validationSize` samples from the front or
/// the back of the shuffled order as the validation set and the rest as train.
TrainValidationSplit splitValidation(const Dataset &data, int64_t validationSize, uint64_t seed,
                                     ValidationSide side = ValidationSide::Last);

/// The directory the Debian package dataset-fashion-mnist installs to.
inline constexpr const char *kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

/// `dir` if it holds the four Fashion-MNIST files, otherwise an error saying
/// which file is missing and which package provides them.
std::filesystem::path findFashionMnistDir(const std::filesystem::path &dir = kFashionMnistDir);

/// Loads Fashion-MNIST's "train" (60000) or "t10k" (10000) split from `dir`
/// (default: findFashionMnistDir()).
Dataset loadFashionMnist(const std::string &split, std::filesystem::path dir = {});

} // namespace nabla
