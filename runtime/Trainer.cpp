#include "runtime/Trainer.h"

#include "runtime/AtomicFile.h"
#include "runtime/BatchIterator.h"
#include "runtime/BatchShards.h"
#include "runtime/HistoryPlot.h"
#include "runtime/Error.h"
#include "runtime/ProgressBar.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace nabla {

namespace {
double seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// The check below reaches the memory's speed only with wide vectors: an
// AVX2 copy of it, chosen at load time, beside the baseline x86-64 one the
// build targets (0.13 -> 0.06 ms over SimpleConvNet's 1.3 M values).
#if defined(__x86_64__) && (defined(__clang__) ? __clang_major__ >= 14 : defined(__GNUC__))
#define NABLA_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define NABLA_VECTOR_CLONES
#endif

/// Non-zero when some value is a NaN or an infinity: v - v is +0 for every
/// finite v and NaN otherwise, so the OR of the differences' bits tells, in
/// two vector instructions per vector and no branch. (The largest exponent
/// field, its predecessor, took 0.38 ms a step: the baseline ISA has no
/// unsigned max; a per-element isfinite() branch ~0.7 ms.)
NABLA_VECTOR_CLONES uint32_t nonFiniteBits(const float *values, size_t n) {
  uint32_t any = 0;
  for (size_t i = 0; i < n; ++i) {
    float difference = values[i] - values[i];
    uint32_t bits;
    std::memcpy(&bits, &difference, sizeof bits);
    any |= bits;
  }
  return any;
}

/// "NaN" or "infinite" for the first such element of an f32 tensor, else null.
/// Runs after every training step over every updated value (1.3 M floats
/// for SimpleConvNet with Adam): one branch-free pass, the per-element search
/// only on failure.
const char *firstNonFinite(const Tensor &t) {
  std::span<const float> values = t.span<float>();
  if (nonFiniteBits(values.data(), values.size()) == 0) return nullptr;
  for (float v : values)
    if (!std::isfinite(v)) return std::isnan(v) ? "NaN" : "infinite";
  return nullptr;
}
} // namespace

Trainer::Trainer(std::shared_ptr<const CompiledFunction> trainStep,
                 std::shared_ptr<const CompiledFunction> forward, ParameterStore parameters,
                 TrainerOptions options)
    : trainStep_(std::move(trainStep)), forward_(std::move(forward)), store_(std::move(parameters)),
      options_(std::move(options)) {
  auto atLeastOne = [](const char *option, int64_t value) {
    if (value < 1)
      throw Error(std::string("TrainerOptions: ") + option + " must be at least 1, got " +
                  std::to_string(value));
  };
  atLeastOne("batchSize", options_.batchSize);
  atLeastOne("epochs", options_.epochs);
  atLeastOne("evalBatchSize", options_.evalBatchSize);
  // The store's tensors share their storage with the caller's handles, and
  // each step swaps them with its output buffers, which the step after next
  // writes into: without a copy of its own the trainer would overwrite the
  // caller's initial parameters (two runs from one initial store would
  // start the second from where the first ended).
  for (auto &[name, tensor] : store_) tensor = tensor.clone();
  bindStepInputs();
}

Trainer::~Trainer() { dropDeviceCopies(); }

void Trainer::dropDeviceCopies() {
  for (const auto &[name, tensor] : store_) trainStep_->dropDeviceCopy(tensor);
  for (const Tensor &t : stepOutputs_)
    if (t.defined()) trainStep_->dropDeviceCopy(t);
}

void Trainer::syncStore() const {
  if (!trainStep_->onDevice()) return;
  for (const auto &[name, tensor] : store_) trainStep_->syncToHost(tensor);
}

const ParameterStore &Trainer::parameters() const {
  syncStore();
  return store_;
}

void Trainer::checkUpdatedValues(const std::string &where) const {
  for (const Update &u : updates_)
    if (const char *bad = firstNonFinite(store_.at(u.name)))
      throw TrainingDiverged("'" + u.name + "' became " + bad + where);
}

