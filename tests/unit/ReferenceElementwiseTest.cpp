// Reference interpreter: elementwise ops with hand-computed values.
#include "tests/unit/TestSupport.h"

#include "runtime/Error.h"

#include <cmath>

using namespace nabla;
using namespace nabla::testing;
using reference::RefTensor;

namespace {
std::vector<RefTensor> runUnary(llvm::StringRef op, RefTensor x) {
  std::string src = "func @f(%x: tensor<4xf32>) -> tensor<4xf32> {\n  %y = nabla." + op.str() +
                    " %x : tensor<4xf32>\n  return %y : tensor<4xf32>\n}\n";
  return runReference(src, "f", {std::move(x)});
}
} // namespace

TEST(ReferenceElementwise, Activations) {
  RefTensor x({4}, {-2.0, -0.5, 0.0, 3.0});
  expectNear(runUnary("relu", x)[0], RefTensor({4}, {0, 0, 0, 3}));
  expectNear(runUnary("step", x)[0], RefTensor({4}, {0, 0, 0, 1}));
  expectNear(runUnary("neg", x)[0], RefTensor({4}, {2, 0.5, 0, -3}));
  expectNear(runUnary("square", x)[0], RefTensor({4}, {4, 0.25, 0, 9}));
  RefTensor sig = runUnary("sigmoid", x)[0];
  EXPECT_NEAR(sig[2], 0.5, 1e-15);
  EXPECT_NEAR(sig[3], 1.0 / (1.0 + std::exp(-3.0)), 1e-15);
  EXPECT_NEAR(runUnary("tanh", x)[0][0], std::tanh(-2.0), 1e-15);
}

TEST(ReferenceElementwise, MathFunctions) {
  RefTensor x({4}, {0.25, 1.0, 4.0, 9.0});
  expectNear(runUnary("sqrt", x)[0], RefTensor({4}, {0.5, 1, 2, 3}));
  expectNear(runUnary("log", x)[0],
             RefTensor({4}, {std::log(0.25), 0, std::log(4.0), std::log(9.0)}));
  expectNear(runUnary("exp", x)[0],
             RefTensor({4}, {std::exp(0.25), std::exp(1.0), std::exp(4.0), std::exp(9.0)}));
}

TEST(ReferenceElementwise, BroadcastingBinaryOps) {
  const char *src = R"(
    func @f(%a: tensor<?x3xf32>, %b: tensor<3xf32>) -> (tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>) {
      %add = nabla.add %a, %b : (tensor<?x3xf32>, tensor<3xf32>) -> tensor<?x3xf32>
      %sub = nabla.sub %a, %b : (tensor<?x3xf32>, tensor<3xf32>) -> tensor<?x3xf32>
      %mul = nabla.mul %a, %b : (tensor<?x3xf32>, tensor<3xf32>) -> tensor<?x3xf32>
      %div = nabla.div %a, %b : (tensor<?x3xf32>, tensor<3xf32>) -> tensor<?x3xf32>
      %max = nabla.maximum %a, %b : (tensor<?x3xf32>, tensor<3xf32>) -> tensor<?x3xf32>
      return %add, %sub, %mul, %div, %max : tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>
    })";
  RefTensor a({2, 3}, {1, 2, 3, 4, 5, 6});
  RefTensor b({3}, {10, 1, 2});
  auto r = runReference(src, "f", {a, b});
  ASSERT_EQ(r.size(), 5u);
  expectNear(r[0], RefTensor({2, 3}, {11, 3, 5, 14, 6, 8}));
  expectNear(r[1], RefTensor({2, 3}, {-9, 1, 1, -6, 4, 4}));
  expectNear(r[2], RefTensor({2, 3}, {10, 2, 6, 40, 5, 12}));
  expectNear(r[3], RefTensor({2, 3}, {0.1, 2, 1.5, 0.4, 5, 3}));
  expectNear(r[4], RefTensor({2, 3}, {10, 2, 3, 10, 5, 6}));
}

TEST(ReferenceElementwise, PowAndColumnBroadcast) {
  const char *src = R"(
    func @f(%a: tensor<2x1xf32>, %b: tensor<1x3xf32>) -> tensor<2x3xf32> {
      %p = nabla.pow %a, %b : (tensor<2x1xf32>, tensor<1x3xf32>) -> tensor<2x3xf32>
      return %p : tensor<2x3xf32>
    })";
  auto r = runReference(src, "f", {RefTensor({2, 1}, {2, 3}), RefTensor({1, 3}, {0, 1, 2})});
  expectNear(r[0], RefTensor({2, 3}, {1, 2, 4, 1, 3, 9}));
}

TEST(ReferenceElementwise, ConstantOp) {
  const char *src = R"(
    func @f() -> tensor<2x2xf32> {
      %c = nabla.constant dense<[[1.0, 2.0], [3.0, 4.5]]> : tensor<2x2xf32>
      return %c : tensor<2x2xf32>
    })";
  expectNear(runReference(src, "f", {})[0], RefTensor({2, 2}, {1, 2, 3, 4.5}));
}

TEST(ReferenceElementwise, RunTimeShapeMismatchIsAnError) {
  const char *src = R"(
    func @f(%a: tensor<?x3xf32>, %b: tensor<?x3xf32>) -> tensor<?x3xf32> {
      %s = nabla.add %a, %b : (tensor<?x3xf32>, tensor<?x3xf32>) -> tensor<?x3xf32>
      return %s : tensor<?x3xf32>
    })";
  try {
    runReference(src, "f", {RefTensor({2, 3}), RefTensor({4, 3})});
    FAIL() << "expected an error";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("'nabla.add'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[2, 3] and [4, 3]"), std::string::npos) << e.what();
  }
}

TEST(ReferenceElementwise, ArgumentShapeIsChecked) {
  const char *src = R"(
    func @f(%a: tensor<?x3xf32>) -> tensor<?x3xf32> {
      return %a : tensor<?x3xf32>
    })";
  EXPECT_THROW(runReference(src, "f", {RefTensor({2, 4})}), Error);
  EXPECT_EQ(runReference(src, "f", {RefTensor({5, 3})})[0].shape, (Shape{5, 3}));
}
