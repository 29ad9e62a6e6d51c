// Reference interpreter: matmul, transpose, reshape, flatten and the
// broadcasting helpers, against hand-computed values.
#include "tests/unit/TestSupport.h"

#include "runtime/Error.h"

using namespace nabla;
using namespace nabla::testing;
using reference::RefTensor;

TEST(ReferenceTensor, MatmulWithTransposeFlags) {
  const char *src = R"(
    func @f(%a: tensor<2x3xf32>, %b: tensor<3x2xf32>, %at: tensor<3x2xf32>, %bt: tensor<2x3xf32>)
        -> (tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>) {
      %0 = nabla.matmul %a, %b : (tensor<2x3xf32>, tensor<3x2xf32>) -> tensor<2x2xf32>
      %1 = nabla.matmul %at, %b {transpose_lhs = true} : (tensor<3x2xf32>, tensor<3x2xf32>) -> tensor<2x2xf32>
      %2 = nabla.matmul %a, %bt {transpose_rhs = true} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x2xf32>
      return %0, %1, %2 : tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>
    })";
  RefTensor a({2, 3}, {1, 2, 3, 4, 5, 6});
  RefTensor b({3, 2}, {7, 8, 9, 10, 11, 12});
  RefTensor at({3, 2}, {1, 4, 2, 5, 3, 6});    // a transposed
  RefTensor bt({2, 3}, {7, 9, 11, 8, 10, 12}); // b transposed
  // [1 2 3; 4 5 6] x [7 8; 9 10; 11 12] = [58 64; 139 154]
  RefTensor expected({2, 2}, {58, 64, 139, 154});
  auto r = runReference(src, "f", {a, b, at, bt});
  expectNear(r[0], expected);
  expectNear(r[1], expected);
  expectNear(r[2], expected);
}

TEST(ReferenceTensor, TransposeReshapeFlatten) {
  const char *src = R"(
    func @f(%x: tensor<?x2x3xf32>) -> (tensor<3x2x?xf32>, tensor<?x3xf32>, tensor<?x6xf32>) {
      %t = nabla.transpose %x {perm = [2, 1, 0]} : (tensor<?x2x3xf32>) -> tensor<3x2x?xf32>
      %r = nabla.reshape %x {shape = [-1, 3]} : (tensor<?x2x3xf32>) -> tensor<?x3xf32>
      %f = nabla.flatten %x : (tensor<?x2x3xf32>) -> tensor<?x6xf32>
      return %t, %r, %f : tensor<3x2x?xf32>, tensor<?x3xf32>, tensor<?x6xf32>
    })";
  RefTensor x({2, 2, 3}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  auto r = runReference(src, "f", {x});
  // t[k][j][i] = x[i][j][k]
  expectNear(r[0], RefTensor({3, 2, 2}, {0, 6, 3, 9, 1, 7, 4, 10, 2, 8, 5, 11}));
  EXPECT_EQ(r[1].shape, (Shape{4, 3}));
  EXPECT_EQ(r[1].data, x.data);
  EXPECT_EQ(r[2].shape, (Shape{2, 6}));
}

TEST(ReferenceTensor, BroadcastLikeAndSumToLikeAreAdjoint) {
  const char *src = R"(
    func @f(%b: tensor<3xf32>, %x: tensor<?x3xf32>) -> (tensor<?x3xf32>, tensor<3xf32>, tensor<f32>) {
      %bb = nabla.broadcast_like %b, %x : (tensor<3xf32>, tensor<?x3xf32>) -> tensor<?x3xf32>
      %s = nabla.sum_to_like %x, %b : (tensor<?x3xf32>, tensor<3xf32>) -> tensor<3xf32>
      %n = nabla.num_elements %x {axes = [0]} : (tensor<?x3xf32>) -> tensor<f32>
      return %bb, %s, %n : tensor<?x3xf32>, tensor<3xf32>, tensor<f32>
    })";
  RefTensor b({3}, {1, 2, 3});
  RefTensor x({2, 3}, {10, 20, 30, 40, 50, 60});
  auto r = runReference(src, "f", {b, x});
  expectNear(r[0], RefTensor({2, 3}, {1, 2, 3, 1, 2, 3}));
  expectNear(r[1], RefTensor({3}, {50, 70, 90}));
  expectNear(r[2], RefTensor::scalar(2));
}

TEST(ReferenceTensor, SumToLikeOverSizeOneDims) {
  const char *src = R"(
    func @f(%g: tensor<2x3xf32>, %like: tensor<2x1xf32>) -> tensor<2x1xf32> {
      %s = nabla.sum_to_like %g, %like : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x1xf32>
      return %s : tensor<2x1xf32>
    })";
  auto r = runReference(src, "f", {RefTensor({2, 3}, {1, 2, 3, 4, 5, 6}), RefTensor({2, 1})});
  expectNear(r[0], RefTensor({2, 1}, {6, 15}));
}

TEST(ReferenceTensor, ReshapeOfWrongRunTimeSizeIsAnError) {
  const char *src = R"(
    func @f(%x: tensor<?x4xf32>) -> tensor<?x8xf32> {
      %r = nabla.reshape %x {shape = [-1, 8]} : (tensor<?x4xf32>) -> tensor<?x8xf32>
      return %r : tensor<?x8xf32>
    })";
  EXPECT_EQ(runReference(src, "f", {RefTensor({4, 4})})[0].shape, (Shape{2, 8}));
  EXPECT_THROW(runReference(src, "f", {RefTensor({3, 4})}), Error);
}
