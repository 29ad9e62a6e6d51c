// Reference interpreter: conv2d, im2col/col2im and the conv backward ops.
// Forward values are computed by hand (comments show the arithmetic); the
// backward ops are checked against the forward kernel by adjoint identities
// and by central finite differences, and conv2d against the im2col path.
#include "tests/unit/WindowTestSupport.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser.h"

#include <array>
#include <cmath>

using namespace nabla;
using namespace nabla::testing;
using reference::RefTensor;

namespace {
/// Runs `nabla.conv2d {attrs}` on args = (x, w) or, given biasShape, (x, w, b).
RefTensor runConv(const std::string &attrs, const Shape &xShape, const Shape &wShape,
                  const Shape &yShape, std::vector<RefTensor> args, const Shape &biasShape = {}) {
  bool bias = !biasShape.empty();
  std::string types = tensorType(xShape) + ", " + tensorType(wShape) +
                      (bias ? ", " + tensorType(biasShape) : "");
  std::string src = "func @f(%x: " + tensorType(xShape) + ", %w: " + tensorType(wShape) +
                    (bias ? ", %b: " + tensorType(biasShape) : "") + ") -> " +
                    tensorType(yShape) + " {\n  %y = nabla.conv2d %x, %w" +
                    (bias ? ", %b " : " ") + attrs + " : (" + types + ") -> " +
                    tensorType(yShape) + "\n  return %y : " + tensorType(yShape) + "\n}\n";
  auto results = runReference(src, "f", std::move(args));
  return results.empty() ? RefTensor() : results[0];
}

RefTensor iota(const Shape &shape) {
  RefTensor t(shape);
  for (int64_t i = 0; i < t.numel(); ++i) t[i] = double(i);
  return t;
}
} // namespace

TEST(ReferenceConv, TextbookThreeByThree) {
  RefTensor x({1, 1, 3, 3}, {3, 3, 2, 0, 5, 1, 4, 2, 2});
  RefTensor w({1, 1, 2, 2}, {1, 2, 3, 2});
  // top-left  3*1 + 3*2 + 0*3 + 5*2 = 19    top-right    3*1 + 2*2 + 5*3 + 1*2 = 24
  // bottom-left 0*1 + 5*2 + 4*3 + 2*2 = 26  bottom-right 5*1 + 1*2 + 2*3 + 2*2 = 17
  expectNear(runConv("", {1, 1, 3, 3}, {1, 1, 2, 2}, {1, 1, 2, 2}, {x, w}),
             RefTensor({1, 1, 2, 2}, {19, 24, 26, 17}));
}

TEST(ReferenceConv, PaddedFiveBySixWithFourByFourFilterGivesSixBySeven) {
  // All ones: each output counts the taps of its window that land in the
  // image. Rows oh-2..oh+1 inside [0,5) number 2,3,4,4,3,2; columns
  // ow-2..ow+1 inside [0,6) number 2,3,4,4,4,3,2; the count is their product.
  RefTensor x({1, 1, 5, 6}, 1.0), w({1, 1, 4, 4}, 1.0);
  RefTensor y = runConv("{pads = [2, 2, 2, 2]}", {1, 1, 5, 6}, {1, 1, 4, 4}, {1, 1, 6, 7}, {x, w});
  ASSERT_EQ(y.shape, (Shape{1, 1, 6, 7}));
  const double rows[] = {2, 3, 4, 4, 3, 2}, cols[] = {2, 3, 4, 4, 4, 3, 2};
  for (int oh = 0; oh < 6; ++oh)
    for (int ow = 0; ow < 7; ++ow) EXPECT_EQ(y[oh * 7 + ow], rows[oh] * cols[ow]);
}

