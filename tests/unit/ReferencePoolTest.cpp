// Reference interpreter: max/average pooling and their backward ops. Forward
// values by hand; backward ops against the forward kernels by the adjoint
// identity (average pooling is linear) and by central finite differences.
#include "tests/unit/WindowTestSupport.h"

#include <array>
#include <cmath>

using namespace nabla;
using namespace nabla::testing;
using reference::RefTensor;

namespace {
// 1 3 2 1
// 4 2 0 1
// 5 6 7 8
// 1 0 9 2
const RefTensor kImage({1, 1, 4, 4}, {1, 3, 2, 1, 4, 2, 0, 1, 5, 6, 7, 8, 1, 0, 9, 2});

/// Runs `nabla.<op> %x {attrs}` on x.
RefTensor pool(const std::string &op, const std::string &attrs, const RefTensor &x,
               const Shape &yShape) {
  std::string X = tensorType(x.shape), Y = tensorType(yShape);
  std::string src = "func @f(%x: " + X + ") -> " + Y + " {\n  %y = nabla." + op + " %x {" +
                    attrs + "} : (" + X + ") -> " + Y + "\n  return %y : " + Y + "\n}\n";
  auto results = runReference(src, "f", {x});
  return results.empty() ? RefTensor() : results[0];
}
} // namespace

TEST(ReferencePool, TwoByTwoStrideTwo) {
  const std::string attrs = "kernel_shape = [2, 2], strides = [2, 2]";
  expectNear(pool("max_pool2d", attrs, kImage, {1, 1, 2, 2}),
             RefTensor({1, 1, 2, 2}, {4, 2, 6, 9}));
  // (1+3+4+2)/4, (2+1+0+1)/4, (5+6+1+0)/4, (7+8+9+2)/4
  expectNear(pool("avg_pool2d", attrs, kImage, {1, 1, 2, 2}),
             RefTensor({1, 1, 2, 2}, {2.5, 1, 3, 6.5}));
}

TEST(ReferencePool, OverlappingThreeByThreeStrideOne) {
  const std::string attrs = "kernel_shape = [3, 3]";
  expectNear(pool("max_pool2d", attrs, kImage, {1, 1, 2, 2}),
             RefTensor({1, 1, 2, 2}, {7, 8, 9, 9}));
  // window sums: 1+3+2+4+2+0+5+6+7 = 30, 3+2+1+2+0+1+6+7+8 = 30,
  //              4+2+0+5+6+7+1+0+9 = 34, 2+0+1+6+7+8+0+9+2 = 35
  expectNear(pool("avg_pool2d", attrs, kImage, {1, 1, 2, 2}),
             RefTensor({1, 1, 2, 2}, {30.0 / 9, 30.0 / 9, 34.0 / 9, 35.0 / 9}));
}

TEST(ReferencePool, PaddedAverageWithAndWithoutPadCells) {
  // [[1,2],[3,4]] padded by 1 on every side, 2x2 windows at stride 1: each
  // window sees one, two or four real pixels.
  RefTensor x({1, 1, 2, 2}, {1, 2, 3, 4});
  const std::string attrs = "kernel_shape = [2, 2], pads = [1, 1, 1, 1]";
  expectNear(pool("avg_pool2d", attrs, x, {1, 1, 3, 3}),
             RefTensor({1, 1, 3, 3}, {1, 3.0 / 2, 2, 4.0 / 2, 10.0 / 4, 6.0 / 2, 3, 7.0 / 2, 4}));
  expectNear(pool("avg_pool2d", attrs + ", count_include_pad = true", x, {1, 1, 3, 3}),
             RefTensor({1, 1, 3, 3}, {0.25, 0.75, 0.5, 1, 2.5, 1.5, 0.75, 1.75, 1}));
  // Padding never wins a max, even over negative pixels.
  expectNear(pool("max_pool2d", attrs, RefTensor({1, 1, 2, 2}, {-1, -2, -3, -4}), {1, 1, 3, 3}),
             RefTensor({1, 1, 3, 3}, {-1, -1, -2, -1, -1, -2, -3, -3, -4}));
}

TEST(ReferencePool, MultiChannelBatchPoolsEachPlane) {
  RefTensor x({2, 2, 2, 2}, {1, 2, 3, 4, /**/ -1, -2, -3, -4, /**/ 0, 9, 0, 0, /**/ 5, 5, 5, 6});
  const std::string attrs = "kernel_shape = [2, 2]";
  expectNear(pool("max_pool2d", attrs, x, {2, 2, 1, 1}), RefTensor({2, 2, 1, 1}, {4, -1, 9, 6}));
  expectNear(pool("avg_pool2d", attrs, x, {2, 2, 1, 1}),
             RefTensor({2, 2, 1, 1}, {2.5, -2.5, 2.25, 5.25}));
}

