// The training loop: mini-batches through one compiled training step
// (forward, backward and optimizer update in a single call), evaluation with
// the compiled forward function, per-epoch metrics, a progress bar, history
// CSV and atomic checkpoints with resume. Parameters, running statistics and
// optimizer state live in one ParameterStore; each step reads them and writes
// their new values into buffers allocated once, then swaps, so a step
// allocates nothing. When the step runs on a GPU, parameters, state and
// optimizer slots stay in device memory across steps (runResident): a batch
// goes up and the loss comes back; the host copies are synced when they are
// read (parameters(), checkpoint(), the end of an epoch).
#pragma once

#include "runtime/Checkpoint.h"
#include "runtime/CompiledFunction.h"
#include "runtime/Dataset.h"
#include "runtime/Error.h"
#include "runtime/History.h"
#include "runtime/Optimizer.h"

#include <map>
#include <memory>
#include <string>

namespace nabla {

/// Named tensors: parameters ("conv1.W"), state ("bn1.running_mean") and
/// optimizer slots ("conv1.W/m").
using ParameterStore = std::map<std::string, Tensor>;

/// The loss or an updated value became NaN or infinite: training stopped
/// with the parameters from before the step (or, on a GPU, the last epoch).
class TrainingDiverged : public Error {
public:
  using Error::Error;
};

struct TrainerOptions {
  OptimizerConfig optimizer;
  int64_t batchSize = 100;
  int64_t epochs = 1;
  int64_t maxSteps = 0;          // stop after this many steps in total (0: no limit)
  uint64_t seed = 0;             // batch order
  int64_t evalBatchSize = 1000;
  int64_t trainAccuracySamples = 10000; // the book's train_acc uses a sample too
  bool progress = true;
  /// Print the epoch summary (and the progress bar) only for every this many
  /// epochs and the last one (0: never): long runs of short epochs (the
  /// overfitting lesson's 200 epochs of 3 steps) would print hundreds of lines.
  int64_t reportEvery = 1;
  std::string outDir; // history.csv, history.png, checkpoint.pb; empty: write nothing
};

class Trainer {
public:
  /// `trainStep` is a function built by --nabla-train-step, `forward` the
  /// model's inference function; `parameters` holds initial params and state
  /// (optimizer slots start at zero unless present). The trainer trains a
  /// copy: the caller's tensors are never written.
  Trainer(std::shared_ptr<const CompiledFunction> trainStep,
          std::shared_ptr<const CompiledFunction> forward, ParameterStore parameters,
          TrainerOptions options);
  /// Frees the device copies of the store (GPU steps).
  ~Trainer();
  Trainer(const Trainer &) = delete;
  Trainer &operator=(const Trainer &) = delete;

  /// One optimizer step on a batch; returns the batch's loss. Throws
  /// TrainingDiverged naming the step, and keeps the parameters from before it,
  /// if the loss or any updated parameter or optimizer slot is NaN or
  /// infinite. On a GPU the updated values are not read back every step:
  /// they are checked at the end of each epoch (fit), which then stops with
  /// the previous epoch's checkpoint kept; a non-finite loss stops at once.
  double step(const Tensor &images, const Tensor &labels);

  /// Trains `options.epochs` epochs (or until maxSteps), evaluating on `test`
  /// after each when given; resumes where a loaded checkpoint left off.
  const History &fit(const Dataset &train, const Dataset *test);

  /// Fraction of `data` whose argmax of the forward logits equals the label.
  double accuracy(const Dataset &data, int64_t limit = 0);

  Checkpoint checkpoint() const;
  /// Restores parameters, optimizer state and the step/epoch counters.
  void restore(const Checkpoint &checkpoint);

  /// The store, synced from the device first when the step runs on one. Its
  /// tensors are the trainer's buffers, which later steps overwrite: clone()
  /// what must outlive the next step.
  const ParameterStore &parameters() const;
  int64_t stepsTaken() const { return steps_; }
  /// The train step's argument shapes in the last step (to query the
  /// compiled function about that call).
  std::vector<Shape> lastStepInputShapes() const;
  const History &history() const { return history_; }

private:
  void bindStepInputs();
  void setHyperparameters();
  /// Brings the host copies of the store up to date (GPU steps).
  void syncStore() const;
  /// Throws if an updated value of the store is NaN or infinite; `where`
  /// says when. A GPU step's check, run at the end of each epoch.
  void checkUpdatedValues(const std::string &where) const;
  void dropDeviceCopies();

  std::shared_ptr<const CompiledFunction> trainStep_, forward_;
  ParameterStore store_;
  TrainerOptions options_;
  int64_t steps_ = 0, epochsDone_ = 0;
  History history_;

  // The train step's argument and result vectors, reused by every step.
  std::vector<Tensor> stepInputs_, stepOutputs_;
  Residency stepResidency_; // the store's tensors, on a GPU
  int imagesArg_ = -1, labelsArg_ = -1, stepArg_ = -1;
  std::vector<std::pair<int, std::string>> hyperArgs_; // (argument, name)
  // For each result after the loss: the store entry it replaces and the
  // argument that reads that entry.
  struct Update { int result; std::string name; int argument; };
  std::vector<Update> updates_;
};

} // namespace nabla
