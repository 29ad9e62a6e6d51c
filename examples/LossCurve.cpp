#include "examples/LossCurve.h"

#include "runtime/BatchIterator.h"
#include "runtime/Error.h"

#include <algorithm>

namespace nabla::examples {

std::vector<double> trainIterations(Trainer &trainer, const Dataset &train, int64_t batch, int64_t iterations,
                                    uint64_t seed) {
  BatchIterator batches(train, {.batchSize = batch, .seed = seed, .dropLast = true});
  if (batches.batchesPerEpoch() == 0) throw Error("trainIterations: fewer images than one batch");
  BatchBuffers buffers = batches.allocateBuffers();
  std::vector<double> losses;
  for (int64_t epoch = 0; int64_t(losses.size()) < iterations; ++epoch) {
    batches.startEpoch(epoch);
    while (int64_t(losses.size()) < iterations) {
      const Batch *b = batches.next(buffers);
      if (!b) break;
      losses.push_back(trainer.step(b->images, b->labels));
    }
  }
  return losses;
}

std::vector<double> smooth(const std::vector<double> &v, int64_t window) {
  std::vector<double> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    size_t lo = i >= size_t(window / 2) ? i - window / 2 : 0, hi = std::min(v.size(), i + window / 2 + 1);
    double sum = 0;
    for (size_t j = lo; j < hi; ++j) sum += v[j];
    out[i] = sum / double(hi - lo);
  }
  return out;
}

PlotSeries indexSeries(const std::vector<double> &y, const std::string &label) {
  PlotSeries series{.label = label};
  for (size_t i = 0; i < y.size(); ++i) series.x.push_back(double(i)), series.y.push_back(y[i]);
  return series;
}

} // namespace nabla::examples
