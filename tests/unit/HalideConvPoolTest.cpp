// Halide backend: conv2d (bias, stride, pads, dilation, groups), its data
// and filter gradients, im2col/col2im, max/avg pooling and their gradients.
// Oracle: the reference interpreter (double accumulation).
//
// Tolerances: each conv output sums C/g*KH*KW <= 150 f32 products of values
// in [-1, 1], the filter gradient up to N*OH*OW <= 700: f32 accumulation
// error ~ terms * 2^-24 * sum|terms|, so rtol 1e-5, atol 1e-4. Pools: max is
// exact, averages and gradient sums are a few roundings (rtol 1e-6, atol 1e-6).
#include "tests/unit/HalideTestSupport.h"

using namespace nabla;
using namespace nabla::testing;

namespace {
/// The window attributes of one test case, in the dialect's conventions.
struct Window {
  std::array<int64_t, 2> kernel, stride = {1, 1}, dilation = {1, 1};
  std::array<int64_t, 4> pads = {0, 0, 0, 0}; // top, left, bottom, right
  int64_t outH(int64_t h) const {
    return (h + pads[0] + pads[2] - dilation[0] * (kernel[0] - 1) - 1) / stride[0] + 1;
  }
  int64_t outW(int64_t w) const {
    return (w + pads[1] + pads[3] - dilation[1] * (kernel[1] - 1) - 1) / stride[1] + 1;
  }
};

constexpr Tolerance kConv{1e-5, 1e-4};
constexpr Tolerance kPool{1e-6, 1e-6};

std::string ints(const std::array<int64_t, 2> &v) {
  return "[" + std::to_string(v[0]) + ", " + std::to_string(v[1]) + "]";
}
std::string ints(const std::array<int64_t, 4> &v) {
  return "[" + std::to_string(v[0]) + ", " + std::to_string(v[1]) + ", " + std::to_string(v[2]) +
         ", " + std::to_string(v[3]) + "]";
}
std::string windowAttrs(const Window &w, bool kernel, bool dilation) {
  std::string s = "strides = " + ints(w.stride) + ", pads = " + ints(w.pads);
  if (kernel) s += ", kernel_shape = " + ints(w.kernel);
  if (dilation) s += ", dilations = " + ints(w.dilation);
  return s;
}

struct ConvCase {
  Shape input; // N, C, H, W
  int64_t outChannels, groups;
  Window window;
  bool bias;
  bool winograd = false; // marked nabla.winograd (as --nabla-select-winograd would)
};

std::vector<ConvCase> convCases() {
  return {
      {{2, 3, 9, 9}, 4, 1, {{3, 3}}, true},                                 // plain
      {{2, 4, 11, 10}, 6, 2, {{3, 2}, {2, 3}, {1, 1}, {1, 2, 0, 1}}, true}, // stride, pads, groups
      {{1, 2, 12, 12}, 3, 1, {{3, 3}, {1, 1}, {2, 3}, {2, 2, 2, 2}}, false}, // dilation
      {{3, 4, 7, 8}, 4, 4, {{3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}}, true},   // depthwise
      {{2, 1, 28, 28}, 30, 1, {{5, 5}}, true},                              // SimpleConvNet conv1
      {{2, 5, 10, 10}, 7, 1, {{3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}}, true}, // DeepConvNet-like
      {{1, 3, 8, 9}, 4, 1, {{3, 2}, {1, 1}, {1, 1}, {0, 1, 2, 0}}, false},  // asymmetric pads
      // Rows of 12, 24 and 8 outputs run as flat planes (whole 16-lane vectors
      // over oh * OW + ow, convolveFlat): with pads, groups, a 1x1 kernel.
      {{2, 3, 12, 12}, 5, 1, {{3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}}, true},
      {{2, 4, 22, 24}, 6, 2, {{3, 5}, {1, 1}, {1, 1}, {1, 2, 1, 2}}, true},
      {{1, 2, 10, 8}, 3, 1, {{1, 1}}, false},
      // 12 wide but one row: fewer rows than a flat tile, so row tiles.
      {{1, 2, 3, 14}, 2, 1, {{3, 3}}, true},
      // Multiples of 16 output channels in rows of 8 to 28 outputs: vectors
      // across output channels (channelLanes), tiles of 2, 1, 2 and 3 rows
      // written out in 8 x 8 blocks, the last ones shifted inwards.
      {{2, 5, 14, 14}, 32, 1, {{3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}}, true},
      {{1, 3, 11, 28}, 16, 1, {{3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}}, false},
      {{2, 4, 21, 21}, 16, 1, {{3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}}, true},
      {{1, 2, 10, 10}, 16, 1, {{3, 3}}, true},
      // Marked for Winograd F(4x4, 3x3): 3x3 stride-1 convs of multiples of
      // 16 output channels. 8 input channels (vectors of 8), outputs of 11
      // rows and of 13 or 14 columns (tiles past the edge), asymmetric pads,
      // no pads. The data gradients of the second to fourth (16 output
      // channels, from 32 or 16) are Winograd convs too. The last is marked
      // but its 7-wide rows are too narrow: computed directly.
      {{2, 8, 14, 14}, 16, 1, {{3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}}, true, true},
      {{1, 16, 11, 28}, 32, 1, {{3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}}, false, true},
      {{2, 16, 12, 14}, 16, 1, {{3, 3}, {1, 1}, {1, 1}, {0, 1, 2, 0}}, true, true},
      {{1, 16, 10, 10}, 16, 1, {{3, 3}}, true, true},
      {{2, 16, 7, 7}, 16, 1, {{3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}}, true, true},
  };
}
} // namespace

