// Reference interpreter: reductions, argmax and softmax.
#include "tests/unit/TestSupport.h"

#include <cmath>

using namespace nabla;
using namespace nabla::testing;
using reference::RefTensor;

TEST(ReferenceReduction, SumMeanMaxOverAxes) {
  const char *src = R"(
    func @f(%x: tensor<2x3xf32>) -> (tensor<3xf32>, tensor<2x1xf32>, tensor<f32>, tensor<2xf32>) {
      %s = nabla.reduce_sum %x {axes = [0]} : (tensor<2x3xf32>) -> tensor<3xf32>
      %m = nabla.reduce_mean %x {axes = [-1], keepdims = true} : (tensor<2x3xf32>) -> tensor<2x1xf32>
      %a = nabla.reduce_sum %x : (tensor<2x3xf32>) -> tensor<f32>
      %x2 = nabla.reduce_max %x {axes = [1]} : (tensor<2x3xf32>) -> tensor<2xf32>
      return %s, %m, %a, %x2 : tensor<3xf32>, tensor<2x1xf32>, tensor<f32>, tensor<2xf32>
    })";
  auto r = runReference(src, "f", {RefTensor({2, 3}, {1, 5, 3, -4, 2, 8})});
  expectNear(r[0], RefTensor({3}, {-3, 7, 11}));
  expectNear(r[1], RefTensor({2, 1}, {3, 2}));
  expectNear(r[2], RefTensor::scalar(15));
  expectNear(r[3], RefTensor({2}, {5, 8}));
}

TEST(ReferenceReduction, ArgmaxTakesFirstMaximum) {
  const char *src = R"(
    func @f(%x: tensor<?x4xf32>) -> (tensor<?xi64>, tensor<1x4xi64>) {
      %a = nabla.argmax %x {axis = 1} : (tensor<?x4xf32>) -> tensor<?xi64>
      %b = nabla.argmax %x {axis = 0, keepdims = true} : (tensor<?x4xf32>) -> tensor<1x4xi64>
      return %a, %b : tensor<?xi64>, tensor<1x4xi64>
    })";
  auto r = runReference(src, "f", {RefTensor({2, 4}, {1, 7, 7, 0, 9, 2, 3, 4})});
  expectNear(r[0], RefTensor({2}, {1, 0}));
  expectNear(r[1], RefTensor({1, 4}, {1, 0, 0, 1}));
  EXPECT_TRUE(r[0].isInteger);
}

TEST(ReferenceReduction, SoftmaxSumsToOneAndIsStable) {
  const char *src = R"(
    func @f(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
      %s = nabla.softmax %x : tensor<2x3xf32>
      %l = nabla.log_softmax %x {axis = 1} : tensor<2x3xf32>
      return %s, %l : tensor<2x3xf32>, tensor<2x3xf32>
    })";
  // The textbook's example a = [0.3, 2.9, 4.0] and a huge row that would
  // overflow exp() without the max subtraction.
  RefTensor x({2, 3}, {0.3, 2.9, 4.0, 1010, 1000, 990});
  auto r = runReference(src, "f", {x});
  double e0 = std::exp(0.3), e1 = std::exp(2.9), e2 = std::exp(4.0), s = e0 + e1 + e2;
  EXPECT_NEAR(r[0][0], e0 / s, 1e-15);
  EXPECT_NEAR(r[0][1], e1 / s, 1e-15);
  EXPECT_NEAR(r[0][2], 0.73659691, 1e-8); // the book prints 0.73659691
  for (int row = 0; row < 2; ++row) {
    double sum = 0;
    for (int k = 0; k < 3; ++k) {
      EXPECT_TRUE(std::isfinite(r[0][row * 3 + k]));
      sum += r[0][row * 3 + k];
      EXPECT_NEAR(std::exp(r[1][row * 3 + k]), r[0][row * 3 + k], 1e-14);
    }
    EXPECT_NEAR(sum, 1.0, 1e-14);
  }
  EXPECT_NEAR(r[1][3], -std::log(1 + std::exp(-10.0) + std::exp(-20.0)), 1e-14);
}
