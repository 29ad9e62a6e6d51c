// Inference split by rows: a CompiledFunction that runs each call's batch as
// one shard per replica, each on a thread of its own, and puts the shards'
// output rows together. Rows are independent in inference (batch norm uses
// its running statistics, dropout is off), so the result is the whole
// batch's. Each replica's parallel loops run on its own thread
// (halide::Instance::Replica): on two cores, SimpleConvNet's forward pass at
// batch 100 took 1.08-1.11 ms (medians) on Halide's two pool threads and
// 0.95-0.97 ms as two shards of 50 (build/bin/data_parallel_step).
#pragma once

#include "runtime/BatchShards.h"
#include "runtime/CompiledFunction.h"

#include <memory>
#include <mutex>
#include <vector>

namespace nabla {

class BatchShardedFunction : public CompiledFunction {
public:
  /// `replicas`: distinct instances of one function whose arguments of role
  /// input (or label) and whose results all have the batch as their first,
  /// dynamic dimension. Throws nabla::Error otherwise.
  explicit BatchShardedFunction(std::vector<std::shared_ptr<const CompiledFunction>> replicas);

  const std::vector<ArgumentInfo> &inputs() const override { return replicas_[0]->inputs(); }
  const std::vector<ArgumentInfo> &outputs() const override { return replicas_[0]->outputs(); }
  std::vector<Shape> outputShapes(const std::vector<Shape> &inputShapes) const override {
    return replicas_[0]->outputShapes(inputShapes);
  }
  void runInto(const std::vector<Tensor> &inputs, std::vector<Tensor> &outputs) const override;

  int replicaCount() const { return int(replicas_.size()); }

private:
  struct Shard {
    std::vector<Tensor> inputs, outputs; // reused while the shard's rows stay the same
  };

  std::vector<std::shared_ptr<const CompiledFunction>> replicas_;
  std::vector<int> batched_; // arguments split by rows

  mutable std::mutex mutex_; // calls are serialized
  mutable std::vector<Shard> shards_;
  mutable std::unique_ptr<ReplicaThreads> threads_; // one worker per replica after the first
};

} // namespace nabla