TEST(HalideConv, Conv2dForward) {
  reseed(30);
  for (const ConvCase &c : convCases()) {
    Shape filter = {c.outChannels, c.input[1] / c.groups, c.window.kernel[0], c.window.kernel[1]};
    Shape out = {-1, c.outChannels, c.window.outH(c.input[2]), c.window.outW(c.input[3])};
    Shape dynIn = c.input;
    dynIn[0] = -1;
    std::string src = "func @f(%x: " + tensorType(dynIn) + ", %w: " + tensorType(filter) +
                      (c.bias ? ", %b: " + tensorType({c.outChannels}) : "") + ") -> " +
                      tensorType(out) + " {\n  %y = nabla.conv2d %x, %w" + (c.bias ? ", %b" : "") +
                      " {" + windowAttrs(c.window, false, true) + ", groups = " +
                      std::to_string(c.groups) + (c.winograd ? ", nabla.winograd" : "") + "} : (" +
                      tensorType(dynIn) + ", " +
                      tensorType(filter) + (c.bias ? ", " + tensorType({c.outChannels}) : "") +
                      ") -> " + tensorType(out) + "\n  return %y : " + tensorType(out) + "\n}\n";
    halide::Executable exe = compileSource(src, "f");
    for (int64_t batch : {int64_t(1), c.input[0] + 5}) { // one pipeline, two batch sizes
      Shape in = c.input;
      in[0] = batch;
      std::vector<Tensor> args = {randomTensor(in), randomTensor(filter)};
      if (c.bias) args.push_back(randomTensor({c.outChannels}));
      expectTensorNear(exe.run(args)[0], referenceOracle(src, "f")(toRef(args))[0], kConv,
                       "conv case with input " + shapeToString(in));
    }
  }
}