void Trainer::bindStepInputs() {
  const auto &inputs = trainStep_->inputs();
  stepInputs_.assign(inputs.size(), Tensor());
  stepResidency_.inputs.assign(inputs.size(), false);
  hyperArgs_.clear();
  for (size_t i = 0; i < inputs.size(); ++i) {
    const ArgumentInfo &arg = inputs[i];
    if (arg.role == "input") imagesArg_ = int(i);
    else if (arg.role == "label") labelsArg_ = int(i);
    else if (arg.role == "step") {
      stepArg_ = int(i);
      stepInputs_[i] = Tensor({}, DType::I64);
    } else if (arg.role == "hyper") {
      hyperArgs_.emplace_back(int(i), arg.name);
      stepInputs_[i] = Tensor({}, DType::F32);
    } else if (arg.role == "param" || arg.role == "state" || arg.role == "opt_state") {
      auto it = store_.find(arg.name);
      if (it == store_.end()) {
        if (arg.role != "opt_state")
          throw Error("the training step needs " + arg.role + " '" + arg.name +
                      "', which the parameter store lacks");
        it = store_.emplace(arg.name, Tensor(arg.shape, DType::F32)).first; // slots start at 0
      }
      if (it->second.shape() != arg.shape)
        throw Error("parameter '" + arg.name + "' has shape " + shapeToString(it->second.shape()) +
                    ", the model expects " + shapeToString(arg.shape));
      stepInputs_[i] = it->second;
      stepResidency_.inputs[i] = true;
    } else {
      throw Error("training step argument '" + arg.name + "' has unknown role '" + arg.role + "'");
    }
  }
  if (imagesArg_ < 0 || labelsArg_ < 0)
    throw Error("the training step has no input or no label argument");

  const auto &outputs = trainStep_->outputs();
  updates_.clear();
  stepOutputs_.assign(outputs.size(), Tensor());
  stepOutputs_[0] = Tensor({}, DType::F32); // the loss
  stepResidency_.outputs.assign(outputs.size(), true);
  stepResidency_.outputs[0] = false; // the one value the host reads every step
  for (size_t k = 1; k < outputs.size(); ++k) {
    const std::string &name = outputs[k].name;
    int argument = trainStep_->inputIndex(name);
    if (argument < 0 || !store_.count(name))
      throw Error("training step result " + std::to_string(k) + " ('" + name +
                  "') updates nothing the step reads");
    updates_.push_back({int(k), name, argument});
    stepOutputs_[k] = Tensor(store_.at(name).shape(), DType::F32);
  }
}

void Trainer::setHyperparameters() {
  std::map<std::string, double> values = options_.optimizer.hyperparameters(steps_);
  for (auto &[argument, name] : hyperArgs_) {
    auto it = values.find(name);
    if (it == values.end())
      throw Error("the training step wants hyperparameter '" + name + "', which optimizer '" +
                  optimizerName(options_.optimizer.kind) + "' does not have");
    stepInputs_[argument].data<float>()[0] = float(it->second);
  }
}

double Trainer::step(const Tensor &images, const Tensor &labels) {
  stepInputs_[imagesArg_] = images;
  stepInputs_[labelsArg_] = labels;
  if (stepArg_ >= 0) stepInputs_[stepArg_].data<int64_t>()[0] = steps_;
  setHyperparameters();
  trainStep_->runResident(stepInputs_, stepOutputs_, stepResidency_);
  double loss = stepOutputs_[0].data<float>()[0];
  // Checked before the new values replace the old: the store keeps the last
  // good parameters. The message is built only on failure (a step allocates
  // nothing).
  auto where = [&] {
    return " at step " + std::to_string(steps_) + " (epoch " + std::to_string(epochsDone_ + 1) +
           "); training stopped, parameters are those before this step";
  };
  if (!std::isfinite(loss))
    throw TrainingDiverged("the loss is " + std::string(std::isnan(loss) ? "NaN" : "infinite") + where());
  // A finite loss does not prove finite updates: ReLU maps a NaN activation
  // to 0 in the forward pass, while the backward pass still multiplies the
  // NaN input into the weight gradient. Such a step would poison the
  // parameters behind a healthy-looking loss, so the new values are checked
  // too (a pass over the parameters: small next to the step itself). Not on
  // a GPU, where that pass would copy every parameter back each step: fit()
  // checks them at the end of each epoch there.
  if (!trainStep_->onDevice())
    for (const Update &u : updates_)
      if (const char *bad = firstNonFinite(stepOutputs_[u.result]))
        throw TrainingDiverged("'" + u.name + "' would become " + bad + " (the loss is finite)" + where());
  for (const Update &u : updates_) {
    std::swap(store_.at(u.name), stepOutputs_[u.result]);
    stepInputs_[u.argument] = store_.at(u.name);
  }
  ++steps_;
  return loss;
}