TEST(ReferenceConv, MultiChannelBatchAndBias) {
  RefTensor x({2, 2, 2, 3}, {1, 2, 3, 4, 5, 6, /**/ 1, 0, 1, 0, 1, 0,    // image 0, channels 0, 1
                             0, 1, 0, 1, 0, 1, /**/ 2, 2, 2, 2, 2, 2});  // image 1
  RefTensor w({2, 2, 2, 2}, {1, 0, 0, 1, /**/ 1, 1, 1, 1,     // output channel 0
                             0, 1, 1, 0, /**/ -1, 0, 0, 0});  // output channel 1
  RefTensor b({2}, {10, -1});
  // image 0, out 0: (1+5) + 2 + 10 = 18, (2+6) + 2 + 10 = 20
  //          out 1: (2+4) - 1 - 1 = 4,   (3+5) - 0 - 1 = 7
  // image 1, out 0: (0+0) + 8 + 10 = 18, (1+1) + 8 + 10 = 20
  //          out 1: (1+1) - 2 - 1 = -1,  (0+0) - 2 - 1 = -3
  expectNear(runConv("", {2, 2, 2, 3}, {2, 2, 2, 2}, {2, 2, 1, 2}, {x, w, b}, {2}),
             RefTensor({2, 2, 1, 2}, {18, 20, 4, 7, 18, 20, -1, -3}));
}

TEST(ReferenceConv, StrideTwo) {
  // x[i][j] = 4i + j; a 2x2 box filter at stride 2 sums disjoint blocks:
  // 0+1+4+5, 2+3+6+7, 8+9+12+13, 10+11+14+15.
  expectNear(runConv("{strides = [2, 2]}", {1, 1, 4, 4}, {1, 1, 2, 2}, {1, 1, 2, 2},
                     {iota({1, 1, 4, 4}), RefTensor({1, 1, 2, 2}, 1.0)}),
             RefTensor({1, 1, 2, 2}, {10, 18, 42, 50}));
}

TEST(ReferenceConv, GroupsTwo) {
  RefTensor x({1, 2, 2, 2}, {1, 2, 3, 4, /**/ 5, 6, 7, 8});
  // Outputs 0, 1 see channel 0 only; outputs 2, 3 channel 1 only.
  RefTensor w({4, 1, 2, 2}, {1, 1, 1, 1, /**/ 1, 0, 0, -1, /**/ 1, 1, 1, 1, /**/ 1, 0, 0, -1});
  // 1+2+3+4 = 10, 1-4 = -3, 5+6+7+8 = 26, 5-8 = -3
  expectNear(runConv("{groups = 2}", {1, 2, 2, 2}, {4, 1, 2, 2}, {1, 4, 1, 1}, {x, w}),
             RefTensor({1, 4, 1, 1}, {10, -3, 26, -3}));
}

TEST(ReferenceConv, DilationTwo) {
  // x[i][j] = 4i + j; taps at (0,0) (0,2) (2,0) (2,2) weighted 1, 2, 3, 4:
  // (0,0): 0 + 2*2 + 8*3 + 10*4 = 68    (0,1): 1 + 3*2 + 9*3 + 11*4 = 78
  // (1,0): 4 + 6*2 + 12*3 + 14*4 = 108  (1,1): 5 + 7*2 + 13*3 + 15*4 = 118
  expectNear(runConv("{dilations = [2, 2]}", {1, 1, 4, 4}, {1, 1, 2, 2}, {1, 1, 2, 2},
                     {iota({1, 1, 4, 4}), RefTensor({1, 1, 2, 2}, {1, 2, 3, 4})}),
             RefTensor({1, 1, 2, 2}, {68, 78, 108, 118}));
}

TEST(ReferenceConv, AsymmetricPads) {
  // pads [top 1, left 0, bottom 0, right 1] turn [[1,2],[3,4]] into
  //   0 0 0
  //   1 2 0
  //   3 4 0   and a 2x2 box filter gives [[1+2, 2+0], [1+2+3+4, 2+4]].
  expectNear(runConv("{pads = [1, 0, 0, 1]}", {1, 1, 2, 2}, {1, 1, 2, 2}, {1, 1, 2, 2},
                     {RefTensor({1, 1, 2, 2}, {1, 2, 3, 4}), RefTensor({1, 1, 2, 2}, 1.0)}),
             RefTensor({1, 1, 2, 2}, {3, 2, 10, 6}));
}

