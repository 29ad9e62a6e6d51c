// Host tensors: allocation, element access, conversion, reshape.
#include "runtime/Error.h"
#include "runtime/Tensor.h"

#include <gtest/gtest.h>

using namespace nabla;

TEST(Tensor, ZeroFilledAndAligned) {
  Tensor t({2, 3}, DType::F32);
  EXPECT_EQ(t.numel(), 6);
  EXPECT_EQ(t.bytes(), 24u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.rawData()) % 64, 0u);
  for (float v : t.span<float>()) EXPECT_EQ(v, 0.0f);
  EXPECT_EQ(t.describe(), "tensor<2x3xf32>");
}

TEST(Tensor, FromVectorChecksCount) {
  EXPECT_THROW(Tensor::fromVector<float>({2, 2}, {1, 2, 3}), Error);
  Tensor t = Tensor::fromVector<int64_t>({3}, {4, 5, 6});
  EXPECT_EQ(t.at(2), 6.0);
}

// Element counts never overflow: past 2^63 is an error, and a zero dim makes
// the count 0 whatever the other dims (a case the checkpoint fuzzer found).
TEST(Tensor, ElementCountOverflowIsAnErrorAndZeroDimsWin) {
  const int64_t big = int64_t(1) << 40;
  try {
    numElements({big, big});
    FAIL() << "expected an error";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("more than 2^63 elements"), std::string::npos) << e.what();
  }
  EXPECT_EQ(numElements({big, big, 0}), 0);
  EXPECT_EQ(numElements({0, big, big}), 0);
  EXPECT_EQ(numElements({}), 1);
  EXPECT_THROW(numElements({big, -1}), Error);
}

TEST(Tensor, WrongElementTypeAccessThrows) {
  Tensor t({2}, DType::I64);
  EXPECT_THROW(t.data<float>(), Error);
}

TEST(Tensor, CloneIsDeepReshapeShares) {
  Tensor a = Tensor::fromVector<float>({2, 2}, {1, 2, 3, 4});
  Tensor b = a.clone();
  Tensor c = a.reshaped({4});
  a.data<float>()[0] = 9;
  EXPECT_EQ(b.data<float>()[0], 1.0f);
  EXPECT_EQ(c.data<float>()[0], 9.0f);
  EXPECT_THROW(a.reshaped({3}), Error);
}

TEST(Tensor, ConvertsElementTypes) {
  Tensor a = Tensor::fromVector<float>({2}, {1.5f, -2.0f});
  Tensor b = a.to(DType::F64);
  EXPECT_EQ(b.data<double>()[0], 1.5);
  EXPECT_EQ(a.to(DType::I32).data<int32_t>()[1], -2);
}
