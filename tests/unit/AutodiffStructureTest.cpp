// Autodiff as a transformation: the apple-shopping graph of the textbook,
// built with the DSL, and the errors of the pass.
#include "tests/unit/GradCheck.h"
#include "tests/unit/TestSupport.h"

#include "frontend/Ops.h"
#include "runtime/Error.h"
#include "passes/Passes.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"

using namespace nabla;
using namespace nabla::testing;
using namespace nabla::dsl;
using reference::RefTensor;

TEST(AutodiffStructure, ApplesAndOrangesGraph) {
  // Buy 2 apples at 100 and 3 oranges at 150 with 10% tax.
  ModelBuilder m("apple_graph");
  Var apple = m.param("apple", {}, init::zeros());
  Var appleCount = m.param("apple_num", {}, init::zeros());
  Var orange = m.param("orange", {}, init::zeros());
  Var orangeCount = m.param("orange_num", {}, init::zeros());
  Var tax = m.param("tax", {}, init::zeros());
  m.loss((apple * appleCount + orange * orangeCount) * tax);
  auto module = m.build();
  ASSERT_TRUE(differentiate(*module, "loss"));
  auto r = reference::Interpreter(*module).call(
      "loss_grad", {RefTensor::scalar(100), RefTensor::scalar(2), RefTensor::scalar(150),
                    RefTensor::scalar(3), RefTensor::scalar(1.1)});
  ASSERT_EQ(r.size(), 6u);
  EXPECT_NEAR(r[0][0], 715.0, 1e-9);
  EXPECT_NEAR(r[1][0], 2.2, 1e-12);   // d price / d apple
  EXPECT_NEAR(r[2][0], 110.0, 1e-9);  // d price / d apple count
  EXPECT_NEAR(r[3][0], 3.3, 1e-12);   // d price / d orange
  EXPECT_NEAR(r[4][0], 165.0, 1e-9);  // d price / d orange count
  EXPECT_NEAR(r[5][0], 650.0, 1e-9);  // d price / d tax
}

TEST(AutodiffStructure, MissingRulesAreListedTogether) {
  // Backward ops have no gradient rules (no second derivatives yet); both
  // offending ops must be named in one error.
  const char *src = R"(
    func @loss(%w: tensor<2x1x3x3xf32> {nabla.role = "param"}, %g: tensor<1x2x2x2xf32>,
               %x: tensor<1x2x4x4xf32>) -> tensor<f32> {
      %d = nabla.conv2d_backward_data %g, %w {image_size = [4, 4]} : (tensor<1x2x2x2xf32>, tensor<2x1x3x3xf32>) -> tensor<1x1x4x4xf32>
      %p = nabla.max_pool2d_backward %x, %g {kernel_shape = [2, 2], strides = [2, 2]} : (tensor<1x2x4x4xf32>, tensor<1x2x2x2xf32>) -> tensor<1x2x4x4xf32>
      %s1 = nabla.reduce_sum %d : (tensor<1x1x4x4xf32>) -> tensor<f32>
      %s2 = nabla.reduce_sum %p : (tensor<1x2x4x4xf32>) -> tensor<f32>
      %q = nabla.mul %s2, %s2 : (tensor<f32>, tensor<f32>) -> tensor<f32>
      %l = nabla.add %s1, %q : (tensor<f32>, tensor<f32>) -> tensor<f32>
      return %l : tensor<f32>
    })";
  auto context = makeContext();
  auto module = parse(*context, src);
  ASSERT_TRUE(module);
  std::string errors;
  mlir::ScopedDiagnosticHandler handler(context.get(), [&](mlir::Diagnostic &d) {
    errors += d.str() + "\n";
    return mlir::success();
  });
  mlir::PassManager pm(context.get());
  pm.addPass(createAutodiffPass("loss"));
  EXPECT_TRUE(mlir::failed(pm.run(*module)));
  // Only conv2d_backward_data depends on the parameter %w.
  EXPECT_NE(errors.find("no gradient rule for nabla.conv2d_backward_data"), std::string::npos)
      << errors;
  EXPECT_EQ(errors.find("max_pool2d_backward"), std::string::npos) << errors;
  EXPECT_FALSE(module->lookupSymbol("loss_grad"));
}

TEST(AutodiffStructure, LabelsAreNotDifferentiatedAndUnusedParamsGetZeros) {
  ModelBuilder m("partial");
  Var x = m.input("x", {kBatch, 3});
  Var used = m.param("used.W", {3, 2}, init::zeros());
  Var unused = m.param("unused.W", {2}, init::zeros());
  (void)unused;
  m.loss(reduceSum(square(matmul(x, used))));
  auto module = m.build();
  ASSERT_TRUE(differentiate(*module, "loss"));
  auto grad = module->lookupSymbol<mlir::FuncOp>("loss_grad");
  ASSERT_EQ(grad.getNumResults(), 3u); // loss, grad:used.W, grad:unused.W
  auto r = reference::Interpreter(*module).call(
      "loss_grad", {RefTensor({1, 3}, {1, 2, 3}), RefTensor({3, 2}, {1, 0, 0, 1, 0, 0}),
                    RefTensor({2}, {5, 5})});
  // loss = (1)^2 + (2)^2 = 5; d/dW[i][j] = 2 * y_j * x_i.
  EXPECT_NEAR(r[0][0], 5.0, 1e-12);
  expectNear(r[1], RefTensor({3, 2}, {2, 4, 4, 8, 6, 12}));
  expectNear(r[2], RefTensor({2}, {0, 0}));
}