TEST(ReferenceIm2Col, ShapesAndEntries) {
  const char *src = R"(
    func @one(%x: tensor<1x3x7x7xf32>) -> tensor<9x75xf32> {
      %c = nabla.im2col %x {kernel_shape = [5, 5]} : (tensor<1x3x7x7xf32>) -> tensor<9x75xf32>
      return %c : tensor<9x75xf32>
    }
    func @ten(%x: tensor<10x3x7x7xf32>) -> tensor<90x75xf32> {
      %c = nabla.im2col %x {kernel_shape = [5, 5]} : (tensor<10x3x7x7xf32>) -> tensor<90x75xf32>
      return %c : tensor<90x75xf32>
    })";
  // With x = iota, pixel (n, c, h, w) holds ((n*3 + c)*7 + h)*7 + w; entry
  // (row = (n, oh, ow), column = (c, kh, kw)) reads pixel (n, c, oh+kh, ow+kw).
  RefTensor one = runReference(src, "one", {iota({1, 3, 7, 7})}).at(0);
  ASSERT_EQ(one.shape, (Shape{9, 75}));
  EXPECT_EQ(one[0 * 75 + 0], 0);     // (0,0,0) x (0,0,0)
  EXPECT_EQ(one[0 * 75 + 74], 130);  // (0,0,0) x (2,4,4): (2*7 + 4)*7 + 4
  EXPECT_EQ(one[4 * 75 + 6], 16);    // (0,1,1) x (0,1,1): 2*7 + 2
  EXPECT_EQ(one[8 * 75 + 25], 65);   // (0,2,2) x (1,0,0): (7 + 2)*7 + 2
  RefTensor ten = runReference(src, "ten", {iota({10, 3, 7, 7})}).at(0);
  ASSERT_EQ(ten.shape, (Shape{90, 75}));
  EXPECT_EQ(ten[45 * 75 + 0], 735);    // (5,0,0) x (0,0,0): 15*7*7
  EXPECT_EQ(ten[89 * 75 + 74], 1469);  // (9,2,2) x (2,4,4): (29*7 + 6)*7 + 6
}

TEST(ReferenceIm2Col, SmallImageByHandWithPaddingAndStride) {
  const char *src = R"(
    func @plain(%x: tensor<1x1x3x3xf32>) -> tensor<4x4xf32> {
      %c = nabla.im2col %x {kernel_shape = [2, 2]} : (tensor<1x1x3x3xf32>) -> tensor<4x4xf32>
      return %c : tensor<4x4xf32>
    }
    func @padded(%x: tensor<1x1x3x3xf32>) -> tensor<4x4xf32> {
      %c = nabla.im2col %x {kernel_shape = [2, 2], strides = [2, 2], pads = [1, 1, 1, 1]}
          : (tensor<1x1x3x3xf32>) -> tensor<4x4xf32>
      return %c : tensor<4x4xf32>
    })";
  RefTensor x({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  expectNear(runReference(src, "plain", {x}).at(0),
             RefTensor({4, 4}, {1, 2, 4, 5, 2, 3, 5, 6, 4, 5, 7, 8, 5, 6, 8, 9}));
  // Windows start at padded (-1,-1), (-1,1), (1,-1), (1,1); padding reads 0.
  expectNear(runReference(src, "padded", {x}).at(0),
             RefTensor({4, 4}, {0, 0, 0, 1, 0, 0, 2, 3, 0, 4, 0, 7, 5, 6, 8, 9}));
}

TEST(ReferenceCol2Im, SumsOverlappingWindowsByHand) {
  const char *src = R"(
    func @f(%c: tensor<4x4xf32>) -> tensor<1x1x3x3xf32> {
      %x = nabla.col2im %c {kernel_shape = [2, 2], image_size = [3, 3]}
          : (tensor<4x4xf32>) -> tensor<1x1x3x3xf32>
      return %x : tensor<1x1x3x3xf32>
    })";
  // All-ones columns: each pixel receives one per window covering it.
  expectNear(runReference(src, "f", {RefTensor({4, 4}, 1.0)}).at(0),
             RefTensor({1, 1, 3, 3}, {1, 2, 1, 2, 4, 2, 1, 2, 1}));
}

namespace {
/// A convolution configuration and a module with its forward and backward
/// functions (no bias, so the forward op is linear in x and in w).
struct ConvCase {
  int64_t n, c, h, w, o, kh, kw;
  std::array<int64_t, 2> strides = {1, 1}, dilations = {1, 1};
  std::array<int64_t, 4> pads = {0, 0, 0, 0};
  int64_t groups = 1;

