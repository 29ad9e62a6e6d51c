// The DSL's operations on Var handles: each builds one nabla op (or a short
// composition) in the Var's ModelBuilder. Every function takes the caller's
// source location, so a shape error names the user's file:line.
#pragma once

#include "frontend/ModelBuilder.h"

#include <array>
#include "frontend/SourceLocation.h"
#include <vector>

namespace nabla::dsl {

using Loc = SourceLocation;

// Elementwise math (numpy broadcasting for the binary forms).
Var operator+(VarAt a, Var b);
Var operator-(VarAt a, Var b);
Var operator*(VarAt a, Var b);
Var operator/(VarAt a, Var b);
Var operator+(VarAt a, double b);
Var operator-(VarAt a, double b);
Var operator*(VarAt a, double b);
Var operator/(VarAt a, double b);
Var operator*(double a, VarAt b);
Var operator-(VarAt a);
Var maximum(Var a, Var b, Loc loc = Loc::current());
Var pow(Var a, Var b, Loc loc = Loc::current());
Var pow(Var a, double exponent, Loc loc = Loc::current());
Var exp(Var x, Loc loc = Loc::current());
Var log(Var x, Loc loc = Loc::current());
Var sqrt(Var x, Loc loc = Loc::current());
Var square(Var x, Loc loc = Loc::current());

// Activations.
Var relu(Var x, Loc loc = Loc::current());
Var sigmoid(Var x, Loc loc = Loc::current());
Var tanh(Var x, Loc loc = Loc::current());
Var step(Var x, Loc loc = Loc::current());
Var identity(Var x);
Var softmax(Var x, int64_t axis = -1, Loc loc = Loc::current());
Var logSoftmax(Var x, int64_t axis = -1, Loc loc = Loc::current());

// Shapes and linear algebra.
struct MatmulOptions {
  bool transposeLhs = false;
  bool transposeRhs = false;
};
Var matmul(Var a, Var b, MatmulOptions options = {}, Loc loc = Loc::current());
Var transpose(Var x, std::vector<int64_t> perm, Loc loc = Loc::current());
Var reshape(Var x, std::vector<int64_t> shape, Loc loc = Loc::current());
Var flatten(Var x, int64_t axis = 1, Loc loc = Loc::current());
/// x W + b, flattening x to [batch, features] first when its rank is above 2.
Var affine(Var x, Var w, Var b, Loc loc = Loc::current());

// Reductions.
Var reduceSum(Var x, std::vector<int64_t> axes = {}, bool keepdims = false, Loc loc = Loc::current());
Var reduceMean(Var x, std::vector<int64_t> axes = {}, bool keepdims = false, Loc loc = Loc::current());
Var reduceMax(Var x, std::vector<int64_t> axes = {}, bool keepdims = false, Loc loc = Loc::current());
Var argmax(Var x, int64_t axis = -1, Loc loc = Loc::current());

// Losses (scalar, averaged over the batch).
Var softmaxCrossEntropy(Var logits, Var labels, Loc loc = Loc::current());
Var mseLoss(Var prediction, Var target, Loc loc = Loc::current());

// Convolution and pooling, NCHW.
struct Conv2DOptions {
  int64_t stride = 1;
  int64_t pad = 0; // the same on every side
  int64_t dilation = 1;
  int64_t groups = 1;
};
Var conv2d(Var x, Var w, Var b, Conv2DOptions options = {}, Loc loc = Loc::current());
Var conv2d(Var x, Var w, Conv2DOptions options = {}, Loc loc = Loc::current());

struct Pool2DOptions {
  int64_t size = 2;
  int64_t stride = 2;
  int64_t pad = 0;
};
Var maxPool2d(Var x, Pool2DOptions options = {}, Loc loc = Loc::current());
Var avgPool2d(Var x, Pool2DOptions options = {}, Loc loc = Loc::current());

// Normalization and regularization. `name` prefixes the parameters and state
// these layers create ("bn1" -> "bn1.gamma", "bn1.beta", "bn1.running_mean", ...).
struct BatchNormOptions {
  double momentum = 0.9;
  double epsilon = 1e-5;
};
Var batchNorm(Var x, const std::string &name, BatchNormOptions options = {}, Loc loc = Loc::current());
struct DropoutOptions {
  double ratio = 0.5;
  uint64_t seed = 0;
};
Var dropout(Var x, DropoutOptions options = {}, Loc loc = Loc::current());

} // namespace nabla::dsl
