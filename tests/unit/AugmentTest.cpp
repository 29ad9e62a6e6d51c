// Data augmentation: each transformation on images whose every pixel says
// where it came from, the random draws' ranges and reproducibility.
#include "runtime/Augment.h"

#include <gtest/gtest.h>

#include <set>

using namespace nabla;

namespace {
/// n images [n, 1, h, w] with pixel (y, x) of image i = 1000 i + 10 y + x + 1
/// (never 0, so a zero means "filled").
Tensor labelled(int64_t n, int64_t h, int64_t w) {
  Tensor t({n, 1, h, w}, DType::F32);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x) t.data<float>()[(i * h + y) * w + x] = float(1000 * i + 10 * y + x + 1);
  return t;
}
float px(const Tensor &t, int64_t i, int64_t y, int64_t x) {
  return t.data<float>()[(i * t.dim(2) + y) * t.dim(3) + x];
}
} // namespace

TEST(Augment, FlipMirrorsOneImageAndTwiceIsIdentity) {
  Tensor t = labelled(2, 3, 4), original = t.clone();
  flipHorizontal(t, 1);
  for (int64_t y = 0; y < 3; ++y)
    for (int64_t x = 0; x < 4; ++x) {
      EXPECT_EQ(px(t, 1, y, x), px(original, 1, y, 3 - x));
      EXPECT_EQ(px(t, 0, y, x), px(original, 0, y, x)); // the other image is untouched
    }
  flipHorizontal(t, 1);
  for (int64_t i = 0; i < t.numel(); ++i) EXPECT_EQ(t.at(i), original.at(i));
}

TEST(Augment, ShiftMovesPixelsAndFillsWithZero) {
  Tensor t = labelled(1, 4, 5), original = t.clone();
  shiftImage(t, 0, 1, -2); // one down, two left
  for (int64_t y = 0; y < 4; ++y)
    for (int64_t x = 0; x < 5; ++x) {
      int64_t sy = y - 1, sx = x + 2;
      float expected = sy >= 0 && sx < 5 ? px(original, 0, sy, sx) : 0.0f;
      EXPECT_EQ(px(t, 0, y, x), expected) << y << "," << x;
    }
  Tensor same = labelled(1, 4, 5);
  shiftImage(same, 0, 0, 0);
  EXPECT_EQ(px(same, 0, 3, 4), px(original, 0, 3, 4));
}

TEST(Augment, CropOfTheWholeImageIsIdentityAndAWindowIsStretched) {
  Tensor t = labelled(1, 4, 4), original = t.clone();
  cropAndResize(t, 0, 0, 0, 4);
  for (int64_t i = 0; i < t.numel(); ++i) EXPECT_FLOAT_EQ(float(t.at(i)), float(original.at(i)));
  // A 2x2 window stretched to 4x4: corners keep the window's corners, and
  // the pixel values are linear in x and y, so bilinear interpolation
  // reproduces the linear function at each output centre.
  Tensor z = labelled(1, 4, 4);
  cropAndResize(z, 0, 1, 2, 2);
  for (int64_t y = 0; y < 4; ++y)
    for (int64_t x = 0; x < 4; ++x) {
      double sy = std::clamp((y + 0.5) * 0.5 - 0.5, 0.0, 1.0), sx = std::clamp((x + 0.5) * 0.5 - 0.5, 0.0, 1.0);
      EXPECT_NEAR(px(z, 0, y, x), 10 * (1 + sy) + (2 + sx) + 1, 1e-5) << y << "," << x;
    }
  EXPECT_THROW(cropAndResize(z, 0, 3, 0, 2), std::exception);
}

TEST(Augment, AugmenterDrawsWithinRangesReproducibly) {
  // Shifts only, up to 2 pixels: pixel (5, 5) of a 12x12 image lands within
  // 2 of where it was, and the whole image is the original moved.
  const int64_t n = 200;
  Tensor t = labelled(n, 12, 12);
  Augmenter shift({.maxShift = 2, .seed = 3});
  shift.apply(t, n, 7);
  std::set<std::pair<int64_t, int64_t>> seen;
  for (int64_t i = 0; i < n; ++i) {
    // Find the shift from where the original centre pixel ended up.
    float centre = float(1000 * i + 10 * 5 + 5 + 1);
    int found = 0;
    for (int64_t y = 0; y < 12; ++y)
      for (int64_t x = 0; x < 12; ++x)
        if (px(t, i, y, x) == centre) {
          ++found;
          EXPECT_LE(std::abs(y - 5), 2);
          EXPECT_LE(std::abs(x - 5), 2);
          seen.insert({y - 5, x - 5});
        }
    EXPECT_EQ(found, 1) << i;
  }
  EXPECT_EQ(seen.size(), 25u); // all 5 x 5 shifts occur in 200 draws
  // The same (seed, call) gives the same images; another call others.
  Tensor again = labelled(n, 12, 12), other = labelled(n, 12, 12);
  shift.apply(again, n, 7);
  shift.apply(other, n, 8);
  bool same = true, differs = false;
  for (int64_t i = 0; i < t.numel(); ++i) same &= t.at(i) == again.at(i), differs |= t.at(i) != other.at(i);
  EXPECT_TRUE(same);
  EXPECT_TRUE(differs);
}

TEST(Augment, FlipHappensToAboutHalfAndOnlyToTheFirstN) {
  const int64_t n = 1000;
  Tensor t = labelled(n + 1, 2, 3), original = t.clone();
  Augmenter({.flip = true, .seed = 1}).apply(t, n, 0);
  int flipped = 0;
  for (int64_t i = 0; i < n; ++i) flipped += px(t, i, 0, 0) == px(original, i, 0, 2);
  EXPECT_GT(flipped, 430); // binomial(1000, 0.5): 500 +- 16
  EXPECT_LT(flipped, 570);
  EXPECT_EQ(px(t, n, 0, 0), px(original, n, 0, 0)); // past n: untouched
  EXPECT_THROW(Augmenter({.cropSize = 3}).apply(t, n, 0), std::exception); // 3 > 2 rows
}
