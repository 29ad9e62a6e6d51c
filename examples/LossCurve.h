// Loss curves per iteration, as the book's optimizer and weight-init
// comparisons draw them: a trainer stepped over shuffled mini-batches for a
// fixed number of iterations, each step's loss kept, then smoothed.
#pragma once

#include "runtime/Dataset.h"
#include "runtime/Plot.h"
#include "runtime/Trainer.h"

#include <cstdint>
#include <string>
#include <vector>

namespace nabla::examples {

/// Runs `iterations` steps of `trainer` on mini-batches of `batch` images of
/// `train` (reshuffled each epoch from `seed`; a last partial batch is
/// skipped, so every step sees `batch` images) and returns each step's loss.
std::vector<double> trainIterations(Trainer &trainer, const Dataset &train, int64_t batch, int64_t iterations,
                                    uint64_t seed);

/// Centred moving average over `window` points (shorter at the ends).
std::vector<double> smooth(const std::vector<double> &values, int64_t window);

/// `y` against its index 0, 1, 2, ... as a labelled line.
PlotSeries indexSeries(const std::vector<double> &y, const std::string &label);

} // namespace nabla::examples