  // Output size as ConvOps.td documents it.
  int64_t outH() const {
    return (h + pads[0] + pads[2] - dilations[0] * (kh - 1) - 1) / strides[0] + 1;
  }
  int64_t outW() const {
    return (w + pads[1] + pads[3] - dilations[1] * (kw - 1) - 1) / strides[1] + 1;
  }
  Shape x() const { return {n, c, h, w}; }
  Shape filter() const { return {o, c / groups, kh, kw}; }
  Shape y() const { return {n, o, outH(), outW()}; }
  Shape cols() const { return {n * outH() * outW(), c * kh * kw}; }

  std::string window() const {
    return "strides = " + intList(strides) + ", pads = " + intList(pads) +
           ", dilations = " + intList(dilations);
  }
  std::string module() const {
    std::string X = tensorType(x()), W = tensorType(filter()), Y = tensorType(y()),
                C = tensorType(cols()), g = ", groups = " + std::to_string(groups);
    return "func @conv(%x: " + X + ", %w: " + W + ") -> " + Y + " {\n" +
           "  %y = nabla.conv2d %x, %w {" + window() + g + "} : (" + X + ", " + W + ") -> " + Y +
           "\n  return %y : " + Y + "\n}\n" +
           "func @data(%dy: " + Y + ", %w: " + W + ") -> " + X + " {\n" +
           "  %dx = nabla.conv2d_backward_data %dy, %w {" + window() + g + ", image_size = " +
           intList(std::array<int64_t, 2>{h, w}) + "} : (" + Y + ", " + W + ") -> " + X +
           "\n  return %dx : " + X + "\n}\n" +
           "func @filter(%x: " + X + ", %dy: " + Y + ") -> " + W + " {\n" +
           "  %dw = nabla.conv2d_backward_filter %x, %dy {" + window() + g + ", kernel_shape = " +
           intList(std::array<int64_t, 2>{kh, kw}) + "} : (" + X + ", " + Y + ") -> " + W +
           "\n  return %dw : " + W + "\n}\n" +
           "func @im2col(%x: " + X + ") -> " + C + " {\n" +
           "  %c = nabla.im2col %x {" + window() + ", kernel_shape = " +
           intList(std::array<int64_t, 2>{kh, kw}) + "} : (" + X + ") -> " + C +
           "\n  return %c : " + C + "\n}\n" +
           "func @col2im(%c: " + C + ") -> " + X + " {\n" +
           "  %x = nabla.col2im %c {" + window() + ", kernel_shape = " +
           intList(std::array<int64_t, 2>{kh, kw}) + ", image_size = " +
           intList(std::array<int64_t, 2>{h, w}) + "} : (" + C + ") -> " + X +
           "\n  return %x : " + X + "\n}\n";
  }
};

std::vector<ConvCase> randomCases() {
  std::vector<ConvCase> cases;
  cases.push_back({2, 2, 5, 6, 3, 3, 3});                           // plain, batched
  cases.push_back({1, 2, 7, 6, 2, 3, 2, {2, 2}, {1, 1}, {1, 0, 2, 1}}); // stride 2, asymmetric pads
  cases.push_back({1, 1, 6, 7, 2, 2, 3, {1, 1}, {2, 2}, {1, 1, 1, 1}}); // dilation 2, padding
  cases.push_back({2, 4, 5, 5, 4, 2, 2, {2, 1}, {1, 2}, {0, 1, 1, 0}, 2}); // groups 2, mixed
  cases.push_back({1, 3, 6, 6, 3, 3, 3, {2, 2}, {1, 1}, {0, 0, 0, 0}, 3}); // depthwise, unused rows
  return cases;
}
} // namespace

