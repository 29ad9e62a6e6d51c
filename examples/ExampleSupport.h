// Pieces every training example shares: backend names, data loading with a
// clear error, and the final report.
#pragma once

#include "frontend/Compile.h"
#include "runtime/AtomicFile.h"
#include "runtime/Dataset.h"
#include "runtime/Error.h"

#include <cstdio>
#include <cstdlib>
#include <string>

namespace nabla::examples {

inline dsl::Backend parseBackend(const std::string &name) {
  if (name == "halide") return dsl::Backend::Halide;
  if (name == "reference") return dsl::Backend::Reference;
  throw Error("unknown backend '" + name + "' (choose halide or reference)");
}

/// Halide's thread pool reads HL_NUM_THREADS when it starts; set it before
/// the first compiled call.
inline void setThreads(int threads) {
  if (threads > 0) setenv("HL_NUM_THREADS", std::to_string(threads).c_str(), 1);
}

/// The book's defaults for `kind` with learning rate `lr`.
inline OptimizerConfig optimizerWithRate(OptimizerKind kind, double lr) {
  OptimizerConfig config = OptimizerConfig::defaults(kind);
  config.lr = lr;
  return config;
}

/// Fashion-MNIST (or any MNIST-format directory) with images viewed as
/// [N, features] when `flat`.
inline Dataset loadSplit(const std::string &dir, const std::string &split, int64_t limit, bool flat) {
  Dataset data = loadFashionMnist(split, dir);
  if (data.size() == 0)
    throw Error("the " + split + " split of " + (dir.empty() ? "Fashion-MNIST" : "'" + dir + "'") +
                " has no images");
  if (limit > 0 && limit < data.size()) data = data.subset(limit);
  if (flat) data.images = data.images.reshaped({data.size(), data.images.numel() / data.size()});
  return data;
}

} // namespace nabla::examples
