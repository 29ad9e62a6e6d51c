// Data-parallel training on one machine. A DataParallelStep has the signature
// of a compiled training step (the gradient function's arguments, optimizer
// state, hyperparameters -> loss, new state, new parameters, new optimizer
// state), so the Trainer runs it unchanged. Each call splits the batch into
// one shard per replica, computes every shard's loss and gradients with the
// model's gradient function on a thread of its own, and applies their
// shard-size weighted average once with the compiled optimizer update
// (--nabla-apply-gradients shards=<replicas>), which reads every shard's
// gradients and averages them in the update's own pass.
//
// For a loss that is a mean over the batch the averaged gradient is the
// whole batch's, so the trajectory is the single step's up to rounding. Two
// things differ on purpose, as in other frameworks' data-parallel training:
// batch normalization normalizes each shard by its own statistics (and the
// running statistics are the replicas' weighted average), and dropout draws
// each replica's masks from a stream of its own (step * replicas + replica).
#pragma once

#include "runtime/BatchShards.h"
#include "runtime/CompiledFunction.h"

#include <memory>
#include <mutex>
#include <vector>

namespace nabla {

class DataParallelStep : public CompiledFunction {
public:
  /// `replicas` are instances of one gradient function (<loss>_grad), one per
  /// replica and distinct, so their calls can run at the same time;
  /// `applyGradients` is <loss>_apply_gradients of the same model, built for
  /// at least as many shards as there are replicas. Throws
  /// nabla::Error when the two do not fit together or an instance runs on
  /// an accelerator.
  DataParallelStep(std::vector<std::shared_ptr<const CompiledFunction>> replicas,
                   std::shared_ptr<const CompiledFunction> applyGradients);

  const std::vector<ArgumentInfo> &inputs() const override { return inputs_; }
  const std::vector<ArgumentInfo> &outputs() const override { return outputs_; }
  std::vector<Shape> outputShapes(const std::vector<Shape> &inputShapes) const override;
  /// One training step on the batch in `inputs`; a batch smaller than the
  /// number of replicas leaves the rest idle.
  void runInto(const std::vector<Tensor> &inputs, std::vector<Tensor> &outputs) const override;

  int replicaCount() const { return int(replicas_.size()); }

private:
  struct Shard {
    RowRange range;
    std::vector<Tensor> inputs, outputs; // reused while the shard's rows stay the same
  };
  void prepareShard(Shard &shard, int replica, const std::vector<Tensor> &inputs) const;
  float shardWeight(int shard, int64_t batch) const; // its rows / the batch's
  void averagePlainOutputs(int active, int64_t batch, std::vector<Tensor> &outputs) const;

  std::vector<std::shared_ptr<const CompiledFunction>> replicas_;
  std::shared_ptr<const CompiledFunction> apply_;
  std::vector<ArgumentInfo> inputs_, outputs_;
  size_t gradientInputs_ = 0; // inputs_[0, gradientInputs_) are the gradient function's
  std::vector<int> batched_;  // its inputs split by rows (roles input and label)
  int stepArg_ = -1;          // its dropout step counter, or -1
  size_t plainOutputs_ = 0;   // its results before the gradients (loss, running statistics)
  // Where each argument of the apply function comes from.
  struct ApplySource {
    enum Kind { StepInput, ShardGradient, ShardWeight } kind;
    int index = 0; // StepInput: the step's input; ShardGradient: the gradient function's result
    int shard = 0; // ShardGradient and ShardWeight: whose
  };
  std::vector<ApplySource> applySources_;

  // Buffers of the call in flight (calls are serialized).
  mutable std::mutex mutex_;
  mutable std::vector<Shard> shards_;
  mutable std::unique_ptr<ReplicaThreads> threads_; // one worker per replica after the first
  mutable std::vector<Tensor> shardWeights_;        // each shard's rows / the batch's (f32)
};

} // namespace nabla
