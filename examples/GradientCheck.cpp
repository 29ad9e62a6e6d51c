#include "examples/GradientCheck.h"

#include <algorithm>
#include <cmath>

namespace nabla::examples {

namespace {
/// The larger of the two, or NaN if either is: std::max drops a NaN
/// second argument, and a check that met a NaN must not report agreement.
double maxKeepingNaN(double a, double b) { return std::isnan(a) || std::isnan(b) ? NAN : std::max(a, b); }
} // namespace

std::vector<GradientCheckResult> checkGradients(const CompiledFunction &loss, const CompiledFunction &grad,
                                                const NamedTensors &args, double h, int64_t maxEntries) {
  NamedTensors backprop = callByName(grad, args);
  std::vector<GradientCheckResult> results;
  for (const ArgumentInfo &arg : loss.inputs()) {
    if (arg.role != "param") continue;
    NamedTensors perturbed = args;
    Tensor p = args.at(arg.name).clone();
    perturbed[arg.name] = p;
    const Tensor &g = backprop.at("grad:" + arg.name);
    GradientCheckResult r{arg.name};
    r.checked = maxEntries > 0 ? std::min(maxEntries, p.numel()) : p.numel();
    float *values = p.data<float>();
    for (int64_t k = 0; k < r.checked; ++k) {
      // Spread over the tensor: the first entries of W1 belong to the image's
      // always-blank corner pixels, whose gradients are all zero.
      int64_t i = k * p.numel() / r.checked;
      // Divide by the step f32 really took, not by 2h.
      float saved = values[i], up = float(saved + h), down = float(saved - h);
      values[i] = up;
      double plus = callByName(loss, perturbed).at("loss").at(0);
      values[i] = down;
      double minus = callByName(loss, perturbed).at("loss").at(0);
      values[i] = saved;
      double numerical = (plus - minus) / (double(up) - double(down));
      r.maxAbsDiff = maxKeepingNaN(r.maxAbsDiff, std::abs(numerical - g.at(i)));
      r.maxAbsGrad = maxKeepingNaN(r.maxAbsGrad, std::abs(g.at(i)));
    }
    results.push_back(r);
  }
  return results;
}

} // namespace nabla::examples
