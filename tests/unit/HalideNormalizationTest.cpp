// Halide backend: batch_norm (training and inference) and
// batch_norm_backward. Oracle: the reference interpreter.
//
// Tolerance: per-channel sums over N*H*W <= 700 f32 values, then a division
// by sqrt(var + eps) with var ~ 1/3: rtol 1e-5, atol 1e-5.
#include "tests/unit/HalideTestSupport.h"

using namespace nabla;
using namespace nabla::testing;

namespace {
constexpr Tolerance kNorm{1e-5, 1e-5};

} // namespace

TEST(HalideNormalization, BatchNormTrainingAndInference) {
  reseed(50);
  for (const Shape &shape : {Shape{7, 100}, Shape{4, 3, 6, 5}}) {
    Shape dyn = shape;
    dyn[0] = -1;
    std::string t = tensorType(dyn), c = tensorType({shape[1]});
    for (bool training : {true, false}) {
      std::string src = "func @f(%x: " + t + ", %g: " + c + ", %b: " + c + ", %m: " + c +
                        ", %v: " + c + ") -> (" + t + ", " + c + ", " + c + ") {\n" +
                        "  %y, %nm, %nv = nabla.batch_norm %x, %g, %b, %m, %v {epsilon = 1.0e-3 : f32, momentum = 0.8 : f32" +
                        (training ? ", training" : "") + "} : (" + t + ", " + c + ", " + c + ", " +
                        c + ", " + c + ") -> (" + t + ", " + c + ", " + c + ")\n" +
                        "  return %y, %nm, %nv : " + t + ", " + c + ", " + c + "\n}\n";
      halide::Executable exe = compileSource(src, "f");
      for (int64_t batch : {int64_t(2), shape[0]}) {
        Shape s = shape;
        s[0] = batch;
        std::vector<Tensor> in = {randomTensor(s, -2, 3), randomTensor({shape[1]}, 0.5f, 2),
                                  randomTensor({shape[1]}), randomTensor({shape[1]}),
                                  randomTensor({shape[1]}, 0.5f, 2)};
        std::vector<Tensor> out = exe.run(in);
        std::vector<RefTensor> expected = referenceOracle(src, "f")(toRef(in));
        for (size_t i = 0; i < 3; ++i)
          expectTensorNear(out[i], expected[i], kNorm,
                           std::string(training ? "training" : "inference") + " result " +
                               std::to_string(i) + " batch " + std::to_string(batch));
      }
    }
  }
}

TEST(HalideNormalization, BatchNormBackward) {
  reseed(51);
  for (const Shape &shape : {Shape{7, 100}, Shape{4, 3, 6, 5}}) {
    std::string t = tensorType(shape), c = tensorType({shape[1]});
    std::string src = "func @f(%x: " + t + ", %g: " + c + ", %dy: " + t + ") -> (" + t + ", " + c +
                      ", " + c + ") {\n  %dx, %dg, %db = nabla.batch_norm_backward %x, %g, %dy : (" +
                      t + ", " + c + ", " + t + ") -> (" + t + ", " + c + ", " + c + ")\n" +
                      "  return %dx, %dg, %db : " + t + ", " + c + ", " + c + "\n}\n";
    expectMatchesOracle(src, "f",
                        {randomTensor(shape, -2, 3), randomTensor({shape[1]}, 0.5f, 2),
                         randomTensor(shape)},
                        referenceOracle(src, "f"), kNorm);
  }
}
