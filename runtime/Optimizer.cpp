#include "runtime/Optimizer.h"

#include "runtime/Error.h"

#include <cmath>

namespace nabla {

namespace {
constexpr OptimizerKind kAll[] = {OptimizerKind::SGD,     OptimizerKind::Momentum,
                                  OptimizerKind::Nesterov, OptimizerKind::AdaGrad,
                                  OptimizerKind::RMSprop, OptimizerKind::Adam};
}

const char *optimizerName(OptimizerKind kind) {
  switch (kind) {
  case OptimizerKind::SGD: return "sgd";
  case OptimizerKind::Momentum: return "momentum";
  case OptimizerKind::Nesterov: return "nesterov";
  case OptimizerKind::AdaGrad: return "adagrad";
  case OptimizerKind::RMSprop: return "rmsprop";
  case OptimizerKind::Adam: return "adam";
  }
  return "?";
}

std::string optimizerNames() {
  std::string names;
  for (OptimizerKind kind : kAll) names += (names.empty() ? "" : ", ") + std::string(optimizerName(kind));
  return names;
}

OptimizerKind parseOptimizer(const std::string &name) {
  for (OptimizerKind kind : kAll)
    if (name == optimizerName(kind)) return kind;
  throw Error("unknown optimizer '" + name + "' (choose one of " + optimizerNames() + ")");
}

std::vector<std::string> optimizerSlots(OptimizerKind kind) {
  switch (kind) {
  case OptimizerKind::SGD: return {};
  case OptimizerKind::Momentum: case OptimizerKind::Nesterov: return {"v"};
  case OptimizerKind::AdaGrad: case OptimizerKind::RMSprop: return {"h"};
  case OptimizerKind::Adam: return {"m", "v"};
  }
  return {};
}

std::vector<std::string> optimizerHyperparameters(OptimizerKind kind) {
  switch (kind) {
  case OptimizerKind::SGD: return {"lr", "weight_decay"};
  case OptimizerKind::Momentum: case OptimizerKind::Nesterov:
    return {"lr", "weight_decay", "momentum", "grad_scale"};
  case OptimizerKind::AdaGrad: return {"lr", "weight_decay", "epsilon"};
  case OptimizerKind::RMSprop: return {"lr", "weight_decay", "rho", "epsilon"};
  case OptimizerKind::Adam: return {"lr", "weight_decay", "beta1", "beta2", "epsilon"};
  }
  return {};
}

OptimizerConfig OptimizerConfig::defaults(OptimizerKind kind) {
  OptimizerConfig c;
  c.kind = kind;
  c.lr = kind == OptimizerKind::Adam ? 0.001 : 0.01;
  return c;
}

std::map<std::string, double> OptimizerConfig::hyperparameters(long t) const {
  double step = double(t);
  double rate = lr;
  if (kind == OptimizerKind::AdaGrad) rate = lr / (1.0 + step * lrDecay);
  if (kind == OptimizerKind::Adam && biasCorrection) {
    double n = step + 1; // the bias correction counts steps from 1
    rate = lr * std::sqrt(1.0 - std::pow(beta2, n)) / (1.0 - std::pow(beta1, n));
  }
  std::map<std::string, double> values = {{"lr", rate},         {"weight_decay", weightDecay},
                                          {"momentum", momentum}, {"grad_scale", t > 0 ? gradScale : 1.0},
                                          {"rho", rho},           {"beta1", beta1},
                                          {"beta2", beta2},       {"epsilon", epsilon}};
  std::map<std::string, double> used;
  for (const std::string &name : optimizerHyperparameters(kind)) used[name] = values.at(name);
  return used;
}

} // namespace nabla
