#include "runtime/BatchShardedFunction.h"

#include "runtime/Error.h"

#include <algorithm>
#include <set>

namespace nabla {

BatchShardedFunction::BatchShardedFunction(
    std::vector<std::shared_ptr<const CompiledFunction>> replicas)
    : replicas_(std::move(replicas)) {
  if (replicas_.empty()) throw Error("a batch-sharded function needs at least one replica");
  std::set<const CompiledFunction *> distinct;
  for (const auto &replica : replicas_) {
    if (!replica) throw Error("a batch-sharded function's replica is missing");
    if (replica->onDevice()) throw Error("batch-sharded functions run on the host CPU");
    distinct.insert(replica.get());
  }
  if (distinct.size() != replicas_.size())
    throw Error("batch-sharded replicas must be distinct instances, so that their calls can "
                "overlap");
  const std::vector<ArgumentInfo> &in = inputs();
  for (size_t i = 0; i < in.size(); ++i)
    if (in[i].role == "input" || in[i].role == "label") {
      if (in[i].shape.empty() || in[i].shape[0] != -1)
        throw Error("argument '" + in[i].name + "' has no dynamic batch dimension to split");
      batched_.push_back(int(i));
    }
  if (batched_.empty()) throw Error("a batch-sharded function needs an input argument to split");
  for (const ArgumentInfo &out : outputs())
    if (out.shape.empty() || out.shape[0] != -1)
      throw Error("result '" + out.name +
                  "' has no batch dimension: its rows cannot be "
                  "computed shard by shard");
  threads_ = std::make_unique<ReplicaThreads>(int(replicas_.size()) - 1);
}

void BatchShardedFunction::runInto(const std::vector<Tensor> &inputs,
                                   std::vector<Tensor> &outputs) const {
  const char *who = "batch-sharded function";
  if (inputs.size() != this->inputs().size())
    throw Error(std::string(who) + ": expected " + std::to_string(this->inputs().size()) +
                " arguments, got " + std::to_string(inputs.size()));
  std::lock_guard<std::mutex> lock(mutex_);
  int64_t batch = sharedRows(inputs, batched_, this->inputs(), who);
  std::vector<Shape> wholeShapes;
  for (const Tensor &t : inputs) wholeShapes.push_back(t.shape());
  std::vector<Shape> expected = outputShapes(wholeShapes);
  checkOutputs(*this, expected, outputs, who);
  // Rows are put together by position: every result must have the batch's.
  for (size_t k = 0; k < expected.size(); ++k)
    if (expected[k].empty() || expected[k][0] != batch)
      throw Error(std::string(who) + ": result '" + this->outputs()[k].name + "' is " +
                  shapeToString(expected[k]) + " for a batch of " + std::to_string(batch) +
                  " rows: its rows are not the batch's");
  std::vector<RowRange> ranges = splitRows(batch, int(replicas_.size()));
  shards_.resize(ranges.size());
  for (size_t r = 0; r < ranges.size(); ++r) {
    Shard &shard = shards_[r];
    shard.inputs.resize(inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i)
      if (std::count(batched_.begin(), batched_.end(), int(i)))
        copyRowsInto(inputs[i], ranges[r], shard.inputs[i]);
      else
        shard.inputs[i] = inputs[i]; // parameters: shared, read only
    fitOutputs(*replicas_[r], shard.inputs, shard.outputs);
    for (size_t k = 0; k < shard.outputs.size(); ++k)
      if (shard.outputs[k].dim(0) != ranges[r].rows)
        throw Error(std::string(who) + ": result '" + this->outputs()[k].name +
                    "' has a first dimension that is not the batch's");
  }
  threads_->run(int(ranges.size()), [&](int r) {
    callReplica(r, ranges[r],
                [&] { replicas_[r]->runInto(shards_[r].inputs, shards_[r].outputs); });
    for (size_t k = 0; k < outputs.size(); ++k)
      copyRowsFrom(shards_[r].outputs[k], ranges[r], outputs[k]);
  });
}

} // namespace nabla