TEST(HalideConv, ChannelLanesWriteNchwInBlocks) {
  // DeepConvNet's 16 -> 16 conv on 28-wide rows: vectors across the 16
  // output channels, the filter read from its channel-innermost copy, each
  // 8 x 8 block of the output staged from the tile's accumulators.
  std::string x = "tensor<?x16x28x28xf32>", w = "tensor<16x16x3x3xf32>", b = "tensor<16xf32>";
  std::string src = funcSource({x, w, b}, x,
                               "%y = nabla.conv2d %a0, %a1, %a2 {strides = [1, 1], pads = [1, 1, 1, "
                               "1], dilations = [1, 1], groups = 1} : (" +
                                   x + ", " + w + ", " + b + ") -> " + x);
  std::string stmt = halideStmt(src, "f");
  EXPECT_NE(stmt.find("conv2d_filter_channels_innermost"), std::string::npos);
  size_t staged = stmt.find("_in_conv2d");
  ASSERT_NE(staged, std::string::npos);
  EXPECT_NE(stmt.find("[float32 * 8 * 1 * 8 * 1]", staged), std::string::npos);
}

TEST(HalideConv, MarkedConvsRunAsWinogradProducts) {
  // DeepConvNet's 16 -> 16 conv marked by --nabla-select-winograd: no
  // direct accumulation; the transformed input is stored one image at a
  // time. Unmarked, the same conv stays direct.
  std::string x = "tensor<?x16x28x28xf32>", w = "tensor<16x16x3x3xf32>", b = "tensor<16xf32>";
  std::string conv = "nabla.conv2d %a0, %a1, %a2 {pads = [1, 1, 1, 1]";
  std::string types = "} : (" + x + ", " + w + ", " + b + ") -> " + x;
  std::string marked =
      halideStmt(funcSource({x, w, b}, x, "%y = " + conv + ", nabla.winograd" + types), "f");
  EXPECT_EQ(marked.find("conv2d_acc"), std::string::npos);
  EXPECT_NE(marked.find("produce winograd_products"), std::string::npos);
  size_t input = marked.find("allocate winograd_input");
  ASSERT_NE(input, std::string::npos);
  EXPECT_NE(marked.find("[float32 * 16 * 49 * 6 * 6 * 1]", input), std::string::npos)
      << "one image's transformed input: 16 channels x 49 tiles x 6 x 6";
  std::string direct = halideStmt(funcSource({x, w, b}, x, "%y = " + conv + types), "f");
  EXPECT_NE(direct.find("conv2d_acc"), std::string::npos);
  EXPECT_EQ(direct.find("winograd"), std::string::npos);
}

TEST(HalideConv, WinogradOnNarrowerVectors) {
  // An AVX2 target's schedule runs 8-lane vectors across the channels: 24
  // input channels (three vectors), 16 and 32 output channels, rows of 12
  // and 9 outputs. SSE4.1's 4 lanes are too narrow for it: every stage is
  // computed whole, by the generic schedule.
  reseed(35);
  struct Case { Shape input; int64_t outChannels; std::string target; };
  for (const Case &c : {Case{{2, 24, 12, 12}, 16, "x86-64-linux-avx-avx2-f16c-fma-sse41"},
                        Case{{3, 16, 9, 9}, 32, "x86-64-linux-avx-avx2-f16c-fma-sse41"},
                        Case{{2, 16, 10, 10}, 16, "x86-64-linux-sse41"}}) {
    Shape filter = {c.outChannels, c.input[1], 3, 3}, bias = {c.outChannels};
    Shape out = {c.input[0], c.outChannels, c.input[2], c.input[3]};
    std::string src = funcSource(
        {tensorType(c.input), tensorType(filter), tensorType(bias)}, tensorType(out),
        "%y = nabla.conv2d %a0, %a1, %a2 {pads = [1, 1, 1, 1], nabla.winograd} : (" +
            tensorType(c.input) + ", " + tensorType(filter) + ", " + tensorType(bias) + ") -> " +
            tensorType(out));
    halide::Executable exe = compileSource(src, "f", c.target);
    std::vector<Tensor> args = {randomTensor(c.input), randomTensor(filter), randomTensor(bias)};
    expectTensorNear(exe.run(args)[0], referenceOracle(src, "f")(toRef(args))[0], kConv,
                     c.target + " Winograd conv of " + shapeToString(c.input));
  }
}

