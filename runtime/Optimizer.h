// Optimizers of the curriculum: SGD, Momentum, Nesterov, AdaGrad, RMSprop,
// Adam. The update itself is compiled into the training step (see
// passes/TrainStep.cpp); this host side names each optimizer's state slots and
// scalar hyperparameters and computes their values for step t, so the
// compiled step never recompiles when a learning rate changes.
//
// The compiled update, with g' = g + weight_decay * p (L2 in the update):
//   sgd       p -= lr * g'
//   momentum  v = momentum * v + grad_scale * g';           p -= lr * v
//   nesterov  v = momentum * v + grad_scale * g';           p -= lr * (g' + momentum * v)
//   adagrad   h += g'^2;                                    p -= lr * g' / (sqrt(h) + epsilon)
//   rmsprop   h = rho * h + (1 - rho) * g'^2;               p -= lr * g' / (sqrt(h) + epsilon)
//   adam      m = beta1 * m + (1 - beta1) * g';
//             v = beta2 * v + (1 - beta2) * g'^2;           p -= lr_t * m / (sqrt(v) + epsilon)
// This is ONNX's (ai.onnx.preview.training) and PyTorch's convention. The
// textbook's code differs in two places, both documented in docs/optimizers.md:
// its momentum velocity is -lr times ours (same trajectory for a constant lr),
// and its Nesterov step adds momentum^2 times the *updated* velocity, where
// Nesterov/Bengio (and ONNX) use the previous one.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace nabla {

enum class OptimizerKind { SGD, Momentum, Nesterov, AdaGrad, RMSprop, Adam };

/// "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam".
const char *optimizerName(OptimizerKind kind);
/// Parses those names; throws nabla::Error listing the valid ones.
OptimizerKind parseOptimizer(const std::string &name);
/// Those names, comma-separated, for help texts and errors.
std::string optimizerNames();

/// State tensors per parameter, each shaped like it: momentum/nesterov "v",
/// adagrad/rmsprop "h", adam "m" and "v".
std::vector<std::string> optimizerSlots(OptimizerKind kind);
/// Scalar hyperparameters the compiled update takes, in argument order.
std::vector<std::string> optimizerHyperparameters(OptimizerKind kind);

struct OptimizerConfig {
  OptimizerKind kind = OptimizerKind::SGD;
  double lr = 0.01;
  double momentum = 0.9;     // momentum, nesterov (ONNX alpha)
  double gradScale = 1.0;    // momentum, nesterov: ONNX beta, applied from the second step
  double rho = 0.99;         // rmsprop decay rate
  double beta1 = 0.9;        // adam
  double beta2 = 0.999;      // adam
  double epsilon = 1e-7;     // adagrad, rmsprop, adam (the textbook's 1e-7)
  double weightDecay = 0.0;  // L2 coefficient inside the update (ONNX norm_coefficient)
  double lrDecay = 0.0;      // adagrad: lr / (1 + t * lrDecay) (ONNX decay_factor)
  bool biasCorrection = true; // adam: lr * sqrt(1 - beta2^t) / (1 - beta1^t)

  /// The textbook's defaults for each optimizer (lr 0.01, Adam 0.001, ...).
  static OptimizerConfig defaults(OptimizerKind kind);

  /// The hyperparameter values for the update of step t (t = 0 for the first
  /// step, ONNX's T), keyed by optimizerHyperparameters() names.
  std::map<std::string, double> hyperparameters(long t) const;
};

} // namespace nabla
