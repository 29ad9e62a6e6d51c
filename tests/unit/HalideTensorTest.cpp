// Halide backend: matmul, transpose, reshape, flatten, broadcast_like,
// sum_to_like, num_elements. Oracle: the reference interpreter.
//
// Tolerances: data movement is exact (0); matmul and sum_to_like accumulate K
// f32 products of values in [-1, 1] (K <= 300 here): f32 summation error is
// about K * 2^-24 * sum|terms|, so rtol 1e-5, atol 1e-4. The reductions cut
// into blocks run to K = 4320 and carry their own bound (kLongSums).
#include "tests/unit/HalideTestSupport.h"

using namespace nabla;
using namespace nabla::testing;

namespace {
constexpr Tolerance kExact{0, 0};
constexpr Tolerance kAccumulated{1e-5, 1e-4};
} // namespace

TEST(HalideTensor, MatmulAllTransposeFlagsAndOddSizes) {
  reseed(10);
  struct Case { int64_t m, k, n; };
  // N = 97 and 100: tiles of whole rows (7 registers each), rows shifted
  // inwards at M = 5 and 50.
  for (Case c : {Case{1, 1, 1}, Case{3, 5, 7}, Case{17, 33, 19}, Case{64, 300, 48}, Case{5, 16, 100},
                 Case{1, 40, 100}, Case{50, 64, 97}}) {
    for (int flags = 0; flags < 4; ++flags) {
      bool ta = flags & 1, tb = flags & 2;
      Shape a = ta ? Shape{c.k, c.m} : Shape{c.m, c.k};
      Shape b = tb ? Shape{c.n, c.k} : Shape{c.k, c.n};
      std::string ty = tensorType({c.m, c.n});
      std::string attrs = std::string("{transpose_lhs = ") + (ta ? "true" : "false") +
                          ", transpose_rhs = " + (tb ? "true" : "false") + "}";
      std::string src = funcSource({tensorType(a), tensorType(b)}, ty,
                                   "%y = nabla.matmul %a0, %a1 " + attrs + " : (" + tensorType(a) +
                                       ", " + tensorType(b) + ") -> " + ty);
      expectMatchesOracle(src, "f", {randomTensor(a), randomTensor(b)}, referenceOracle(src, "f"),
                          kAccumulated);
    }
  }
}

TEST(HalideTensor, MatmulWithDynamicBatch) {
  reseed(11);
  // Batches below, at and above the register tile's rows (the schedule is
  // specialized on the row count), and widths of one and several vectors.
  // Single rows take whole rows of B where a vector width cuts N exactly: one
  // vector of 100 lanes (the whole-row tile), 4 x 16 (64), 5 tiles of 25 x 8
  // (1000); 30 cannot.
  for (int64_t n : {30, 64, 100, 1000}) {
    std::string b = "tensor<20x" + std::to_string(n) + "xf32>";
    std::string y = "tensor<?x" + std::to_string(n) + "xf32>";
    std::string src = funcSource({"tensor<?x20xf32>", b}, y,
                                 "%y = nabla.matmul %a0, %a1 : (tensor<?x20xf32>, " + b + ") -> " + y);
    halide::Executable exe = compileSource(src, "f");
    for (int64_t batch : {1, 7, 12, 13, 29}) {
      std::vector<Tensor> in = {randomTensor({batch, 20}), randomTensor({20, n})};
      expectTensorNear(exe.run(in)[0], referenceOracle(src, "f")(toRef(in))[0], kAccumulated,
                       "n " + std::to_string(n) + ", batch " + std::to_string(batch));
    }
  }
}

