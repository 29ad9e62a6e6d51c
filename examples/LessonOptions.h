// The command-line options and data loading every Fashion-MNIST lesson
// shares (--train-size, --test-size, --data, --out, --backend, --threads,
// --seed), so each program declares only the options that are its own.
// A lesson's Settings derives from LessonOptions and sets its own defaults
// (the book's 300 or 1000 training images) before addTo().
#pragma once

#include "examples/ExampleSupport.h"

#include <CLI/CLI.hpp>

#include <string>

namespace nabla::examples {

struct LessonOptions {
  int64_t trainSize = 0, testSize = 0; // 0: the whole split
  uint64_t seed = 0;
  int threads = 0; // 0: all cores
  std::string data, out = ".", backendName = "halide";
  dsl::Backend backend = dsl::Backend::Halide; // set by apply() from --backend

  /// Adds the shared options to `app`: --out only when `outHelp` (what the
  /// lesson writes there) is not empty, --test-size only when `withTest`.
  void addTo(CLI::App &app, const std::string &outHelp, const std::string &seedHelp = "initial weights and batch order",
             bool withTest = true);
  /// After parsing: checks --backend, sets the thread count, creates --out.
  void apply();
  /// `name` inside --out.
  std::string outPath(const std::string &name) const;
  /// The first --train-size training images (as [N, features] rows when `flat`).
  Dataset trainSet(bool flat) const { return loadSplit(data, "train", trainSize, flat); }
  /// The first --test-size test images (as [N, features] rows when `flat`).
  Dataset testSet(bool flat) const { return loadSplit(data, "t10k", testSize, flat); }
};

} // namespace nabla::examples