TEST(ReferencePoolBackward, MaxRoutesToTheFirstMaximumAndSumsOverlaps) {
  const char *src = R"(
    func @f(%x: tensor<1x1x3x3xf32>, %dy: tensor<1x1x2x2xf32>) -> tensor<1x1x3x3xf32> {
      %dx = nabla.max_pool2d_backward %x, %dy {kernel_shape = [2, 2]}
          : (tensor<1x1x3x3xf32>, tensor<1x1x2x2xf32>) -> tensor<1x1x3x3xf32>
      return %dx : tensor<1x1x3x3xf32>
    })";
  // 0 2 2    windows: (0,0) {0,2,0,2} -> first 2 at (0,1); (0,1) {2,2,2,0} -> (0,1)
  // 0 2 0             (1,0) {0,2,1,1} -> (1,1);           (1,1) {2,0,1,1} -> (1,1)
  // 1 1 1
  RefTensor x({1, 1, 3, 3}, {0, 2, 2, 0, 2, 0, 1, 1, 1});
  RefTensor dy({1, 1, 2, 2}, {1, 10, 100, 1000});
  expectNear(runReference(src, "f", {x, dy}).at(0),
             RefTensor({1, 1, 3, 3}, {0, 11, 0, 0, 1100, 0, 0, 0, 0}));
}

TEST(ReferencePoolBackward, IndicesAreTheTapsOfTheFirstMaximaAndRouteTheSame) {
  const char *src = R"(
    func @f(%x: tensor<1x1x3x3xf32>, %dy: tensor<1x1x2x2xf32>)
        -> (tensor<1x1x2x2xf32>, tensor<1x1x2x2xi32>, tensor<1x1x3x3xf32>, tensor<1x1x3x3xf32>) {
      %p, %i = nabla.max_pool2d_with_indices %x {kernel_shape = [2, 2]}
          : (tensor<1x1x3x3xf32>) -> (tensor<1x1x2x2xf32>, tensor<1x1x2x2xi32>)
      %dx = nabla.max_pool2d_indices_backward %i, %dy {kernel_shape = [2, 2], image_size = [3, 3]}
          : (tensor<1x1x2x2xi32>, tensor<1x1x2x2xf32>) -> tensor<1x1x3x3xf32>
      %ref = nabla.max_pool2d_backward %x, %dy {kernel_shape = [2, 2]}
          : (tensor<1x1x3x3xf32>, tensor<1x1x2x2xf32>) -> tensor<1x1x3x3xf32>
      return %p, %i, %dx, %ref : tensor<1x1x2x2xf32>, tensor<1x1x2x2xi32>, tensor<1x1x3x3xf32>, tensor<1x1x3x3xf32>
    })";
  // The image of MaxRoutesToTheFirstMaximumAndSumsOverlaps: the first
  // maxima are taps 1 (0,1), 0 (0,1), 1 (1,1) and 0 (1,1) of their windows.
  RefTensor x({1, 1, 3, 3}, {0, 2, 2, 0, 2, 0, 1, 1, 1});
  RefTensor dy({1, 1, 2, 2}, {1, 10, 100, 1000});
  std::vector<RefTensor> out = runReference(src, "f", {x, dy});
  expectNear(out.at(0), RefTensor({1, 1, 2, 2}, {2, 2, 2, 2}));
  expectNear(out.at(1), RefTensor({1, 1, 2, 2}, {1, 0, 1, 0}));
  EXPECT_TRUE(out[1].isInteger);
  expectNear(out.at(2), RefTensor({1, 1, 3, 3}, {0, 11, 0, 0, 1100, 0, 0, 0, 0}));
  expectNear(out.at(2), out.at(3));
}

