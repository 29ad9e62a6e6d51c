#include "runtime/BatchShards.h"

#include "runtime/Error.h"

#include <algorithm>
#include <cstring>

namespace nabla {

int64_t sharedRows(const std::vector<Tensor> &inputs, const std::vector<int> &batched,
                   const std::vector<ArgumentInfo> &arguments, const std::string &who) {
  const Tensor &first = inputs.at(batched.at(0));
  int64_t batch = first.rank() > 0 ? first.dim(0) : 0;
  for (int b : batched)
    if (inputs[b].rank() == 0 || inputs[b].dim(0) != batch)
      throw Error(who + ": '" + arguments[b].name + "' is " + inputs[b].describe() + ", but '" +
                  arguments[batched[0]].name + "' has " + std::to_string(batch) + " rows");
  if (batch < 1) throw Error(who + ": the batch is empty");
  return batch;
}

std::vector<RowRange> splitRows(int64_t batch, int parts) {
  int64_t count = std::min<int64_t>(parts, batch);
  std::vector<RowRange> ranges;
  for (int64_t r = 0, begin = 0; r < count; ++r) {
    int64_t rows = batch / count + (r < batch % count ? 1 : 0);
    ranges.push_back({begin, rows});
    begin += rows;
  }
  return ranges;
}

namespace {
size_t rowBytes(const Tensor &t) { return t.dim(0) ? t.bytes() / size_t(t.dim(0)) : 0; }
} // namespace

void copyRowsInto(const Tensor &whole, RowRange range, Tensor &part) {
  Shape shape = whole.shape();
  shape[0] = range.rows;
  if (!part.defined() || part.shape() != shape || part.dtype() != whole.dtype())
    part = Tensor(shape, whole.dtype());
  size_t row = rowBytes(whole);
  std::memcpy(part.rawData(), static_cast<const std::byte *>(whole.rawData()) + range.begin * row,
              range.rows * row);
}

void copyRowsFrom(const Tensor &part, RowRange range, Tensor &whole) {
  size_t row = rowBytes(whole);
  std::memcpy(static_cast<std::byte *>(whole.rawData()) + range.begin * row, part.rawData(),
              range.rows * row);
}

void callReplica(int replica, RowRange range, const std::function<void()> &call) {
  try {
    call();
  } catch (const Error &e) {
    throw Error("replica " + std::to_string(replica) + " (rows " + std::to_string(range.begin) +
                "-" + std::to_string(range.begin + range.rows - 1) + " of the batch): " + e.what());
  }
}

void checkOutputs(const CompiledFunction &function, const std::vector<Shape> &expected,
                  const std::vector<Tensor> &outputs, const std::string &who) {
  if (outputs.size() != expected.size())
    throw Error(who + ": expected " + std::to_string(expected.size()) + " results, got " +
                std::to_string(outputs.size()));
  for (size_t k = 0; k < outputs.size(); ++k) {
    const ArgumentInfo &info = function.outputs()[k];
    if (!outputs[k].defined() || outputs[k].dtype() != info.dtype ||
        outputs[k].shape() != expected[k])
      throw Error(who + ": result '" + info.name + "' is " +
                  (outputs[k].defined() ? outputs[k].describe() : std::string("undefined")) +
                  ", expected " + shapeToString(expected[k]) + " of " + dtypeName(info.dtype));
  }
}

void fitOutputs(const CompiledFunction &function, const std::vector<Tensor> &inputs,
                std::vector<Tensor> &outputs) {
  std::vector<Shape> shapes;
  for (const Tensor &t : inputs) shapes.push_back(t.shape());
  std::vector<Shape> outputShapes = function.outputShapes(shapes);
  outputs.resize(outputShapes.size());
  for (size_t k = 0; k < outputShapes.size(); ++k) {
    DType dtype = function.outputs()[k].dtype;
    if (!outputs[k].defined() || outputs[k].shape() != outputShapes[k] ||
        outputs[k].dtype() != dtype)
      outputs[k] = Tensor(outputShapes[k], dtype);
  }
}

ReplicaThreads::ReplicaThreads(int workers) {
  try {
    for (int w = 0; w < workers; ++w) threads_.emplace_back([this, w] { serve(w); });
  } catch (...) {
    stop(); // the started ones wait for work: without this their join would hang
    throw;
  }
}

ReplicaThreads::~ReplicaThreads() { stop(); }

void ReplicaThreads::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  started_.notify_all();
  threads_.clear(); // joins
}

void ReplicaThreads::serve(int worker) {
  uint64_t seen = 0;
  for (;;) {
    std::unique_lock<std::mutex> lock(mutex_);
    started_.wait(lock, [&] { return stopping_ || generation_ != seen; });
    if (stopping_) return;
    seen = generation_;
    int index = worker + 1;
    if (index >= count_) continue;
    lock.unlock();
    std::exception_ptr error;
    try {
      (*work_)(index);
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    errors_[index] = error;
    if (--pending_ == 0) finished_.notify_one();
  }
}

void ReplicaThreads::run(int count, const std::function<void(int)> &work) {
  if (count - 1 > int(threads_.size()))
    throw Error("ReplicaThreads: " + std::to_string(count) + " parts for " +
                std::to_string(threads_.size()) + " workers and the caller");
  if (count < 1) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    work_ = &work;
    count_ = count;
    pending_ = count - 1;
    errors_.assign(count, nullptr);
    ++generation_;
  }
  started_.notify_all();
  std::exception_ptr first;
  try {
    work(0);
  } catch (...) {
    first = std::current_exception();
  }
  std::unique_lock<std::mutex> lock(mutex_);
  finished_.wait(lock, [&] { return pending_ == 0; });
  if (first) std::rethrow_exception(first);
  for (std::exception_ptr &e : errors_)
    if (e) std::rethrow_exception(e);
}

} // namespace nabla
