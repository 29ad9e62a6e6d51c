#include "runtime/PngImage.h"

#include "runtime/Error.h"

#include <png.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>

namespace nabla {

// libpng's simplified API (png_image) reports errors in the struct instead of
// longjmp-ing out, which keeps C++ objects on the stack safe.

void writePng(const std::string &path, const GrayImage &image) {
  if (image.width <= 0 || image.height <= 0 ||
      image.pixels.size() != size_t(image.width) * size_t(image.height))
    throw Error("writePng: " + path + ": bad image size " + std::to_string(image.width) + "x" +
                std::to_string(image.height));
  png_image png;
  std::memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  png.width = png_uint_32(image.width);
  png.height = png_uint_32(image.height);
  png.format = PNG_FORMAT_GRAY;
  std::string temp = path + ".tmp";
  if (!png_image_write_to_file(&png, temp.c_str(), 0, image.pixels.data(), 0, nullptr)) {
    std::string message = png.message;
    png_image_free(&png);
    std::filesystem::remove(temp);
    throw Error("writePng: cannot write " + path + ": " + message);
  }
  std::error_code error;
  std::filesystem::rename(temp, path, error);
  if (error) throw Error("writePng: cannot write " + path + ": " + error.message());
}

GrayImage tileGrid(const Tensor &tiles, int columns, int scale, int gap) {
  const Shape &s = tiles.shape();
  bool nchw = s.size() == 4 && s[1] == 1;
  if (!(s.size() == 3 || nchw) || columns < 1 || scale < 1 || gap < 0)
    throw Error("tileGrid: want [N, H, W] or [N, 1, H, W] tiles, got " + shapeToString(s));
  int64_t n = s[0], h = s[s.size() - 2], w = s[s.size() - 1];
  int64_t rows = (n + columns - 1) / columns;
  GrayImage image;
  image.width = int(columns * (w * scale + gap) + gap);
  image.height = int(rows * (h * scale + gap) + gap);
  image.pixels.assign(size_t(image.width) * size_t(image.height), 255);
  for (int64_t t = 0; t < n; ++t) {
    double lo = INFINITY, hi = -INFINITY;
    for (int64_t i = 0; i < h * w; ++i) {
      double v = tiles.at(t * h * w + i);
      lo = std::min(lo, v), hi = std::max(hi, v);
    }
    int64_t top = gap + (t / columns) * (h * scale + gap);
    int64_t left = gap + (t % columns) * (w * scale + gap);
    for (int64_t y = 0; y < h * scale; ++y)
      for (int64_t x = 0; x < w * scale; ++x) {
        double v = tiles.at(t * h * w + (y / scale) * w + x / scale);
        double unit = hi > lo ? (v - lo) / (hi - lo) : 0.5;
        image.pixels[size_t((top + y) * image.width + left + x)] = uint8_t(std::lround(255 * unit));
      }
  }
  return image;
}

PngInfo readPng(const std::string &path) {
  png_image png;
  std::memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&png, path.c_str()))
    throw Error("readPng: " + path + " is not a readable PNG: " + png.message);
  PngInfo info{int(png.width), int(png.height), int(PNG_IMAGE_SAMPLE_CHANNELS(png.format))};
  std::vector<uint8_t> buffer(PNG_IMAGE_SIZE(png));
  if (!png_image_finish_read(&png, nullptr, buffer.data(), 0, nullptr)) {
    std::string message = png.message;
    png_image_free(&png);
    throw Error("readPng: " + path + " is not a complete PNG: " + message);
  }
  return info;
}

} // namespace nabla
