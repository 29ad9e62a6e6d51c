#include "frontend/Nets.h"

#include "frontend/Ops.h"

#include <cstdio>

namespace nabla::dsl {

Initializer WeightInit::initializer() const {
  switch (kind) {
  case Kind::Std: return init::normal(std);
  case Kind::Xavier: return init::xavier();
  case Kind::He: return init::he();
  }
  return init::normal(std);
}

std::string WeightInit::describe() const {
  switch (kind) {
  case Kind::Xavier: return "Xavier";
  case Kind::He: return "He";
  case Kind::Std: break;
  }
  char text[32];
  std::snprintf(text, sizeof text, "std=%g", std);
  return text;
}

Var activate(Var x, Activation activation) {
  switch (activation) {
  case Activation::Relu: return relu(x);
  case Activation::Sigmoid: return sigmoid(x);
  case Activation::Tanh: return tanh(x);
  }
  return x;
}

const char *activationName(Activation activation) {
  switch (activation) {
  case Activation::Relu: return "relu";
  case Activation::Sigmoid: return "sigmoid";
  case Activation::Tanh: return "tanh";
  }
  return "?";
}

namespace {

/// An affine layer "<name>.W" [in, out] and "<name>.b" [out].
Var affineLayer(ModelBuilder &m, Var x, const std::string &name, int64_t in, int64_t out,
                const Initializer &init) {
  Var w = m.param(name + ".W", {in, out}, init);
  Var b = m.param(name + ".b", {out}, init::zeros());
  return affine(x, w, b);
}

void finish(ModelBuilder &m, Var logits, Var labels) {
  m.output("logits", logits);
  m.loss(softmaxCrossEntropy(logits, labels));
}
} // namespace

void defineTwoLayerNet(ModelBuilder &m, const TwoLayerNetConfig &c) {
  Var x = m.input("x", {kBatch, c.inputSize});
  Var t = m.labels("t", {kBatch});
  Initializer init = init::normal(c.weightInitStd);
  Var h = relu(affineLayer(m, x, "affine1", c.inputSize, c.hiddenSize, init));
  finish(m, affineLayer(m, h, "affine2", c.hiddenSize, c.outputSize, init), t);
}

void defineMultiLayerNet(ModelBuilder &m, const MultiLayerNetConfig &c) {
  Var x = m.input("x", {kBatch, c.inputSize});
  Var t = m.labels("t", {kBatch});
  Initializer init = c.weightInit.initializer();
  Var h = x;
  int64_t in = c.inputSize;
  for (size_t i = 0; i < c.hiddenSizes.size(); ++i) {
    std::string index = std::to_string(i + 1);
    h = affineLayer(m, h, "affine" + index, in, c.hiddenSizes[i], init);
    if (c.useBatchNorm) h = batchNorm(h, "batchnorm" + index);
    h = activate(h, c.activation);
    if (c.dropoutRatio > 0) h = dropout(h, {.ratio = c.dropoutRatio, .seed = i + 1});
    in = c.hiddenSizes[i];
  }
  std::string last = "affine" + std::to_string(c.hiddenSizes.size() + 1);
  finish(m, affineLayer(m, h, last, in, c.outputSize, init), t);
  m.weightDecay(c.weightDecayLambda);
}

void defineSimpleConvNet(ModelBuilder &m, const SimpleConvNetConfig &c) {
  Var x = m.input("x", {kBatch, c.channels, c.height, c.width});
  Var t = m.labels("t", {kBatch});
  Initializer init = c.weightInit.initializer();
  Var w1 = m.param("conv1.W", {c.filterNum, c.channels, c.filterSize, c.filterSize}, init);
  Var b1 = m.param("conv1.b", {c.filterNum}, init::zeros());
  Var h = relu(conv2d(x, w1, b1, {.stride = c.stride, .pad = c.pad}));
  h = maxPool2d(h, {.size = 2, .stride = 2});
  Shape pooled = h.shape();
  int64_t flat = pooled[1] * pooled[2] * pooled[3];
  h = relu(affineLayer(m, h, "affine1", flat, c.hiddenSize, init));
  finish(m, affineLayer(m, h, "affine2", c.hiddenSize, c.outputSize, init), t);
}

void defineDeepConvNet(ModelBuilder &m, const DeepConvNetConfig &c) {
  Var x = m.input("x", {kBatch, c.channels, c.height, c.width});
  Var t = m.labels("t", {kBatch});
  struct ConvSpec { int64_t filters, pad; bool poolAfter; };
  const ConvSpec convs[] = {{16, 1, false}, {16, 1, true}, {32, 1, false},
                            {32, 2, true},  {64, 1, false}, {64, 1, true}};
  Var h = x;
  int64_t channels = c.channels, layer = 0;
  for (const ConvSpec &spec : convs) {
    std::string name = "conv" + std::to_string(++layer);
    Var w = m.param(name + ".W", {spec.filters, channels, 3, 3}, init::he());
    Var b = m.param(name + ".b", {spec.filters}, init::zeros());
    h = relu(conv2d(h, w, b, {.stride = 1, .pad = spec.pad}));
    if (spec.poolAfter) h = maxPool2d(h, {.size = 2, .stride = 2});
    channels = spec.filters;
  }
  Shape s = h.shape();
  h = relu(affineLayer(m, h, "affine1", s[1] * s[2] * s[3], c.hiddenSize, init::he()));
  h = dropout(h, {.ratio = c.dropoutRatio, .seed = 1});
  Var logits = affineLayer(m, h, "affine2", c.hiddenSize, c.outputSize, init::he());
  logits = dropout(logits, {.ratio = c.dropoutRatio, .seed = 2});
  finish(m, logits, t);
}

void defineResidualConvNet(ModelBuilder &m, const ResidualConvNetConfig &c) {
  Var x = m.input("x", {kBatch, c.channels, c.height, c.width});
  Var t = m.labels("t", {kBatch});
  Var h = x;
  int64_t channels = c.channels, layer = 0;
  auto conv3x3 = [&](Var in, int64_t filters, const Initializer &init) {
    std::string name = "conv" + std::to_string(++layer);
    Var w = m.param(name + ".W", {filters, channels, 3, 3}, init);
    Var b = m.param(name + ".b", {filters}, init::zeros());
    return conv2d(in, w, b, {.stride = 1, .pad = 1});
  };
  for (int64_t filters : c.stageFilters) {
    h = relu(conv3x3(h, filters, init::he()));
    channels = filters;
    // The skip connection. The block's convolution starts at zero, so each
    // block starts as the identity: with He weights there, every block would
    // double the activations' variance (h + an equally large conv(h)).
    h = relu(h + conv3x3(h, filters, init::zeros()));
    h = maxPool2d(h, {.size = 2, .stride = 2});
  }
  Shape s = h.shape();
  h = relu(affineLayer(m, h, "affine1", s[1] * s[2] * s[3], c.hiddenSize, init::he()));
  if (c.dropoutRatio > 0) h = dropout(h, {.ratio = c.dropoutRatio, .seed = 1});
  Var logits = affineLayer(m, h, "affine2", c.hiddenSize, c.outputSize, init::he());
  if (c.dropoutRatio > 0) logits = dropout(logits, {.ratio = c.dropoutRatio, .seed = 2});
  finish(m, logits, t);
}

} // namespace nabla::dsl