TEST(HalideConv, Conv2dBackwardDataAndFilter) {
  reseed(31);
  for (const ConvCase &c : convCases()) {
    Shape filter = {c.outChannels, c.input[1] / c.groups, c.window.kernel[0], c.window.kernel[1]};
    Shape dy = {c.input[0], c.outChannels, c.window.outH(c.input[2]), c.window.outW(c.input[3])};
    std::string attrs = windowAttrs(c.window, false, true) + ", groups = " + std::to_string(c.groups);
    std::string dataAttrs = attrs + (c.winograd ? ", nabla.winograd" : "");
    std::string data = "func @f(%dy: " + tensorType(dy) + ", %w: " + tensorType(filter) + ") -> " +
                       tensorType(c.input) + " {\n  %y = nabla.conv2d_backward_data %dy, %w {" +
                       dataAttrs + ", image_size = " + ints(std::array<int64_t, 2>{c.input[2], c.input[3]}) +
                       "} : (" + tensorType(dy) + ", " + tensorType(filter) + ") -> " +
                       tensorType(c.input) + "\n  return %y : " + tensorType(c.input) + "\n}\n";
    expectMatchesOracle(data, "f", {randomTensor(dy), randomTensor(filter)}, referenceOracle(data, "f"), kConv);
    std::string filt = "func @f(%x: " + tensorType(c.input) + ", %dy: " + tensorType(dy) + ") -> " +
                       tensorType(filter) + " {\n  %y = nabla.conv2d_backward_filter %x, %dy {" +
                       attrs + ", kernel_shape = " + ints(c.window.kernel) + "} : (" +
                       tensorType(c.input) + ", " + tensorType(dy) + ") -> " + tensorType(filter) +
                       "\n  return %y : " + tensorType(filter) + "\n}\n";
    expectMatchesOracle(filt, "f", {randomTensor(c.input), randomTensor(dy)}, referenceOracle(filt, "f"), kConv);
  }
}

TEST(HalideConv, BatchesBorderEachImageInsideItsTask) {
  reseed(34);
  // The conv's zero-bordered input is computed image by image: from 8
  // images on each parallel task is one image (a static batch of 9, or a
  // dynamic batch specialized at run time), below that the images run in
  // turn with their channel blocks in parallel. DeepConvNet's shapes in
  // small: a fused conv + relu, a conv inside the 2x2 max pool that reads it
  // (--nabla-fuse-conv-pool's mark), and a data gradient that runs as a conv
  // of the flipped filter.
  auto source = [](const std::string &n) {
    std::string x = "tensor<" + n + "x5x10x10xf32>", y = "tensor<" + n + "x7x10x10xf32>",
                c = "tensor<" + n + "x6x10x10xf32>", p = "tensor<" + n + "x6x5x5xf32>";
    std::string w = "tensor<7x5x3x3xf32>", w2 = "tensor<6x5x3x3xf32>";
    return "func @f(%x: " + x + ", %w: " + w + ", %b: tensor<7xf32>, %w2: " + w2 + ", %dy: " + y +
           ") -> (" + y + ", " + p + ", " + x + ") {\n" +
           "  %y = nabla.fused_conv2d %x, %w, %b {activation = \"relu\", pads = [1, 1, 1, 1]} : (" +
           x + ", " + w + ", tensor<7xf32>) -> " + y + "\n" +
           "  %c = nabla.conv2d %x, %w2 {pads = [1, 1, 1, 1], nabla.inline} : (" + x + ", " + w2 +
           ") -> " + c + "\n" +
           "  %p = nabla.max_pool2d %c {kernel_shape = [2, 2], strides = [2, 2]} : (" + c +
           ") -> " + p + "\n" +
           "  %dx = nabla.conv2d_backward_data %dy, %w" +
           " {pads = [1, 1, 1, 1], image_size = [10, 10]} : (" + y + ", " + w + ") -> " + x + "\n" +
           "  return %y, %p, %dx : " + y + ", " + p + ", " + x + "\n}\n";
  };
  struct Case { std::string batchType; int64_t batch; };
  for (const Case &c : {Case{"9", 9}, Case{"?", 9}, Case{"?", 3}}) {
    std::string src = source(c.batchType);
    std::vector<Tensor> inputs = {randomTensor({c.batch, 5, 10, 10}), randomTensor({7, 5, 3, 3}),
                                  randomTensor({7}), randomTensor({6, 5, 3, 3}),
                                  randomTensor({c.batch, 7, 10, 10})};
    std::vector<RefTensor> expected = referenceOracle(src, "f")(toRef(inputs));
    std::vector<Tensor> outputs = compileSource(src, "f").run(inputs);
    for (size_t i = 0; i < outputs.size(); ++i)
      expectTensorNear(outputs[i], expected[i], kConv,
                       "batch " + c.batchType + " = " + std::to_string(c.batch) + ", output " +
                           std::to_string(i));
  }
}

