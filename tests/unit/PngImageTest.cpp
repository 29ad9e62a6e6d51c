// Pixel pictures and figure helpers: tileGrid's layout and per-tile scaling,
// a writePng / readPng round trip, and histogram binning.
#include "runtime/Error.h"
#include "runtime/Plot.h"
#include "runtime/PngImage.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace nabla;

TEST(PngImage, TileGridScalesEachTileAndLeavesWhiteGaps) {
  // Two 2x2 tiles: a ramp 0..3 and a constant, side by side, magnified 2x.
  Tensor tiles = Tensor::fromVector<float>({2, 1, 2, 2}, {0, 1, 2, 3, 5, 5, 5, 5});
  GrayImage image = tileGrid(tiles, 2, 2, 1);
  EXPECT_EQ(image.width, 2 * (2 * 2 + 1) + 1);
  EXPECT_EQ(image.height, 1 * (2 * 2 + 1) + 1);
  auto at = [&](int x, int y) { return image.pixels[size_t(y * image.width + x)]; };
  EXPECT_EQ(at(0, 0), 255);   // the gap
  EXPECT_EQ(at(1, 1), 0);     // ramp minimum -> black
  EXPECT_EQ(at(2, 1), 0);     // magnified: the same source pixel
  EXPECT_EQ(at(3, 3), 255);   // ramp maximum -> white
  EXPECT_EQ(at(6, 1), 128);   // a constant tile is mid-grey
}

TEST(PngImage, WriteThenReadGivesTheSize) {
  auto dir = std::filesystem::temp_directory_path() / "nabla_png_image_test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::string path = (dir / "grid.png").string();
  GrayImage image{7, 3, std::vector<uint8_t>(21, 42)};
  writePng(path, image);
  PngInfo info = readPng(path);
  EXPECT_EQ(info.width, 7);
  EXPECT_EQ(info.height, 3);
  EXPECT_EQ(info.channels, 1);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  // A truncated file is not a valid PNG.
  std::filesystem::resize_file(path, std::filesystem::file_size(path) / 2);
  EXPECT_THROW(readPng(path), Error);
  std::filesystem::remove_all(dir);
}

TEST(Plot, HistogramCountsBinsAndDropsOutliers) {
  PlotHistogram h{{0.0, 0.1, 0.5, 0.99, 1.0, -0.5, 2.0}, 2, 0.0, 1.0};
  EXPECT_EQ(histogramCounts(h), (std::vector<double>{2, 3})); // 1.0 falls in the last bin
  EXPECT_THROW(histogramCounts(PlotHistogram{{}, 0, 0, 1}), Error);
}