double Trainer::accuracy(const Dataset &data, int64_t limit) {
  int64_t total = limit > 0 ? std::min(limit, data.size()) : data.size();
  if (total == 0) return NAN;
  const auto &inputs = forward_->inputs();
  std::vector<Tensor> args(inputs.size());
  Residency residency; // the store's tensors: on a GPU, read where the step left them
  residency.inputs.assign(inputs.size(), false);
  int imagesArg = -1;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].role == "input") {
      imagesArg = int(i);
    } else if (store_.count(inputs[i].name)) {
      args[i] = store_.at(inputs[i].name);
      residency.inputs[i] = true;
    } else {
      throw Error("the forward function needs '" + inputs[i].name + "', which the store lacks");
    }
  }
  if (imagesArg < 0) throw Error("the forward function has no input argument");
  Shape batchShape = data.images.shape();
  int64_t correct = 0;
  std::map<int64_t, std::pair<Tensor, std::vector<Tensor>>> buffers; // by batch size
  for (int64_t first = 0; first < total; first += options_.evalBatchSize) {
    int64_t n = std::min(options_.evalBatchSize, total - first);
    auto &[images, outputs] = buffers[n];
    if (!images.defined()) {
      batchShape[0] = n;
      images = Tensor(batchShape, DType::F32);
      args[imagesArg] = images;
      outputs = forward_->allocateOutputs(args);
    }
    copyRowsInto(data.images, {first, n}, images);
    args[imagesArg] = images;
    forward_->runResident(args, outputs, residency);
    const Tensor &logits = outputs[0];
    int64_t classes = logits.dim(1);
    const float *z = logits.data<float>();
    const int64_t *labels = data.labels.data<int64_t>() + first;
    for (int64_t i = 0; i < n; ++i) {
      const float *row = z + i * classes;
      correct += int64_t(std::max_element(row, row + classes) - row) == labels[i];
    }
  }
  return double(correct) / double(total);
}

namespace {
/// Throws unless each sample of `data` has the shape that `function`'s
/// "input" argument takes per sample: checked before training, so a test set
/// of the wrong image size fails at once, not after the first epoch.
void checkSampleShape(const Dataset &data, const CompiledFunction &function, const char *which) {
  for (const ArgumentInfo &arg : function.inputs()) {
    if (arg.role != "input") continue;
    Shape images = data.images.shape();
    auto fits = [](int64_t have, int64_t takes) { return takes < 0 || have == takes; }; // < 0: dynamic
    if (images.size() == arg.shape.size() &&
        std::equal(images.begin() + 1, images.end(), arg.shape.begin() + 1, fits))
      return;
    std::string takes = "[";
    for (size_t d = 0; d < arg.shape.size(); ++d)
      takes += (d ? ", " : "") + (arg.shape[d] < 0 ? std::string("?") : std::to_string(arg.shape[d]));
    throw Error(std::string("the ") + which + " images are " + shapeToString(images) +
                "; the model takes " + takes + "] (? = any batch)");
  }
}
} // namespace

