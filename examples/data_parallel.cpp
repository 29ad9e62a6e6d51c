// Lesson: data-parallel training (chapter 8.3.2). Training is sped up by
// splitting each mini-batch over several workers, each computing the
// gradients of its share with a copy of the network; the workers' gradients
// are averaged (an all-reduce) and one update applies them. Here the workers
// are threads of one process (runtime/DataParallelStep.h): SimpleConvNet is
// trained once with the single compiled step and once with --replicas
// replicas, from the same initial weights on the same batches. The mean of
// the shards' gradients is the whole batch's, so both runs follow the same
// trajectory: the lesson prints their losses, accuracies and the largest
// parameter difference at the end, and the time each took.
#include "examples/LessonOptions.h"
#include "frontend/Nets.h"
#include "runtime/Trainer.h"
#include "tools/CliChecks.h"

#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>

using namespace nabla;

namespace {

struct Run {
  ParameterStore parameters;
  History history;
  double compileSeconds = 0;
};

Run train(int replicas, const examples::LessonOptions &o, const TrainerOptions &options,
          const Dataset &trainSet, const Dataset &testSet) {
  dsl::ModelBuilder model("simple_convnet");
  dsl::defineSimpleConvNet(model);
  dsl::CompiledModel compiled = dsl::compileModel(
      model, {.backend = o.backend, .optimizer = options.optimizer.kind, .replicas = replicas});
  Trainer trainer(compiled.trainStep, compiled.forward, model.initialParameters(o.seed), options);
  trainer.fit(trainSet, &testSet);
  ParameterStore parameters;
  for (const auto &[name, value] : trainer.parameters()) parameters[name] = value.clone();
  return {std::move(parameters), trainer.history(), compiled.compileSeconds};
}

struct Difference {
  double relative = 0; // |a - b| / max(1, |a|)
  std::string where;   // "conv1.W[3]"
};

/// The largest difference over every parameter and optimizer slot.
Difference largestDifference(const ParameterStore &a, const ParameterStore &b) {
  Difference largest;
  for (const auto &[name, value] : a) {
    const float *x = value.data<float>(), *y = b.at(name).data<float>();
    for (int64_t i = 0; i < value.numel(); ++i) {
      double d = std::fabs(double(x[i]) - y[i]) / std::max(1.0, std::fabs(double(x[i])));
      if (d > largest.relative) largest = {d, name + "[" + std::to_string(i) + "]"};
    }
  }
  return largest;
}

void report(const char *label, const Run &run) {
  std::printf("%-12s compiled in %.2f s\n", label, run.compileSeconds);
  for (const EpochMetrics &e : run.history.epochs())
    std::printf(
        "%-12s epoch %lld: loss %.6f, train acc %.2f%%, test acc %.2f%%, %.2f s (%.0f images/s)\n",
        label, (long long)e.epoch, e.trainLoss, 100 * e.trainAccuracy, 100 * e.testAccuracy,
        e.seconds, e.imagesPerSecond);
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"SimpleConvNet trained by one compiled step and by data-parallel replicas"};
  examples::LessonOptions o;
  o.trainSize = 3000;
  o.testSize = 1000;
  int replicas = 2;
  int64_t epochs = 2, batch = 100;
  double lr = 0.001;
  std::string optimizer = "adam";
  app.add_option("--replicas", replicas, "workers each batch is split over")
      ->capture_default_str()
      ->check(cli::atLeast(2));
  app.add_option("--optimizer", optimizer, optimizerNames())->capture_default_str();
  app.add_option("--epochs", epochs, "epochs to train")
      ->capture_default_str()
      ->check(cli::atLeast(1));
  app.add_option("--batch", batch, "mini-batch size (split over the replicas)")
      ->capture_default_str()
      ->check(cli::atLeast(1));
  app.add_option("--lr", lr, "learning rate")->capture_default_str()->check(cli::positiveFinite());
  // No --out: the book shows no figure for this lesson, so nothing is written.
  o.addTo(app, "");
  CLI11_PARSE(app, argc, argv);

  try {
    o.apply();
    Dataset trainSet = o.trainSet(false), testSet = o.testSet(false);
    TrainerOptions options{.optimizer = examples::optimizerWithRate(parseOptimizer(optimizer), lr),
                           .batchSize = batch,
                           .epochs = epochs,
                           .seed = o.seed,
                           .trainAccuracySamples = 1000,
                           .progress = false,
                           .reportEvery = 0};
    std::printf("data_parallel: SimpleConvNet, %s (lr %g), batches of %lld, %lld training images, "
                "%lld epochs\n",
                optimizer.c_str(), lr, (long long)batch, (long long)trainSet.size(),
                (long long)epochs);
    Run single = train(1, o, options, trainSet, testSet);
    report("single step", single);
    Run parallel = train(replicas, o, options, trainSet, testSet);
    std::string label = std::to_string(replicas) + " replicas";
    report(label.c_str(), parallel);

    double lossGap = 0;
    for (size_t e = 0; e < single.history.epochs().size(); ++e)
      lossGap = std::max(lossGap, std::fabs(single.history.epochs()[e].trainLoss -
                                            parallel.history.epochs()[e].trainLoss));
    const EpochMetrics &a = single.history.epochs().back(), &b = parallel.history.epochs().back();
    Difference d = largestDifference(single.parameters, parallel.parameters);
    std::printf("after %lld steps: epoch losses differ by at most %.2e, test accuracy %.2f%% "
                "against %.2f%%, largest difference of a parameter or optimizer slot %.2e (%s)\n",
                (long long)a.step, lossGap, 100 * a.testAccuracy, 100 * b.testAccuracy, d.relative,
                d.where.empty() ? "none" : d.where.c_str());
    double singleSeconds = 0, parallelSeconds = 0;
    for (const EpochMetrics &e : single.history.epochs()) singleSeconds += e.seconds;
    for (const EpochMetrics &e : parallel.history.epochs()) parallelSeconds += e.seconds;
    std::printf("training time: single step %.2f s, %d replicas %.2f s (%.2fx)\n", singleSeconds,
                replicas, parallelSeconds, singleSeconds / parallelSeconds);
    return 0;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "data_parallel: error: %s\n", e.what());
    return 1;
  }
}
