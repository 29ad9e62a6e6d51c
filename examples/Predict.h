// Class predictions of a compiled @forward for a whole data set, for lessons
// that look at individual predictions (which changed, which are wrong)
// rather than only at an accuracy.
#pragma once

#include "examples/GraphCall.h"
#include "runtime/Dataset.h"

#include <cstdint>
#include <vector>

namespace nabla::examples {

/// argmax of the "logits" output for every image of `data`, computed in
/// batches of `batch`; `params` holds the model's parameters (and state).
std::vector<int64_t> predictClasses(const CompiledFunction &forward, const NamedTensors &params, const Dataset &data,
                                    int64_t batch = 1000);

/// Percentage of `predictions` equal to `data`'s labels.
double percentCorrect(const std::vector<int64_t> &predictions, const Dataset &data);

} // namespace nabla::examples