TEST(HalideTensor, MatmulReadsThroughAFlatten) {
  reseed(13);
  // A product of flattened NCHW planes reads the planes directly (one
  // reduction variable per dim); so does a transposed product, as in a
  // training step's weight gradient (its rows unravelled into the dims).
  // The result depends on both products.
  std::string src = funcSource(
      {"tensor<?x3x4x5xf32>", "tensor<60x7xf32>", "tensor<?x7xf32>"}, "tensor<60x7xf32>",
      "%f = nabla.flatten %a0 {axis = 1 : i64} : (tensor<?x3x4x5xf32>) -> tensor<?x60xf32>\n"
      "  %p = nabla.matmul %f, %a1 : (tensor<?x60xf32>, tensor<60x7xf32>) -> tensor<?x7xf32>\n"
      "  %d = nabla.add %p, %a2 : (tensor<?x7xf32>, tensor<?x7xf32>) -> tensor<?x7xf32>\n"
      "  %y = nabla.matmul %f, %d {transpose_lhs = true} : (tensor<?x60xf32>, tensor<?x7xf32>) "
      "-> tensor<60x7xf32>");
  halide::Executable exe = compileSource(src, "f");
  for (int64_t batch : {1, 9}) {
    std::vector<Tensor> in = {randomTensor({batch, 3, 4, 5}), randomTensor({60, 7}),
                              randomTensor({batch, 7})};
    expectTensorNear(exe.run(in)[0], referenceOracle(src, "f")(toRef(in))[0], kAccumulated,
                     "batch " + std::to_string(batch));
  }
}

TEST(HalideTensor, MatmulCutsAReductionLargerThanL2IntoBlocks) {
  reseed(14);
  // B = K x 100 floats past L2 (K * N > 128K): the reduction is cut into
  // blocks whose rows of B stay in L2 (1500 -> 2 x 750; the flattened
  // 30 x 12 x 12 planes -> 5 x 6 channels), their sums added by the output.
  // A batch below a tile's rows is never cut. These sums run to K = 4320
  // terms of about +-0.3: f32 rounding grows like sqrt(K) * 2^-24 times the
  // partial sums (~20 here), ~1e-4; atol 1e-3.
  constexpr Tolerance kLongSums{1e-5, 1e-3};
  std::string plain = funcSource(
      {"tensor<?x1500xf32>", "tensor<1500x100xf32>"}, "tensor<?x100xf32>",
      "%y = nabla.matmul %a0, %a1 : (tensor<?x1500xf32>, tensor<1500x100xf32>) -> "
      "tensor<?x100xf32>");
  std::string planes = funcSource(
      {"tensor<?x30x12x12xf32>", "tensor<4320x100xf32>"}, "tensor<?x100xf32>",
      "%f = nabla.flatten %a0 {axis = 1 : i64} : (tensor<?x30x12x12xf32>) -> tensor<?x4320xf32>\n"
      "  %y = nabla.matmul %f, %a1 : (tensor<?x4320xf32>, tensor<4320x100xf32>) -> "
      "tensor<?x100xf32>");
  struct Case { std::string src; Shape a; int64_t k; };
  for (const Case &c : {Case{plain, {0, 1500}, 1500}, Case{planes, {0, 30, 12, 12}, 4320}}) {
    halide::Executable exe = compileSource(c.src, "f");
    for (int64_t batch : {1, 2, 3, 7, 100}) {
      Shape a = c.a;
      a[0] = batch;
      std::vector<Tensor> in = {randomTensor(a), randomTensor({c.k, 100})};
      expectTensorNear(exe.run(in)[0], referenceOracle(c.src, "f")(toRef(in))[0], kLongSums,
                       "k " + std::to_string(c.k) + ", batch " + std::to_string(batch));
    }
  }
  // A static batch: no specialization.
  std::string fixed = funcSource(
      {"tensor<5x1500xf32>", "tensor<1500x100xf32>"}, "tensor<5x100xf32>",
      "%y = nabla.matmul %a0, %a1 : (tensor<5x1500xf32>, tensor<1500x100xf32>) -> "
      "tensor<5x100xf32>");
  expectMatchesOracle(fixed, "f", {randomTensor({5, 1500}), randomTensor({1500, 100})},
                      referenceOracle(fixed, "f"), kLongSums);
}

