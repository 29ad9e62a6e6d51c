// A self-contained reader of the IDX files of (Fashion-)MNIST, gzipped or
// raw, for the AOT example: it must not link the nabla runtime (the point of
// AOT is a program with nothing of nabla but the generated library).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace idx {

/// Images as floats in [0, 1] (pixel / 255, as nabla's trainer feeds them),
/// `count` x rows x cols, and their labels. At most `limit` (0: all) items.
struct Images {
  int64_t count = 0, rows = 0, cols = 0;
  std::vector<float> pixels;
  std::vector<int> labels;
};

/// Reads <dir>/<split>-images-idx3-ubyte.gz and the labels file beside it.
/// Returns false with `error` set when a file is missing or malformed.
bool readSplit(const std::string &dir, const std::string &split, int64_t limit, Images &out,
               std::string &error);

} // namespace idx