// The filter gradient of a conv whose output gradient a tiling max pool
// routed sums the pooled gradient at the windows' winners only
// (filterGradientFromPool): the conv's 5- to 8-tap-wide filters, with and
// without pads, conv outputs the windows do not cover to the end (their last
// rows and columns get no gradient), a dynamic batch, and ties (a constant
// conv output: every window's first tap wins). The loop nest shows the
// pooled sum; a 3-tap filter keeps the general one.
TEST(HalideConv, FilterGradientOfAPooledGradientSumsAtTheWinnersOnly) {
  reseed(36);
  struct Case {
    Shape input;
    int64_t outChannels;
    Window conv;
    std::array<int64_t, 2> pool;
    std::string batch;
    bool pooled;
  };
  std::vector<Case> cases = {
      {{3, 1, 28, 28}, 6, {{5, 5}}, {2, 2}, "3", true},          // SimpleConvNet's
      {{2, 2, 9, 11}, 4, {{5, 6}, {1, 1}, {1, 1}, {2, 1, 2, 3}}, {3, 2}, "?", true},
      {{2, 3, 14, 15}, 5, {{7, 8}}, {3, 3}, "2", true},         // rows 6, 7 in no window
      {{2, 2, 10, 10}, 4, {{3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}}, {2, 2}, "2", false},
  };
  for (const Case &c : cases) {
    Shape out = {c.input[0], c.outChannels, c.conv.outH(c.input[2]), c.conv.outW(c.input[3])};
    Shape pooled = {out[0], out[1], out[2] / c.pool[0], out[3] / c.pool[1]};
    Shape filter = {c.outChannels, c.input[1], c.conv.kernel[0], c.conv.kernel[1]};
    auto typed = [&](Shape shape, const std::string &element = "f32") {
      std::string t = tensorType(shape, element);
      return c.batch == "?" ? "tensor<?" + t.substr(t.find('x')) : t;
    };
    std::string x = typed(c.input), y = typed(out), p = typed(pooled), i = typed(pooled, "i32");
    std::string w = tensorType(filter);
    std::string window = "kernel_shape = " + ints(c.pool) + ", strides = " + ints(c.pool);
    std::string src =
        "func @f(%x: " + x + ", %y: " + y + ", %g: " + p + ") -> " + w + " {\n" +
        "  %p, %i = nabla.max_pool2d_with_indices %y {" + window + "} : (" + y + ") -> (" + p +
        ", " + i + ")\n" + "  %dy = nabla.max_pool2d_indices_backward %i, %g {" + window +
        ", image_size = " + ints(std::array<int64_t, 2>{out[2], out[3]}) + "} : (" + i + ", " +
        p + ") -> " + y + "\n" + "  %dw = nabla.conv2d_backward_filter %x, %dy {" +
        windowAttrs(c.conv, true, true) + "} : (" + x + ", " + y + ") -> " + w + "\n" +
        "  return %dw : " + w + "\n}\n";
    SCOPED_TRACE("input " + tensorType(c.input) + ", filter " + w);
    expectMatchesOracle(src, "f", {randomTensor(c.input), randomTensor(out), randomTensor(pooled)},
                        referenceOracle(src, "f"), kConv);
    Tensor ties(out, DType::F32);
    expectMatchesOracle(src, "f", {randomTensor(c.input), ties, randomTensor(pooled)},
                        referenceOracle(src, "f"), kConv);

    std::string stmt = halideStmt(src, "f");
    EXPECT_EQ(stmt.find("conv2d_backward_filter_pooled") != std::string::npos, c.pooled);
  }
}

