// The shapes every peer benchmark runs: nabla, oneDNN, OpenBLAS, and PyTorch
// (pytorch_cases.py reads the two lists below from this file, so keep each
// entry on one line as {"name", numbers...}). One list so the table compares
// like with like.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nabla::peers {

/// A batched NCHW convolution, square kernel, stride 1, followed by bias and relu.
struct ConvShape {
  std::string name;
  int64_t batch, inChannels, outChannels, size, kernel, pad;
  int64_t outSize() const { return size + 2 * pad - kernel + 1; }
  double flops() const {
    return 2.0 * double(batch * outChannels * outSize() * outSize()) *
           double(inChannels * kernel * kernel);
  }
};

/// C[m x n] = A[m x k] * B[k x n], row-major f32.
struct MatmulShape {
  std::string name;
  int64_t m, k, n;
  double flops() const { return 2.0 * double(m) * double(k) * double(n); }
};

inline const std::vector<ConvShape> &convShapes() {
  static const std::vector<ConvShape> shapes = {
      {"simple_convnet_conv1", 100, 1, 30, 28, 5, 0}, // SimpleConvNet's conv
      {"deep_convnet_16x16_28", 100, 16, 16, 28, 3, 1}, // DeepConvNet block 1
      {"deep_convnet_32x64_14", 100, 32, 64, 14, 3, 1}, // DeepConvNet block 2
  };
  return shapes;
}

inline const std::vector<MatmulShape> &matmulShapes() {
  static const std::vector<MatmulShape> shapes = {
      {"square_1024", 1024, 1024, 1024},
      {"im2col_57600x25x30", 57600, 25, 30}, // SimpleConvNet conv as im2col GEMM
      {"affine_100x4320x100", 100, 4320, 100}, // SimpleConvNet's first affine
  };
  return shapes;
}

/// SimpleConvNet's useful floating-point work per image: forward = conv
/// (86.4 MFLOP per 100 images) + affine 4320x100 + affine 100x10; a training
/// step adds the conv's weight gradient and both gradients of each affine
/// (the input's gradient is not needed). Softmax, pooling and Adam are not
/// counted: they are memory-bound.
inline double simpleConvNetForwardFlops(int64_t batch) {
  double conv = 2.0 * 30 * 24 * 24 * 25, affine1 = 2.0 * 4320 * 100, affine2 = 2.0 * 100 * 10;
  return double(batch) * (conv + affine1 + affine2);
}
inline double simpleConvNetTrainFlops(int64_t batch) {
  double conv = 2.0 * 30 * 24 * 24 * 25, affine1 = 2.0 * 4320 * 100, affine2 = 2.0 * 100 * 10;
  return double(batch) * (2 * conv + 3 * affine1 + 3 * affine2);
}

} // namespace nabla::peers