TEST(ReferencePoolBackward, AverageSpreadsEvenlyByHand) {
  const char *src = R"(
    func @f(%dy: tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32> {
      %dx = nabla.avg_pool2d_backward %dy
          {kernel_shape = [2, 2], pads = [1, 1, 1, 1], image_size = [2, 2]}
          : (tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32>
      return %dx : tensor<1x1x2x2xf32>
    })";
  // All-ones dy; windows with 1, 2 or 4 real pixels give each of them 1, 1/2
  // or 1/4. Pixel (0,0) lies in windows of 1 (corner), 2, 2 and 4 pixels.
  double corner = 1 + 0.5 + 0.5 + 0.25;
  expectNear(runReference(src, "f", {RefTensor({1, 1, 3, 3}, 1.0)}).at(0),
             RefTensor({1, 1, 2, 2}, {corner, corner, corner, corner}));
}

namespace {
/// A pooling configuration and a module with both pools and their backward ops.
struct PoolCase {
  int64_t n, c, h, w, kh, kw;
  std::array<int64_t, 2> strides = {1, 1};
  std::array<int64_t, 4> pads = {0, 0, 0, 0};
  bool countIncludePad = false;

  int64_t outH() const { return (h + pads[0] + pads[2] - kh) / strides[0] + 1; }
  int64_t outW() const { return (w + pads[1] + pads[3] - kw) / strides[1] + 1; }
  Shape x() const { return {n, c, h, w}; }
  Shape y() const { return {n, c, outH(), outW()}; }

  std::string module() const {
    std::string X = tensorType(x()), Y = tensorType(y());
    std::string window = "kernel_shape = " + intList(std::array<int64_t, 2>{kh, kw}) +
                         ", strides = " + intList(strides) + ", pads = " + intList(pads);
    std::string avg = window + ", count_include_pad = " + (countIncludePad ? "true" : "false");
    return "func @max(%x: " + X + ") -> " + Y + " {\n  %y = nabla.max_pool2d %x {" + window +
           "} : (" + X + ") -> " + Y + "\n  return %y : " + Y + "\n}\n" +
           "func @max_back(%x: " + X + ", %dy: " + Y + ") -> " + X +
           " {\n  %dx = nabla.max_pool2d_backward %x, %dy {" + window + "} : (" + X + ", " + Y +
           ") -> " + X + "\n  return %dx : " + X + "\n}\n" +
           "func @avg(%x: " + X + ") -> " + Y + " {\n  %y = nabla.avg_pool2d %x {" + avg +
           "} : (" + X + ") -> " + Y + "\n  return %y : " + Y + "\n}\n" +
           "func @avg_back(%dy: " + Y + ") -> " + X +
           " {\n  %dx = nabla.avg_pool2d_backward %dy {" +
           avg + ", image_size = " + intList(std::array<int64_t, 2>{h, w}) + "} : (" + Y +
           ") -> " + X + "\n  return %dx : " + X + "\n}\n";
  }
};

std::vector<PoolCase> randomCases() {
  return {
      {2, 2, 4, 4, 2, 2, {2, 2}},                               // disjoint windows
      {1, 2, 5, 6, 3, 3},                                       // overlapping, stride 1
      {1, 1, 6, 5, 3, 2, {2, 1}, {1, 0, 1, 1}},                 // padded, mixed strides
      {1, 2, 5, 5, 3, 3, {2, 2}, {1, 1, 1, 1}, true},           // padding counted
      {1, 1, 7, 6, 2, 3, {2, 2}, {0, 2, 1, 0}},                 // asymmetric, unused rows
  };
}
} // namespace

TEST(ReferencePoolBackward, AverageIsTheAdjointOfTheForwardPool) {
  std::mt19937 rng(11);
  for (const PoolCase &k : randomCases()) {
    SCOPED_TRACE(k.module());
    ParsedModule m(k.module());
    ASSERT_TRUE(m.ok());
    RefTensor x = randomTensor(k.x(), rng), g = randomTensor(k.y(), rng);
    double forward = dot(m.call1("avg", {x}), g);
    EXPECT_NEAR(dot(x, m.call1("avg_back", {g})), forward, 1e-12 * (1 + std::abs(forward)));
  }
}

// Central differences of L = <pool(x), g>; max-pool inputs have no ties, so
// a step of 1e-6 never changes which element of a window wins.
TEST(ReferencePoolBackward, FiniteDifferences) {
  std::mt19937 rng(5);
  for (const PoolCase &k : randomCases()) {
    SCOPED_TRACE(k.module());
    ParsedModule m(k.module());
    ASSERT_TRUE(m.ok());
    RefTensor x = distinctTensor(k.x(), rng), g = randomTensor(k.y(), rng);
    auto maxLoss = [&](const RefTensor &xs) { return dot(m.call1("max", {xs}), g); };
    auto avgLoss = [&](const RefTensor &xs) { return dot(m.call1("avg", {xs}), g); };
    RefTensor dMax = centralDifference(maxLoss, x), dAvg = centralDifference(avgLoss, x);
    expectNear(m.call1("max_back", {x, g}), dMax, 1e-7, 1e-8);
    expectNear(m.call1("avg_back", {g}), dAvg, 1e-7, 1e-8);
  }
}

TEST(ReferencePool, RunTimeShapeErrorsNameTheOp) {
  const char *src = R"(
    func @back(%x: tensor<?x1x4x4xf32>, %dy: tensor<?x1x2x2xf32>) -> tensor<?x1x4x4xf32> {
      %dx = nabla.max_pool2d_backward %x, %dy {kernel_shape = [2, 2], strides = [2, 2]}
          : (tensor<?x1x4x4xf32>, tensor<?x1x2x2xf32>) -> tensor<?x1x4x4xf32>
      return %dx : tensor<?x1x4x4xf32>
    }
    func @padding_only(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x3x1xf32> {
      %y = nabla.max_pool2d %x {kernel_shape = [2, 2], pads = [2, 0, 0, 0]}
          : (tensor<1x1x2x2xf32>) -> tensor<1x1x3x1xf32>
      return %y : tensor<1x1x3x1xf32>
    })";
  ParsedModule m(src);
  ASSERT_TRUE(m.ok());
  // Batch 2 images against a batch of 3 output gradients.
  expectErrorContaining([&] { m.call("back", {RefTensor({2, 1, 4, 4}), RefTensor({3, 1, 2, 2})}); },
                        "'nabla.max_pool2d_backward'");
  // The first window covers only the two padded rows: it has no maximum.
  expectErrorContaining([&] { m.call("padding_only", {RefTensor({1, 1, 2, 2})}); },
                        "lies entirely in the padding");
}
