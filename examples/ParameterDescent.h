// Optimizing parameters with no data: a compiled training step (autodiff +
// --nabla-train-step) applied to a loss of the parameters alone, as the
// book's optimizer comparison on f(x, y) = x^2 / 20 + y^2 does. The same
// compiled update code trains the networks; here each step's parameters
// are kept so their path can be drawn.
#pragma once

#include "examples/GraphCall.h"
#include "runtime/Optimizer.h"

namespace nabla::examples {

class ParameterDescent {
public:
  /// `trainStep` is a @loss_train_step whose inputs are params, optimizer
  /// slots and hyperparameters only; `params` their starting values.
  ParameterDescent(std::shared_ptr<const CompiledFunction> trainStep, NamedTensors params,
                   OptimizerConfig optimizer);

  /// One update; returns the loss at the parameters before it.
  double step();
  /// Parameters and optimizer slots ("p", "p/v") now.
  const NamedTensors &values() const { return values_; }

private:
  std::shared_ptr<const CompiledFunction> trainStep_;
  NamedTensors values_;
  OptimizerConfig optimizer_;
  long steps_ = 0;
};

} // namespace nabla::examples
