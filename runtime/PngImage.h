// Grayscale PNG images through libpng: writing pictures made of pixels (the
// conv1 filter grids, sample images) and reading a PNG back fully decoded, so
// tests can check that a file is a valid PNG of the expected size.
#pragma once

#include "runtime/Tensor.h"

#include <cstdint>
#include <string>
#include <vector>

namespace nabla {

/// An 8-bit grayscale image, row-major.
struct GrayImage {
  int width = 0, height = 0;
  std::vector<uint8_t> pixels; // width * height
};

/// Writes `image` as an 8-bit grayscale PNG (through a temporary file and a
/// rename). Throws nabla::Error naming the file on failure.
void writePng(const std::string &path, const GrayImage &image);

/// Lays out the [N, H, W] (or [N, 1, H, W]) tiles of `tiles` in a grid of
/// `columns`, each tile scaled to its own min..max (so a filter's sign pattern
/// shows whatever its magnitude; a constant tile is mid-grey), magnified
/// `scale` times and separated by `gap` white pixels.
GrayImage tileGrid(const Tensor &tiles, int columns, int scale = 1, int gap = 1);

/// What readPng learned about a file.
struct PngInfo {
  int width = 0, height = 0;
  int channels = 0; // after libpng's decoding (gray 1, gray+alpha 2, RGB 3, RGBA 4)
};

/// Decodes every row of the PNG at `path`; throws nabla::Error if it is not
/// a complete, valid PNG.
PngInfo readPng(const std::string &path);

} // namespace nabla
