// Splitting a batch between replicas that run at the same time, one thread
// each: the shards' rows, their copies, and the threads. Shared by the
// data-parallel training step and the batch-sharded forward function.
#pragma once

#include "runtime/CompiledFunction.h"
#include "runtime/Tensor.h"

#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace nabla {

/// Rows [begin, begin + rows) of a batch.
struct RowRange {
  int64_t begin = 0, rows = 0;
};

/// The number of rows the arguments `batched` (indices into `inputs`, whose
/// names `arguments` gives) share. nabla::Error starting with `who` when two
/// differ, one has no rows to split, or the batch is empty.
int64_t sharedRows(const std::vector<Tensor> &inputs, const std::vector<int> &batched,
                   const std::vector<ArgumentInfo> &arguments, const std::string &who);

/// `batch` rows split into min(parts, batch) contiguous shards whose sizes
/// differ by at most one, the larger first.
std::vector<RowRange> splitRows(int64_t batch, int parts);

/// Copies `range`'s rows of `whole` into `part`, which is (re)allocated when
/// its shape or element type does not fit.
void copyRowsInto(const Tensor &whole, RowRange range, Tensor &part);

/// Copies all of `part` into `range`'s rows of `whole`.
void copyRowsFrom(const Tensor &part, RowRange range, Tensor &whole);

/// Runs `call` (a replica's call on its shard); a nabla::Error it throws is
/// rethrown naming the replica and its rows of the batch, since indices in
/// the message count from the shard's first row.
void callReplica(int replica, RowRange range, const std::function<void()> &call);

/// Throws nabla::Error starting with `who` unless `outputs` are as many as
/// `function` returns, each defined, of its element type and of the shape in
/// `expected`: checked before any work, so a caller's mistake is an error,
/// not a write out of bounds.
void checkOutputs(const CompiledFunction &function, const std::vector<Shape> &expected,
                  const std::vector<Tensor> &outputs, const std::string &who);

/// Makes `outputs` fit what `function` returns for `inputs` (shapes and
/// element types), keeping the tensors that already do.
void fitOutputs(const CompiledFunction &function, const std::vector<Tensor> &inputs,
                std::vector<Tensor> &outputs);

/// Threads kept for running the replicas of one function at the same time:
/// a new thread per call would fault its stack in again every time (Halide
/// keeps small buffers there) and start cold.
class ReplicaThreads {
public:
  /// `workers` threads beside the caller's; throws (after stopping those
  /// already started) when one cannot be started.
  explicit ReplicaThreads(int workers);
  ~ReplicaThreads();
  ReplicaThreads(const ReplicaThreads &) = delete;
  ReplicaThreads &operator=(const ReplicaThreads &) = delete;

  /// Runs work(0) ... work(count - 1) at the same time, work(0) on the calling
  /// thread (count - 1 must not exceed the workers). Returns when all
  /// finished; then rethrows the exception of the lowest index that threw.
  /// Calls must not overlap.
  void run(int count, const std::function<void(int)> &work);

private:
  void serve(int worker);
  void stop();

  std::mutex mutex_;
  std::condition_variable started_, finished_;
  const std::function<void(int)> *work_ = nullptr;
  int count_ = 0, pending_ = 0;
  uint64_t generation_ = 0;
  bool stopping_ = false;
  std::vector<std::exception_ptr> errors_;
  std::vector<std::jthread> threads_;
};

} // namespace nabla