TEST(HalideConv, Im2ColAndCol2Im) {
  reseed(32);
  for (const ConvCase &c : convCases()) {
    const Window &w = c.window;
    int64_t oh = w.outH(c.input[2]), ow = w.outW(c.input[3]);
    Shape cols = {c.input[0] * oh * ow, c.input[1] * w.kernel[0] * w.kernel[1]};
    std::string attrs = windowAttrs(w, true, true);
    std::string fwd = "func @f(%x: " + tensorType(c.input) + ") -> " + tensorType(cols) +
                      " {\n  %y = nabla.im2col %x {" + attrs + "} : (" + tensorType(c.input) +
                      ") -> " + tensorType(cols) + "\n  return %y : " + tensorType(cols) + "\n}\n";
    expectMatchesOracle(fwd, "f", {randomTensor(c.input)}, referenceOracle(fwd, "f"), {0, 0});
    std::string bwd = "func @f(%c: " + tensorType(cols) + ") -> " + tensorType(c.input) +
                      " {\n  %y = nabla.col2im %c {" + attrs + ", image_size = " +
                      ints(std::array<int64_t, 2>{c.input[2], c.input[3]}) + "} : (" +
                      tensorType(cols) + ") -> " + tensorType(c.input) + "\n  return %y : " +
                      tensorType(c.input) + "\n}\n";
    expectMatchesOracle(bwd, "f", {randomTensor(cols)}, referenceOracle(bwd, "f"), kPool);
  }
}

namespace {
struct PoolCase {
  Shape input;
  Window window;
};
std::vector<PoolCase> poolCases() {
  return {
      {{2, 3, 24, 24}, {{2, 2}, {2, 2}}},                     // SimpleConvNet's pool
      {{1, 2, 7, 11}, {{3, 3}, {3, 3}}}, // windows tile the image; its last rows and columns fall in none
      {{2, 2, 9, 10}, {{3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}}}, // overlapping, padded
      {{1, 3, 7, 7}, {{3, 2}, {1, 1}, {1, 1}, {0, 1, 2, 0}}},  // overlapping stride 1, asymmetric pads
  };
}
std::string poolSource(const std::string &op, const PoolCase &c, const std::string &extra) {
  Shape out = {c.input[0], c.input[1], c.window.outH(c.input[2]), c.window.outW(c.input[3])};
  return "func @f(%x: " + tensorType(c.input) + ") -> " + tensorType(out) + " {\n  %y = nabla." +
         op + " %x {" + windowAttrs(c.window, true, false) + extra + "} : (" +
         tensorType(c.input) + ") -> " + tensorType(out) + "\n  return %y : " + tensorType(out) +
         "\n}\n";
}
} // namespace

TEST(HalidePool, MaxAndAvgPoolForward) {
  reseed(33);
  for (const PoolCase &c : poolCases()) {
    std::string maxSrc = poolSource("max_pool2d", c, "");
    expectMatchesOracle(maxSrc, "f", {randomTensor(c.input)}, referenceOracle(maxSrc, "f"), {0, 0});
    for (bool include : {false, true}) {
      std::string avgSrc = poolSource("avg_pool2d", c, include ? ", count_include_pad = true" : "");
      expectMatchesOracle(avgSrc, "f", {randomTensor(c.input)}, referenceOracle(avgSrc, "f"), kPool);
    }
  }
}