// <conv(x; w), g> = <x, backward_data(g; w)> = <w, backward_filter(x, g)>,
// since conv2d without bias is bilinear in (x, w).
TEST(ReferenceConvBackward, AdjointIdentities) {
  std::mt19937 rng(20261123);
  for (const ConvCase &k : randomCases()) {
    SCOPED_TRACE(k.module());
    ParsedModule m(k.module());
    ASSERT_TRUE(m.ok());
    RefTensor x = randomTensor(k.x(), rng), w = randomTensor(k.filter(), rng),
              g = randomTensor(k.y(), rng), cols = randomTensor(k.cols(), rng);
    double forward = dot(m.call1("conv", {x, w}), g);
    EXPECT_NEAR(dot(x, m.call1("data", {g, w})), forward, 1e-12 * (1 + std::abs(forward)));
    EXPECT_NEAR(dot(w, m.call1("filter", {x, g})), forward, 1e-12 * (1 + std::abs(forward)));
    double unfolded = dot(m.call1("im2col", {x}), cols);
    EXPECT_NEAR(dot(x, m.call1("col2im", {cols})), unfolded, 1e-12 * (1 + std::abs(unfolded)));
  }
}

// Central differences of L = <conv(x; w), g> against the backward ops.
TEST(ReferenceConvBackward, FiniteDifferences) {
  std::mt19937 rng(7);
  for (const ConvCase &k : randomCases()) {
    SCOPED_TRACE(k.module());
    ParsedModule m(k.module());
    ASSERT_TRUE(m.ok());
    RefTensor x = randomTensor(k.x(), rng), w = randomTensor(k.filter(), rng),
              g = randomTensor(k.y(), rng);
    auto lossOfX = [&](const RefTensor &xs) { return dot(m.call1("conv", {xs, w}), g); };
    auto lossOfW = [&](const RefTensor &ws) { return dot(m.call1("conv", {x, ws}), g); };
    RefTensor dx = centralDifference(lossOfX, x), dw = centralDifference(lossOfW, w);
    expectNear(m.call1("data", {g, w}), dx, 1e-7, 1e-8);
    expectNear(m.call1("filter", {x, g}), dw, 1e-7, 1e-8);
  }
}

// conv2d(x) + b == reshape(im2col(x) x reshape(w, [O, C*KH*KW])^T) + b, the
// GEMM done here by plain loops.
TEST(ReferenceConv, MatchesIm2ColTimesFilter) {
  std::mt19937 rng(42);
  ConvCase k{2, 3, 6, 5, 4, 3, 2, {2, 1}, {1, 2}, {1, 0, 0, 1}};
  std::string X = tensorType(k.x()), W = tensorType(k.filter()), Y = tensorType(k.y());
  ParsedModule m(k.module() + "func @biased(%x: " + X + ", %w: " + W + ", %b: tensor<4xf32>) -> " +
                 Y + " {\n  %y = nabla.conv2d %x, %w, %b {" + k.window() + "} : (" + X + ", " +
                 W + ", tensor<4xf32>) -> " + Y + "\n  return %y : " + Y + "\n}\n");
  ASSERT_TRUE(m.ok());
  RefTensor x = randomTensor(k.x(), rng), w = randomTensor(k.filter(), rng),
            b = randomTensor({4}, rng);
  RefTensor cols = m.call1("im2col", {x});
  int64_t pixels = k.outH() * k.outW(), depth = k.c * k.kh * k.kw;
  RefTensor expected(k.y());
  for (int64_t n = 0; n < k.n; ++n)
    for (int64_t o = 0; o < k.o; ++o)
      for (int64_t p = 0; p < pixels; ++p) {
        double sum = b[o];
        for (int64_t j = 0; j < depth; ++j)
          sum += cols[(n * pixels + p) * depth + j] * w[o * depth + j];
        expected[(n * k.o + o) * pixels + p] = sum;
      }
  expectNear(m.call1("biased", {x, w, b}), expected);
}

