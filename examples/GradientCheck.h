// The book's gradient check: backprop's gradient (the autodiff pass's
// @loss_grad) against central differences of the compiled @loss, parameter
// by parameter.
#pragma once

#include "examples/GraphCall.h"

#include <string>
#include <vector>

namespace nabla::examples {

struct GradientCheckResult {
  std::string param;
  int64_t checked = 0;     // entries compared
  double maxAbsDiff = 0;   // max |numerical - backprop| over them
  double maxAbsGrad = 0;   // max |backprop| over them, for scale
};

/// Compares, for every argument with role "param" of `loss`, the gradient
/// `grad` returns ("grad:<name>") with (loss(p + h) - loss(p - h)) / 2h at the
/// `maxEntries` entries spread evenly over the tensor (0: all). `args` holds every input of `loss`;
/// the parameters in it are perturbed on copies, never in place.
std::vector<GradientCheckResult> checkGradients(const CompiledFunction &loss, const CompiledFunction &grad,
                                                const NamedTensors &args, double h, int64_t maxEntries);

} // namespace nabla::examples