// The pool with the taps of its maxima, and the gradient routed by those
// taps (what --nabla-pool-indices makes of max_pool2d_backward), in one
// function: the pooled values, the indices and the routed gradient all match
// the oracle, also where every tap ties (a constant image).
TEST(HalidePool, MaxPoolWithIndicesAndItsBackward) {
  reseed(35);
  for (const PoolCase &c : poolCases()) {
    Shape dy = {c.input[0], c.input[1], c.window.outH(c.input[2]), c.window.outW(c.input[3])};
    std::string x = tensorType(c.input), y = tensorType(dy), i = tensorType(dy, "i32");
    std::string attrs = windowAttrs(c.window, true, false);
    std::string image = ints(std::array<int64_t, 2>{c.input[2], c.input[3]});
    std::string src = "func @f(%x: " + x + ", %dy: " + y + ") -> (" + y + ", " + i + ", " + x +
                      ") {\n  %p, %i = nabla.max_pool2d_with_indices %x {" + attrs + "} : (" + x +
                      ") -> (" + y + ", " + i + ")\n  %dx = nabla.max_pool2d_indices_backward " +
                      "%i, %dy {" + attrs + ", image_size = " + image + "} : (" + i + ", " + y +
                      ") -> " + x +
                      "\n  return %p, %i, %dx : " + y + ", " + i + ", " + x + "\n}\n";
    expectMatchesOracle(src, "f", {randomTensor(c.input), randomTensor(dy)},
                        referenceOracle(src, "f"), kPool);
    Tensor flat({c.input}, DType::F32);
    expectMatchesOracle(src, "f", {flat, randomTensor(dy)}, referenceOracle(src, "f"), kPool);
  }
}

TEST(HalidePool, MaxAndAvgPoolBackward) {
  reseed(34);
  for (const PoolCase &c : poolCases()) {
    Shape dy = {c.input[0], c.input[1], c.window.outH(c.input[2]), c.window.outW(c.input[3])};
    std::string attrs = windowAttrs(c.window, true, false);
    std::string maxSrc = "func @f(%x: " + tensorType(c.input) + ", %dy: " + tensorType(dy) +
                         ") -> " + tensorType(c.input) + " {\n  %y = nabla.max_pool2d_backward %x, %dy {" +
                         attrs + "} : (" + tensorType(c.input) + ", " + tensorType(dy) + ") -> " +
                         tensorType(c.input) + "\n  return %y : " + tensorType(c.input) + "\n}\n";
    expectMatchesOracle(maxSrc, "f", {randomTensor(c.input), randomTensor(dy)}, referenceOracle(maxSrc, "f"), kPool);
    // Ties (a constant image): every window routes to its first in-image cell.
    Tensor flat({c.input}, DType::F32);
    expectMatchesOracle(maxSrc, "f", {flat, randomTensor(dy)}, referenceOracle(maxSrc, "f"), kPool);
    for (bool include : {false, true}) {
      std::string avgSrc = "func @f(%dy: " + tensorType(dy) + ") -> " + tensorType(c.input) +
                           " {\n  %y = nabla.avg_pool2d_backward %dy {" + attrs +
                           ", image_size = " + ints(std::array<int64_t, 2>{c.input[2], c.input[3]}) +
                           (include ? ", count_include_pad = true" : "") + "} : (" + tensorType(dy) +
                           ") -> " + tensorType(c.input) + "\n  return %y : " +
                           tensorType(c.input) + "\n}\n";
      expectMatchesOracle(avgSrc, "f", {randomTensor(dy)}, referenceOracle(avgSrc, "f"), kPool);
    }
  }
}