TEST(ReferenceConv, RunTimeShapeErrorsNameTheOp) {
  const char *src = R"(
    func @filter(%x: tensor<?x1x4x4xf32>, %dy: tensor<?x2x3x3xf32>) -> tensor<2x1x2x2xf32> {
      %dw = nabla.conv2d_backward_filter %x, %dy {kernel_shape = [2, 2]}
          : (tensor<?x1x4x4xf32>, tensor<?x2x3x3xf32>) -> tensor<2x1x2x2xf32>
      return %dw : tensor<2x1x2x2xf32>
    }
    func @channels(%x: tensor<?x?x4x4xf32>, %w: tensor<2x3x2x2xf32>) -> tensor<?x2x3x3xf32> {
      %y = nabla.conv2d %x, %w : (tensor<?x?x4x4xf32>, tensor<2x3x2x2xf32>) -> tensor<?x2x3x3xf32>
      return %y : tensor<?x2x3x3xf32>
    }
    func @spatial(%x: tensor<1x1x?x?xf32>, %w: tensor<1x1x3x3xf32>) -> tensor<1x1x?x?xf32> {
      %y = nabla.conv2d %x, %w : (tensor<1x1x?x?xf32>, tensor<1x1x3x3xf32>) -> tensor<1x1x?x?xf32>
      return %y : tensor<1x1x?x?xf32>
    })";
  ParsedModule m(src);
  ASSERT_TRUE(m.ok());
  // Batch 2 images against a batch of 3 output gradients.
  expectErrorContaining(
      [&] { m.call("filter", {RefTensor({2, 1, 4, 4}), RefTensor({3, 2, 3, 3})}); },
      "'nabla.conv2d_backward_filter'");
  // 2 input channels where the filter expects 3.
  expectErrorContaining(
      [&] { m.call("channels", {RefTensor({1, 2, 4, 4}), RefTensor({2, 3, 2, 2})}); },
      "'nabla.conv2d' at");
  // A 3x3 filter on a 2x5 image.
  expectErrorContaining(
      [&] { m.call("spatial", {RefTensor({1, 1, 2, 5}), RefTensor({1, 1, 3, 3})}); },
      "does not fit");
}

namespace {
/// The diagnostics of parsing `source`, which must fail to verify.
std::string verifierErrors(const char *source) {
  auto context = makeContext();
  std::string errors;
  mlir::ScopedDiagnosticHandler handler(context.get(), [&](mlir::Diagnostic &diag) {
    errors += diag.str() + "\n";
    return mlir::success();
  });
  EXPECT_FALSE(mlir::parseSourceString<mlir::ModuleOp>(source, context.get()));
  return errors;
}
} // namespace

// Shape inference used to accept a window one pixel taller than the image at
// stride 2 ((4 - 5) / 2 + 1 truncates to 1); it must be rejected.
TEST(ConvShapeInference, RejectsWindowLargerThanImageAtStrideTwo) {
  std::string errors = verifierErrors(R"(
    func @f(%x: tensor<1x1x4x4xf32>, %w: tensor<1x1x5x5xf32>) -> tensor<1x1x1x1xf32> {
      %y = nabla.conv2d %x, %w {strides = [2, 2]}
          : (tensor<1x1x4x4xf32>, tensor<1x1x5x5xf32>) -> tensor<1x1x1x1xf32>
      return %y : tensor<1x1x1x1xf32>
    })");
  EXPECT_NE(errors.find("does not fit"), std::string::npos) << errors;
}

// The backward ops used to accept output channels that groups do not divide.
TEST(ConvShapeInference, BackwardOpsRejectOutputChannelsNotDivisibleByGroups) {
  std::string data = verifierErrors(R"(
    func @f(%dy: tensor<1x3x3x3xf32>, %w: tensor<3x1x2x2xf32>) -> tensor<1x2x4x4xf32> {
      %dx = nabla.conv2d_backward_data %dy, %w {image_size = [4, 4], groups = 2}
          : (tensor<1x3x3x3xf32>, tensor<3x1x2x2xf32>) -> tensor<1x2x4x4xf32>
      return %dx : tensor<1x2x4x4xf32>
    })");
  EXPECT_NE(data.find("not divisible by groups = 2"), std::string::npos) << data;
  std::string filter = verifierErrors(R"(
    func @f(%x: tensor<1x2x4x4xf32>, %dy: tensor<1x3x3x3xf32>) -> tensor<3x1x2x2xf32> {
      %dw = nabla.conv2d_backward_filter %x, %dy {kernel_shape = [2, 2], groups = 2}
          : (tensor<1x2x4x4xf32>, tensor<1x3x3x3xf32>) -> tensor<3x1x2x2xf32>
      return %dw : tensor<3x1x2x2xf32>
    })");
  EXPECT_NE(filter.find("not divisible by groups = 2"), std::string::npos) << filter;
}