const History &Trainer::fit(const Dataset &train, const Dataset *test) {
  if (train.size() == 0) throw Error("the training set has no images");
  checkSampleShape(train, *trainStep_, "training");
  if (test) checkSampleShape(*test, *forward_, "test");
  BatchIterator batches(train, {.batchSize = options_.batchSize, .shuffle = true, .seed = options_.seed});
  BatchBuffers buffers = batches.allocateBuffers();
  if (!options_.outDir.empty()) createDirectories(options_.outDir);
  for (int64_t epoch = epochsDone_ + 1; epoch <= options_.epochs; ++epoch) {
    if (options_.maxSteps > 0 && steps_ >= options_.maxSteps) break;
    batches.startEpoch(epoch);
    bool report = options_.reportEvery > 0 && (epoch % options_.reportEvery == 0 || epoch == options_.epochs);
    ProgressBar bar("epoch " + std::to_string(epoch) + "/" + std::to_string(options_.epochs),
                    batches.batchesPerEpoch(), report ? stdout : nullptr,
                    {.mode = options_.progress ? ProgressBar::Mode::Auto : ProgressBar::Mode::Lines,
                     .lineIntervalSeconds = options_.progress ? 10 : 1e9});
    double start = seconds(), lossSum = 0;
    int64_t images = 0, batchCount = 0;
    while (const Batch *batch = batches.next(buffers)) {
      lossSum += step(batch->images, batch->labels);
      images += batch->size();
      ++batchCount; // before the call: argument evaluation order is unspecified
      bar.update(batchCount, images, lossSum / double(batchCount));
      if (options_.maxSteps > 0 && steps_ >= options_.maxSteps) break;
    }
    bar.finish();
    double trainSeconds = seconds() - start;
    EpochMetrics m;
    m.epoch = epoch;
    m.step = steps_;
    m.trainLoss = lossSum / double(std::max<int64_t>(batchCount, 1));
    m.seconds = trainSeconds;
    m.imagesPerSecond = double(images) / trainSeconds;
    m.trainAccuracy = accuracy(train, options_.trainAccuracySamples);
    if (test) m.testAccuracy = accuracy(*test);
    if (trainStep_->onDevice()) { // the per-step check of step(), done here
      syncStore();
      checkUpdatedValues(" during epoch " + std::to_string(epoch) + " (on the device, checked at " +
                         "the epoch's end); training stopped, a checkpoint on disk is from epoch " +
                         std::to_string(epochsDone_) + " or before");
    }
    history_.add(m);
    epochsDone_ = epoch;
    if (report) {
      std::printf("epoch %lld: loss %.4f, train acc %.2f%%, test acc %.2f%%, %.2f s (%.0f images/s)\n",
                  (long long)epoch, m.trainLoss, 100 * m.trainAccuracy, 100 * m.testAccuracy,
                  m.seconds, m.imagesPerSecond);
      std::fflush(stdout);
    }
    if (!options_.outDir.empty()) {
      history_.writeCsv(options_.outDir + "/history.csv");
      plotHistory(history_, options_.outDir + "/history.png", "training");
      saveCheckpoint(checkpoint(), options_.outDir + "/checkpoint.pb");
    }
  }
  return history_;
}

Checkpoint Trainer::checkpoint() const {
  syncStore();
  Checkpoint cp;
  for (const ArgumentInfo &arg : trainStep_->inputs()) {
    if (arg.role == "param" || arg.role == "state")
      cp.parameters.push_back({arg.name, store_.at(arg.name).clone()});
    else if (arg.role == "opt_state")
      cp.optimizerState.push_back({arg.name, store_.at(arg.name).clone()});
  }
  cp.step = steps_;
  cp.epoch = epochsDone_;
  cp.optimizer = optimizerName(options_.optimizer.kind);
  for (auto &[name, value] : options_.optimizer.hyperparameters(0))
    cp.hyperparameters[name] = std::to_string(value);
  cp.hyperparameters["lr"] = std::to_string(options_.optimizer.lr);
  return cp;
}

void Trainer::restore(const Checkpoint &cp) {
  if (cp.optimizer != optimizerName(options_.optimizer.kind))
    throw Error("checkpoint was written with optimizer '" + cp.optimizer + "', training uses '" +
                optimizerName(options_.optimizer.kind) + "'");
  auto load = [&](const std::vector<NamedTensor> &tensors) {
    for (const NamedTensor &t : tensors) {
      auto it = store_.find(t.name);
      if (it == store_.end()) throw Error("checkpoint tensor '" + t.name + "' is not part of the model");
      if (it->second.shape() != t.tensor.shape())
        throw Error("checkpoint tensor '" + t.name + "' has shape " + shapeToString(t.tensor.shape()) +
                    ", the model expects " + shapeToString(it->second.shape()));
      it->second = t.tensor.clone();
    }
  };
  dropDeviceCopies(); // the store's tensors are replaced: their copies are stale
  load(cp.parameters);
  load(cp.optimizerState);
  steps_ = cp.step;
  epochsDone_ = cp.epoch;
  bindStepInputs();
}

std::vector<Shape> Trainer::lastStepInputShapes() const {
  std::vector<Shape> shapes;
  for (const Tensor &t : stepInputs_) shapes.push_back(t.defined() ? t.shape() : Shape{});
  return shapes;
}

} // namespace nabla
