#include "runtime/ChainedFunction.h"

#include "runtime/Error.h"

#include <cstring>
#include <string>

namespace nabla {

ChainedFunction::ChainedFunction(std::vector<ArgumentInfo> inputs,
                                 std::vector<ArgumentInfo> outputs, std::vector<ChainLink> links,
                                 std::vector<int> results)
    : inputs_(std::move(inputs)), outputs_(std::move(outputs)), links_(std::move(links)),
      results_(std::move(results)) {
  auto fail = [](size_t link, const std::string &what) {
    throw Error("chained function, part " + std::to_string(link) + ": " + what);
  };
  valueCount_ = int(inputs_.size());
  for (size_t l = 0; l < links_.size(); ++l) {
    const ChainLink &link = links_[l];
    if (!link.part) fail(l, "no compiled function");
    if (link.part->onDevice()) fail(l, "runs on a device; chains run on the host");
    if (link.reads.size() != link.part->inputs().size() ||
        link.writes.size() != link.part->outputs().size())
      fail(l, "wired to " + std::to_string(link.reads.size()) + " inputs and " +
                  std::to_string(link.writes.size()) + " outputs, the part has " +
                  std::to_string(link.part->inputs().size()) + " and " +
                  std::to_string(link.part->outputs().size()));
    for (int v : link.reads)
      if (v < 0 || v >= valueCount_)
        fail(l, "reads value " + std::to_string(v) + ", not defined before it");
    for (int v : link.writes)
      if (v != valueCount_++) fail(l, "writes value " + std::to_string(v) + " out of order");
  }
  if (results_.size() != outputs_.size())
    throw Error("chained function: " + std::to_string(results_.size()) + " results for " +
                std::to_string(outputs_.size()) + " outputs");
  resultOf_.assign(size_t(valueCount_), -1);
  for (size_t r = 0; r < results_.size(); ++r) {
    int v = results_[r];
    if (v < 0 || v >= valueCount_)
      throw Error("chained function: output " + std::to_string(r) + " is undefined value " +
                  std::to_string(v));
    // The chain's inputs are copied into outputs that return them.
    if (v >= int(inputs_.size()) && resultOf_[v] < 0) resultOf_[v] = int(r);
  }
}

std::vector<Shape> ChainedFunction::valueShapes(const std::vector<Shape> &inputShapes) const {
  if (inputShapes.size() != inputs_.size())
    throw Error("chained function: " + std::to_string(inputShapes.size()) + " inputs, wants " +
                std::to_string(inputs_.size()));
  std::vector<Shape> shapes(inputShapes);
  shapes.resize(size_t(valueCount_));
  for (const ChainLink &link : links_) {
    std::vector<Shape> in;
    for (int v : link.reads) in.push_back(shapes[v]);
    std::vector<Shape> out = link.part->outputShapes(in);
    for (size_t k = 0; k < out.size(); ++k) shapes[link.writes[k]] = std::move(out[k]);
  }
  return shapes;
}

std::vector<Shape> ChainedFunction::outputShapes(const std::vector<Shape> &inputShapes) const {
  std::vector<Shape> shapes = valueShapes(inputShapes);
  std::vector<Shape> out;
  for (int v : results_) out.push_back(shapes[v]);
  return out;
}

void ChainedFunction::runInto(const std::vector<Tensor> &inputs,
                              std::vector<Tensor> &outputs) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (inputs.size() != inputs_.size() || outputs.size() != outputs_.size())
    throw Error("chained function: called with " + std::to_string(inputs.size()) + " inputs and " +
                std::to_string(outputs.size()) + " outputs, wants " +
                std::to_string(inputs_.size()) + " and " + std::to_string(outputs_.size()));
  std::vector<Shape> inputShapes;
  for (const Tensor &t : inputs) inputShapes.push_back(t.shape());
  auto it = between_.find(inputShapes);
  if (it == between_.end()) {
    // Buffers for the values that no output holds; shapes that a part
    // refuses throw here, before anything is kept.
    std::vector<Shape> shapes = valueShapes(inputShapes);
    std::vector<Tensor> buffers(static_cast<size_t>(valueCount_));
    for (const ChainLink &link : links_)
      for (size_t k = 0; k < link.writes.size(); ++k)
        if (resultOf_[link.writes[k]] < 0)
          buffers[link.writes[k]] = Tensor(shapes[link.writes[k]], link.part->outputs()[k].dtype);
    it = between_.emplace(inputShapes, std::move(buffers)).first;
  }
  // This call's values: the buffers, with the caller's inputs and outputs
  // in their places (not kept beyond the call).
  std::vector<Tensor> values = it->second;
  for (size_t i = 0; i < inputs.size(); ++i) values[i] = inputs[i];
  for (int v = 0; v < valueCount_; ++v)
    if (resultOf_[v] >= 0) values[v] = outputs[resultOf_[v]];

  std::vector<Tensor> in, out;
  for (const ChainLink &link : links_) {
    in.clear();
    out.clear();
    for (int v : link.reads) in.push_back(values[v]);
    for (int v : link.writes) out.push_back(values[v]);
    link.part->runInto(in, out);
  }
  // Outputs that return an input, or a value another output holds.
  for (size_t r = 0; r < results_.size(); ++r) {
    const Tensor &value = values[results_[r]];
    if (value.rawData() == outputs[r].rawData()) continue;
    if (value.bytes() != outputs[r].bytes())
      throw Error("chained function: output " + std::to_string(r) + " is " + outputs[r].describe() +
                  ", its value " + value.describe());
    std::memcpy(outputs[r].rawData(), value.rawData(), value.bytes());
  }
}

} // namespace nabla
