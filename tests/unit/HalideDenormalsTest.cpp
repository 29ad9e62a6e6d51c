// Halide backend: pipelines run with denormal floats flushed to zero on the
// calling thread and on the thread pool's workers, and leave the caller's
// floating-point environment as they found it (runtime/aot/FlushDenormals.h).
#include "tests/unit/HalideTestSupport.h"

#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

using namespace nabla;
using namespace nabla::testing;

TEST(HalideDenormals, FlushedInsideAPipelineAndRestoredAfterIt) {
#if !defined(__x86_64__)
  GTEST_SKIP() << "FTZ/DAZ are set on x86 only";
#else
  // 512 x 256 products: enough for the pointwise schedule's parallel tasks,
  // so workers compute most of them. Row r's product: 1e-20 * 1e-20 = 1e-40
  // (a denormal result) for r % 3 == 0, 1e-40 * 1e30 (a denormal operand,
  // 1e-10 under IEEE rules) for r % 3 == 1, 1e-10 * 1e-10 (normal) else.
  constexpr int64_t rows = 512, cols = 256;
  std::string ty = "tensor<?x256xf32>";
  std::string src =
      funcSource({ty, ty}, ty, "%y = nabla.mul %a0, %a1 : (" + ty + ", " + ty + ") -> " + ty);
  halide::Executable exe = compileSource(src, "f");
  Tensor a({rows, cols}, DType::F32), b({rows, cols}, DType::F32);
  const float pairs[3][2] = {{1e-20f, 1e-20f}, {1e-40f, 1e30f}, {1e-10f, 1e-10f}};
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      a.data<float>()[r * cols + c] = pairs[r % 3][0];
      b.data<float>()[r * cols + c] = pairs[r % 3][1];
    }
  unsigned before = _mm_getcsr();
  ASSERT_EQ(before & 0x8040u, 0u) << "the test expects IEEE gradual underflow on entry";
  Tensor y = exe.run({a, b})[0];
  EXPECT_EQ(_mm_getcsr(), before) << "the caller's MXCSR is restored";
  int64_t wrong = 0, firstWrong = -1;
  for (int64_t i = 0; i < rows * cols; ++i) {
    float expected = i / cols % 3 == 2 ? 1e-10f * 1e-10f : 0.0f;
    if (y.data<float>()[i] != expected && wrong++ == 0) firstWrong = i;
  }
  EXPECT_EQ(wrong, 0) << "first at row " << firstWrong / cols << ", column " << firstWrong % cols;
  // Outside the pipeline the caller still underflows gradually.
  volatile float tiny = 1e-20f;
  EXPECT_GT(tiny * tiny, 0.0f);
#endif
}