TEST(HalideTensor, MatmulCopiesPanelsOfBWhoseRowsAliasInTheCaches) {
  reseed(16);
  // N = 512 floats (a 2 KB row stride): each column panel of B (48 wide,
  // the last one shifted inwards over the one before) is copied into
  // contiguous rows before its row tiles read it; M = 70 shifts the last row
  // tile too. B plain and transposed (then the copy reads the transposed
  // stage); with a relu epilogue.
  for (bool tb : {false, true}) {
    Shape a{70, 300}, b = tb ? Shape{512, 300} : Shape{300, 512};
    std::string ty = tensorType({70, 512});
    std::string src = funcSource(
        {tensorType(a), tensorType(b)}, ty,
        std::string("%p = nabla.matmul %a0, %a1 {transpose_rhs = ") + (tb ? "true" : "false") +
            "} : (" + tensorType(a) + ", " + tensorType(b) + ") -> " + ty +
            "\n  %y = nabla.relu %p : " + ty);
    expectMatchesOracle(src, "f", {randomTensor(a), randomTensor(b)}, referenceOracle(src, "f"),
                        kAccumulated);
  }
}

TEST(HalideTensor, MatmulTransposesBPanelByPanelInsideItsTasks) {
  reseed(17);
  // dX = dY W^T, as in a training step (W: 480 x 100): each task copies the
  // panel of W^T its tiles read (48 rows of W; 240 for single rows), not all
  // of W^T up front. Static and dynamic batches, below and above a tile's
  // rows; K = 100 is no multiple of the 8 x 8 blocks (the last shifts in).
  for (bool dynamic : {false, true}) {
    for (int64_t batch : {1, 5, 8, 13, 100}) {
      std::string rows = dynamic ? "?" : std::to_string(batch);
      std::string dy = "tensor<" + rows + "x100xf32>", dx = "tensor<" + rows + "x480xf32>";
      std::string src = funcSource({dy, "tensor<480x100xf32>"}, dx,
                                   "%y = nabla.matmul %a0, %a1 {transpose_rhs = true} : (" + dy +
                                       ", tensor<480x100xf32>) -> " + dx);
      SCOPED_TRACE(dx + ", batch " + std::to_string(batch));
      expectMatchesOracle(src, "f", {randomTensor({batch, 100}), randomTensor({480, 100})},
                          referenceOracle(src, "f"), kAccumulated);
      if (batch != 100) continue;
      std::string stmt = halideStmt(src, "f");
      // No parallel loop of its own: one panel at a time inside the product's tasks.
      EXPECT_EQ(stmt.find("par_for_matmul_rhs_transposed"), std::string::npos);
      size_t copy = stmt.find("allocate matmul_rhs_transposed");
      ASSERT_NE(copy, std::string::npos);
      std::string allocation = stmt.substr(copy, stmt.find('\n', copy) - copy);
      EXPECT_NE(allocation.find("[float32 * 48 * 100]"), std::string::npos) << allocation;
    }
  }
}

