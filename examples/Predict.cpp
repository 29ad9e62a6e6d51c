#include "examples/Predict.h"

#include <algorithm>
#include <numeric>

namespace nabla::examples {

std::vector<int64_t> predictClasses(const CompiledFunction &forward, const NamedTensors &params, const Dataset &data,
                                    int64_t batch) {
  NamedTensors args = params;
  std::vector<int64_t> predictions;
  for (int64_t first = 0; first < data.size(); first += batch) {
    std::vector<int64_t> rows(static_cast<size_t>(std::min(batch, data.size() - first)));
    std::iota(rows.begin(), rows.end(), first);
    args["x"] = data.gather(rows).images;
    Tensor logits = callByName(forward, args).at("logits");
    int64_t classes = logits.dim(1);
    for (size_t i = 0; i < rows.size(); ++i) {
      const float *z = logits.data<float>() + int64_t(i) * classes;
      predictions.push_back(std::max_element(z, z + classes) - z);
    }
  }
  return predictions;
}

double percentCorrect(const std::vector<int64_t> &predictions, const Dataset &data) {
  int64_t correct = 0;
  for (size_t i = 0; i < predictions.size(); ++i) correct += predictions[i] == data.labels.data<int64_t>()[i];
  return 100.0 * double(correct) / double(predictions.size());
}

} // namespace nabla::examples
