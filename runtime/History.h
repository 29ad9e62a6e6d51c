// Per-epoch training metrics, kept in memory and written as CSV (one header
// row, one row per epoch) for plotting and for comparing runs.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace nabla {

struct EpochMetrics {
  int64_t epoch = 0;
  int64_t step = 0; // optimizer steps taken so far
  double trainLoss = NAN;
  double trainAccuracy = NAN; // fraction in [0, 1]
  double testAccuracy = NAN;  // NaN when not evaluated: written as an empty field
  double seconds = NAN;       // wall time of the epoch
  double imagesPerSecond = NAN;
};

class History {
public:
  void add(const EpochMetrics &metrics) { epochs_.push_back(metrics); }
  const std::vector<EpochMetrics> &epochs() const { return epochs_; }

  /// The CSV text: header then one row per epoch. Doubles are written in
  /// shortest round-trip form, so readCsv gives back the same values.
  std::string toCsv() const;
  /// Writes toCsv() to `path` atomically (see AtomicFile.h).
  void writeCsv(const std::string &path) const;
  /// Reads a file written by writeCsv; errors name the file, line and column.
  static History readCsv(const std::string &path);

  static constexpr const char *kCsvHeader =
      "epoch,step,train_loss,train_acc,test_acc,seconds,images_per_s";

private:
  std::vector<EpochMetrics> epochs_;
};

} // namespace nabla
