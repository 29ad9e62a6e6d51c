// The textbook's networks, defined with the DSL. Each define* function adds
// input "x", labels "t", output "logits" (class scores before softmax, as the
// book's predict()) and the softmax-with-loss training loss to a ModelBuilder.
// Parameter names follow "<layer>.W" / "<layer>.b", so weight decay (which
// applies to names ending in ".W") skips biases as the book does.
#pragma once

#include "frontend/ModelBuilder.h"

#include <string>
#include <vector>

namespace nabla::dsl {

struct TwoLayerNetConfig {
  int64_t inputSize = 784;
  int64_t hiddenSize = 50;
  int64_t outputSize = 10;
  double weightInitStd = 0.01;
};
void defineTwoLayerNet(ModelBuilder &m, const TwoLayerNetConfig &config = {});

enum class Activation { Relu, Sigmoid, Tanh };
/// relu(x), sigmoid(x) or tanh(x).
Var activate(Var x, Activation activation);
/// "relu", "sigmoid", "tanh".
const char *activationName(Activation activation);

/// Weight initialization: a fixed standard deviation, or Xavier / He scaled to the fan-in.
struct WeightInit {
  enum class Kind { Std, Xavier, He } kind = Kind::He;
  double std = 0.01;
  static WeightInit fixed(double s) { return {Kind::Std, s}; }
  static WeightInit xavier() { return {Kind::Xavier, 0.0}; }
  static WeightInit he() { return {Kind::He, 0.0}; }
  Initializer initializer() const;
  /// "std=0.01", "Xavier", "He".
  std::string describe() const;
};

struct MultiLayerNetConfig {
  int64_t inputSize = 784;
  std::vector<int64_t> hiddenSizes = {100, 100, 100, 100};
  int64_t outputSize = 10;
  Activation activation = Activation::Relu;
  WeightInit weightInit = WeightInit::he();
  bool useBatchNorm = false;
  double dropoutRatio = 0.0; // 0 disables dropout
  double weightDecayLambda = 0.0;
};
void defineMultiLayerNet(ModelBuilder &m, const MultiLayerNetConfig &config = {});

struct SimpleConvNetConfig {
  int64_t channels = 1, height = 28, width = 28;
  int64_t filterNum = 30, filterSize = 5, pad = 0, stride = 1;
  int64_t hiddenSize = 100;
  int64_t outputSize = 10;
  WeightInit weightInit = WeightInit::fixed(0.01);
};
void defineSimpleConvNet(ModelBuilder &m, const SimpleConvNetConfig &config = {});

/// The book's DeepConvNet: six 3x3 convolutions (16, 16, 32, 32, 64, 64) with
/// ReLU and three 2x2 max pools, affine 50, dropout 0.5, affine 10, dropout 0.5;
/// He initialization.
struct DeepConvNetConfig {
  int64_t channels = 1, height = 28, width = 28;
  int64_t hiddenSize = 50;
  int64_t outputSize = 10;
  double dropoutRatio = 0.5;
};
void defineDeepConvNet(ModelBuilder &m, const DeepConvNetConfig &config = {});

/// DeepConvNet with skip connections (a ResNet-style variant): each stage is
/// a 3x3 convolution to the stage's channel count with ReLU, then a residual
/// block relu(h + conv3x3(h)) whose convolution keeps the shape, so the
/// block only has to learn a correction to its input and gradients reach
/// the early layers through the identity path; then 2x2 max pooling. The
/// head is DeepConvNet's (affine, ReLU, dropout, affine, dropout); He init,
/// except the block convolutions, which start at zero (each block starts as
/// the identity; the gradient of its weights is not zero, so it learns).
/// Parameters "conv<k>.W"/"conv<k>.b" (two per stage), "affine1", "affine2".
struct ResidualConvNetConfig {
  int64_t channels = 1, height = 28, width = 28;
  std::vector<int64_t> stageFilters = {16, 32, 64};
  int64_t hiddenSize = 50;
  int64_t outputSize = 10;
  double dropoutRatio = 0.5; // 0 disables dropout
};
void defineResidualConvNet(ModelBuilder &m, const ResidualConvNetConfig &config = {});

} // namespace nabla::dsl
