// A function run as a chain of separately compiled parts: what
// --nabla-split-function makes of a long function, so that its parts compile
// in parallel (Halide lowers a pipeline on one thread). Each part reads the
// chain's inputs and earlier parts' results and writes its own; results of
// the chain are written where the caller wants them, the values passed
// between parts into buffers the chain keeps per set of input shapes.
#pragma once

#include "runtime/CompiledFunction.h"

#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace nabla {

/// One call of the chain. Values are numbered: the chain's inputs first,
/// then each part's results in turn.
struct ChainLink {
  std::shared_ptr<const CompiledFunction> part;
  std::vector<int> reads;  // a value per input of `part`
  std::vector<int> writes; // a value per output of `part`: the next unused numbers
};

class ChainedFunction : public CompiledFunction {
public:
  /// `results`: the value of each output. Throws nabla::Error unless the
  /// links read only values defined before them and match their parts'
  /// arities, and every part runs on the host.
  ChainedFunction(std::vector<ArgumentInfo> inputs, std::vector<ArgumentInfo> outputs,
                  std::vector<ChainLink> links, std::vector<int> results);

  const std::vector<ArgumentInfo> &inputs() const override { return inputs_; }
  const std::vector<ArgumentInfo> &outputs() const override { return outputs_; }
  std::vector<Shape> outputShapes(const std::vector<Shape> &inputShapes) const override;
  void runInto(const std::vector<Tensor> &inputs, std::vector<Tensor> &outputs) const override;

  int partCount() const { return int(links_.size()); }

private:
  /// Every value's shape for these input shapes (each part validates its own).
  std::vector<Shape> valueShapes(const std::vector<Shape> &inputShapes) const;

  std::vector<ArgumentInfo> inputs_, outputs_;
  std::vector<ChainLink> links_;
  std::vector<int> results_;
  std::vector<int> resultOf_; // per value: the first output that is it, or -1
  int valueCount_ = 0;

  mutable std::mutex mutex_; // calls are serialized
  /// Per set of input shapes: a buffer for each value passed between parts.
  mutable std::map<std::vector<Shape>, std::vector<Tensor>> between_;
};

} // namespace nabla