TEST(HalideTensor, TransposeReshapeFlatten) {
  reseed(12);
  Shape shape = {2, 3, 4, 5};
  Tensor x = randomTensor(shape);
  std::string t = tensorType(shape);
  std::string transposed = funcSource({t}, "tensor<4x2x5x3xf32>",
      "%y = nabla.transpose %a0 {perm = [2, 0, 3, 1]} : (" + t + ") -> tensor<4x2x5x3xf32>");
  expectMatchesOracle(transposed, "f", {x}, referenceOracle(transposed, "f"), kExact);

  // Reshape and flatten keep row-major order: the data is unchanged.
  auto sameData = [](Shape out) {
    return [out](const std::vector<RefTensor> &in) {
      return std::vector<RefTensor>{RefTensor(out, in[0].data)};
    };
  };
  std::string reshaped = funcSource({"tensor<?x3x4x5xf32>"}, "tensor<?x6x10xf32>",
      "%y = nabla.reshape %a0 {shape = [-1, 6, 10]} : (tensor<?x3x4x5xf32>) -> tensor<?x6x10xf32>");
  halide::Executable reshape = compileSource(reshaped, "f");
  for (int64_t batch : {1, 7}) {
    Tensor xb = randomTensor({batch, 3, 4, 5});
    expectTensorNear(reshape.run({xb})[0], sameData({batch, 6, 10})(toRef({xb}))[0], kExact,
                     "reshape batch " + std::to_string(batch));
  }
  std::string flattened = funcSource({t}, "tensor<6x20xf32>",
      "%y = nabla.flatten %a0 {axis = 2} : (" + t + ") -> tensor<6x20xf32>");
  expectMatchesOracle(flattened, "f", {x}, sameData({6, 20}), kExact);
  std::string flatBatch = funcSource({"tensor<?x3x4x5xf32>"}, "tensor<?x60xf32>",
      "%y = nabla.flatten %a0 : (tensor<?x3x4x5xf32>) -> tensor<?x60xf32>");
  expectMatchesOracle(flatBatch, "f", {randomTensor({7, 3, 4, 5})}, sameData({7, 60}), kExact);
  // The output's rows divide the input's (a flatten's gradient): copied a
  // row of the output at a time.
  std::string unflatten = funcSource({"tensor<?x60xf32>"}, "tensor<?x3x4x5xf32>",
      "%y = nabla.reshape %a0 {shape = [-1, 3, 4, 5]} : (tensor<?x60xf32>) -> tensor<?x3x4x5xf32>");
  expectMatchesOracle(unflatten, "f", {randomTensor({7, 60})}, sameData({7, 3, 4, 5}), kExact);
}

TEST(HalideTensor, BroadcastLikeAndSumToLike) {
  reseed(13);
  std::string bsrc = funcSource({"tensor<?x1xf32>", "tensor<?x10xf32>"}, "tensor<?x10xf32>",
      "%y = nabla.broadcast_like %a0, %a1 : (tensor<?x1xf32>, tensor<?x10xf32>) -> tensor<?x10xf32>");
  expectMatchesOracle(bsrc, "f", {randomTensor({7, 1}), randomTensor({7, 10})},
                      [](const std::vector<RefTensor> &in) {
                        RefTensor y({in[1].dim(0), 10});
                        for (int64_t i = 0; i < y.numel(); ++i) y[i] = in[0][i / 10];
                        return std::vector<RefTensor>{y};
                      }, kExact);

  struct Case { Shape in, like; };
  for (const Case &c : {Case{{7, 10}, {10}}, Case{{7, 10}, {1, 10}}, Case{{4, 3, 5}, {3, 1}},
                        Case{{2, 3, 4, 5}, {1, 3, 1, 1}}, Case{{6, 2}, {}}}) {
    std::string src = funcSource({tensorType(c.in), tensorType(c.like)}, tensorType(c.like),
        "%y = nabla.sum_to_like %a0, %a1 : (" + tensorType(c.in) + ", " + tensorType(c.like) +
            ") -> " + tensorType(c.like));
    expectMatchesOracle(src, "f", {randomTensor(c.in), randomTensor(c.like)},
                        referenceOracle(src, "f"), kAccumulated);
  }
}

TEST(HalideTensor, NumElementsFollowsTheBatch) {
  std::string src = funcSource({"tensor<?x3x5xf32>"}, "tensor<f32>",
      "%y = nabla.num_elements %a0 {axes = [0, -1]} : (tensor<?x3x5xf32>) -> tensor<f32>");
  halide::Executable exe = compileSource(src, "f");
  for (int64_t batch : {1, 7})
    EXPECT_EQ(exe.run({randomTensor({batch, 3, 5})})[0].data<float>()[0], float(batch * 5));
}
