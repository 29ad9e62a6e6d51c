#include "runtime/DataParallelStep.h"

#include "runtime/Error.h"

#include <algorithm>
#include <set>

namespace nabla {

namespace {

bool isGradientName(const std::string &name) { return name.rfind("grad:", 0) == 0; }

bool sameArguments(const std::vector<ArgumentInfo> &a, const std::vector<ArgumentInfo> &b) {
  return std::equal(
      a.begin(), a.end(), b.begin(), b.end(), [](const ArgumentInfo &x, const ArgumentInfo &y) {
        return x.name == y.name && x.role == y.role && x.shape == y.shape && x.dtype == y.dtype;
      });
}

int indexOf(const std::vector<ArgumentInfo> &arguments, const std::string &name) {
  for (size_t i = 0; i < arguments.size(); ++i)
    if (arguments[i].name == name) return int(i);
  return -1;
}

} // namespace

DataParallelStep::DataParallelStep(std::vector<std::shared_ptr<const CompiledFunction>> replicas,
                                   std::shared_ptr<const CompiledFunction> applyGradients)
    : replicas_(std::move(replicas)), apply_(std::move(applyGradients)) {
  if (replicas_.empty()) throw Error("data-parallel training needs at least one replica");
  if (!apply_) throw Error("data-parallel training needs the apply-gradients function");
  std::set<const CompiledFunction *> distinct;
  for (size_t r = 0; r < replicas_.size(); ++r) {
    const auto &replica = replicas_[r];
    if (!replica) throw Error("data-parallel replica " + std::to_string(r) + " is missing");
    if (replica->onDevice() || apply_->onDevice())
      throw Error("data-parallel training runs on the host CPU; compile for target host");
    if (!sameArguments(replica->inputs(), replicas_[0]->inputs()) ||
        !sameArguments(replica->outputs(), replicas_[0]->outputs()))
      throw Error("data-parallel replica " + std::to_string(r) +
                  " is not the same gradient function as replica 0");
    distinct.insert(replica.get());
  }
  if (distinct.size() != replicas_.size())
    throw Error("data-parallel replicas must be distinct instances of the gradient function, "
                "so that their calls can overlap");

  const std::vector<ArgumentInfo> &gradientIn = replicas_[0]->inputs();
  const std::vector<ArgumentInfo> &gradientOut = replicas_[0]->outputs();
  inputs_ = gradientIn;
  gradientInputs_ = gradientIn.size();
  for (size_t i = 0; i < gradientIn.size(); ++i) {
    if (gradientIn[i].role == "input" || gradientIn[i].role == "label") batched_.push_back(int(i));
    if (gradientIn[i].role == "step") stepArg_ = int(i);
  }
  if (batched_.empty())
    throw Error("the gradient function has no input or label argument to split into shards");

  // Results: the loss and running statistics, then the gradients.
  while (plainOutputs_ < gradientOut.size() && !isGradientName(gradientOut[plainOutputs_].name))
    ++plainOutputs_;
  for (size_t k = 0; k < gradientOut.size(); ++k) {
    const ArgumentInfo &out = gradientOut[k];
    if (out.dtype != DType::F32)
      throw Error("gradient function result '" + out.name + "' is not f32: replicas average f32");
    if (k >= plainOutputs_ && !isGradientName(out.name))
      throw Error("gradient function result '" + out.name + "' follows the gradients");
    if (std::count(out.shape.begin(), out.shape.end(), -1))
      throw Error("gradient function result '" + out.name + "' has a dynamic shape");
  }
  if (plainOutputs_ == 0) throw Error("the gradient function returns no loss");
  outputs_.assign(gradientOut.begin(), gradientOut.begin() + plainOutputs_);

  // The apply function averages the shards' gradients itself: built with
  // --nabla-apply-gradients shards=N, it takes N sets of gradients named
  // grad:<param>@<s> and N weights; built for one shard, it takes the one
  // replica's gradients as they are.
  int applyShards = 0;
  for (const ArgumentInfo &arg : apply_->inputs()) applyShards += arg.role == "shard_weight";
  bool weighted = applyShards > 0;
  applyShards = std::max(applyShards, 1);
  if (int(replicas_.size()) > applyShards)
    throw Error("the apply-gradients function averages the gradients of " +
                std::to_string(applyShards) + " shard(s), fewer than the " +
                std::to_string(replicas_.size()) + " replicas (build it with " +
                "--nabla-apply-gradients shards=" + std::to_string(replicas_.size()) + ")");
  auto suffix = [&](int shard) { return weighted ? "@" + std::to_string(shard) : std::string(); };
  auto shardOf = [&](const std::string &name, const std::string &stem) {
    for (int s = 0; s < applyShards; ++s)
      if (name == stem + suffix(s)) return s;
    return -1;
  };
  shardWeights_.assign(size_t(applyShards), Tensor());
  for (const ArgumentInfo &arg : apply_->inputs()) {
    if (arg.role == "param") {
      int source = indexOf(gradientIn, arg.name);
      if (source < 0)
        throw Error("apply-gradients parameter '" + arg.name +
                    "' is no gradient function argument");
      applySources_.push_back({ApplySource::StepInput, source});
    } else if (arg.role == "grad") {
      ApplySource source{ApplySource::ShardGradient, -1};
      for (size_t k = plainOutputs_; k < gradientOut.size() && source.index < 0; ++k)
        if ((source.shard = shardOf(arg.name, gradientOut[k].name)) >= 0) source.index = int(k);
      if (source.index < 0)
        throw Error("apply-gradients argument '" + arg.name + "' is no gradient function result");
      applySources_.push_back(source);
    } else if (arg.role == "shard_weight") {
      int shard = shardOf(arg.name, "shard_weight");
      if (shard < 0)
        throw Error("apply-gradients shard weight '" + arg.name + "' names no shard below " +
                    std::to_string(applyShards));
      shardWeights_[shard] = Tensor({}, DType::F32);
      applySources_.push_back({ApplySource::ShardWeight, shard, shard});
    } else if (arg.role == "opt_state" || arg.role == "hyper") {
      inputs_.push_back(arg);
      applySources_.push_back({ApplySource::StepInput, int(inputs_.size()) - 1});
    } else {
      throw Error("apply-gradients argument '" + arg.name + "' has unexpected role '" + arg.role +
                  "'");
    }
  }
  outputs_.insert(outputs_.end(), apply_->outputs().begin(), apply_->outputs().end());
  threads_ = std::make_unique<ReplicaThreads>(int(replicas_.size()) - 1);
}

std::vector<Shape> DataParallelStep::outputShapes(const std::vector<Shape> &inputShapes) const {
  if (inputShapes.size() != inputs_.size())
    throw Error("data-parallel step: expected " + std::to_string(inputs_.size()) +
                " arguments, got " + std::to_string(inputShapes.size()));
  std::vector<Shape> gradientShapes = replicas_[0]->outputShapes(
      std::vector<Shape>(inputShapes.begin(), inputShapes.begin() + gradientInputs_));
  std::vector<Shape> applyShapes;
  for (const ApplySource &source : applySources_)
    applyShapes.push_back(source.kind == ApplySource::StepInput       ? inputShapes[source.index]
                          : source.kind == ApplySource::ShardGradient ? gradientShapes[source.index]
                                                                      : Shape{});
  std::vector<Shape> shapes(gradientShapes.begin(), gradientShapes.begin() + plainOutputs_);
  for (Shape &s : apply_->outputShapes(applyShapes)) shapes.push_back(std::move(s));
  return shapes;
}

void DataParallelStep::prepareShard(Shard &shard, int replica,
                                    const std::vector<Tensor> &inputs) const {
  shard.inputs.resize(gradientInputs_);
  for (size_t i = 0; i < gradientInputs_; ++i) {
    const Tensor &whole = inputs[i];
    if (std::count(batched_.begin(), batched_.end(), int(i))) {
      copyRowsInto(whole, shard.range, shard.inputs[i]);
    } else if (int(i) == stepArg_) {
      // A stream of dropout masks per replica.
      if (!shard.inputs[i].defined()) shard.inputs[i] = Tensor({}, DType::I64);
      shard.inputs[i].data<int64_t>()[0] =
          whole.data<int64_t>()[0] * int64_t(replicas_.size()) + replica;
    } else {
      shard.inputs[i] = whole; // parameters and running statistics: shared, read only
    }
  }
  fitOutputs(*replicas_[replica], shard.inputs, shard.outputs);
}

float DataParallelStep::shardWeight(int shard, int64_t batch) const {
  // A mean over the batch is the shards' means weighted by their sizes.
  return float(double(shards_[shard].range.rows) / double(batch));
}

void DataParallelStep::averagePlainOutputs(int active, int64_t batch,
                                           std::vector<Tensor> &outputs) const {
  for (size_t k = 0; k < plainOutputs_; ++k) {
    int64_t n = outputs[k].numel();
    float *sum = outputs[k].data<float>();
    for (int s = 0; s < active; ++s) {
      float weight = shardWeight(s, batch);
      const float *part = shards_[s].outputs[k].data<float>();
      if (s == 0)
        for (int64_t i = 0; i < n; ++i) sum[i] = weight * part[i];
      else
        for (int64_t i = 0; i < n; ++i) sum[i] += weight * part[i];
    }
  }
}

void DataParallelStep::runInto(const std::vector<Tensor> &inputs,
                               std::vector<Tensor> &outputs) const {
  if (inputs.size() != inputs_.size() || outputs.size() != outputs_.size())
    throw Error("data-parallel step: expected " + std::to_string(inputs_.size()) +
                " arguments and " + std::to_string(outputs_.size()) + " results, got " +
                std::to_string(inputs.size()) + " and " + std::to_string(outputs.size()));
  std::lock_guard<std::mutex> lock(mutex_);
  int64_t batch = sharedRows(inputs, batched_, inputs_, "data-parallel step");
  std::vector<Shape> shapes;
  for (const Tensor &t : inputs) shapes.push_back(t.shape());
  checkOutputs(*this, outputShapes(shapes), outputs, "data-parallel step");
  std::vector<RowRange> ranges = splitRows(batch, int(replicas_.size()));
  int active = int(ranges.size());
  shards_.resize(replicas_.size());
  for (int r = 0; r < active; ++r) {
    shards_[r].range = ranges[r];
    prepareShard(shards_[r], r, inputs);
  }
  // Every replica computes its shard's gradients. The loss and running
  // statistics (a few hundred values) are averaged here; the gradients by
  // the apply function, as it reads them.
  threads_->run(active, [&](int r) {
    callReplica(r, shards_[r].range,
                [&] { replicas_[r]->runInto(shards_[r].inputs, shards_[r].outputs); });
  });
  averagePlainOutputs(active, batch, outputs);

  // A shard weighs its rows / the batch's, an idle one 0. (An update built
  // for one shard has no weights: its shard is the whole batch.)
  for (int s = 0; s < int(shardWeights_.size()); ++s)
    if (shardWeights_[s].defined())
      shardWeights_[s].data<float>()[0] = s < active ? shardWeight(s, batch) : 0.0f;
  std::vector<Tensor> applyInputs;
  for (const ApplySource &source : applySources_) {
    if (source.kind == ApplySource::StepInput) {
      applyInputs.push_back(inputs[source.index]);
    } else if (source.kind == ApplySource::ShardWeight) {
      applyInputs.push_back(shardWeights_[source.shard]);
    } else { // an idle shard's weight 0 multiplies shard 0's gradients
      const Shard &shard = shards_[source.shard < active ? source.shard : 0];
      applyInputs.push_back(shard.outputs[source.index]);
    }
  }
  std::vector<Tensor> applyOutputs(outputs.begin() + plainOutputs_, outputs.end());
  apply_->runInto(applyInputs, applyOutputs);
}

} // namespace nabla
