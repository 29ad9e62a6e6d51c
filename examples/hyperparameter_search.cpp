// Lesson: hyperparameter search (chapter 6.5). The book's recipe: hold out
// 20% of 500 training images as a validation set (the test set is never
// looked at while tuning), then try learning rates 10^U(-6, -2) and weight
// decays 10^U(-8, -4) drawn at random (log-uniform: each decade as likely as
// the next), train a 6-layer MLP for 50 epochs with each, and rank the trials
// by validation accuracy (figure 6-24). The best settings are printed; the
// trials are plotted against each hyperparameter, and the best runs' curves
// drawn.
#include "examples/LessonOptions.h"
#include "frontend/Nets.h"
#include "runtime/Plot.h"
#include "runtime/Trainer.h"
#include "tools/CliChecks.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

using namespace nabla;
using namespace nabla::dsl;

namespace {

struct Settings : examples::LessonOptions {
  int64_t trials = 100, epochs = 50, batch = 100, validationSize = 100, best = 8;
  double lrLog10Min = -6, lrLog10Max = -2, wdLog10Min = -8, wdLog10Max = -4;
  Settings() {
    trainSize = 500; // the book's; validationSize of them are held out
  }
};

struct Trial {
  int64_t index = 0;
  double lr = 0, weightDecay = 0;
  std::vector<double> trainAccuracy, validationAccuracy; // percent, per epoch
  double final() const { return validationAccuracy.empty() ? 0 : validationAccuracy.back(); }
};

/// One training run. Weight decay is the optimizer's L2 term (g + lambda p
/// in the update), a run-time hyperparameter of the compiled step, so one
/// compiled model serves every trial; for SGD that is exactly the gradient of
/// the book's 0.5 lambda ||W||^2 loss term, except that biases decay too (by
/// at most 1e-4 of themselves per step: nothing this lesson can see).
void run(Trial &trial, const CompiledModel &compiled, const ModelBuilder &model, const Settings &s,
         const TrainValidationSplit &split) {
  OptimizerConfig sgd = OptimizerConfig::defaults(OptimizerKind::SGD);
  sgd.lr = trial.lr;
  sgd.weightDecay = trial.weightDecay;
  Trainer trainer(compiled.trainStep, compiled.forward, model.initialParameters(s.seed + uint64_t(trial.index)),
                  {.optimizer = sgd, .batchSize = s.batch, .epochs = s.epochs, .seed = s.seed + uint64_t(trial.index),
                   .progress = false, .reportEvery = 0});
  for (const EpochMetrics &e : trainer.fit(split.train, &split.validation).epochs()) {
    trial.trainAccuracy.push_back(100 * e.trainAccuracy);
    trial.validationAccuracy.push_back(100 * e.testAccuracy);
  }
}

PlotPanel scatter(const std::vector<Trial> &trials, const char *name, double Trial::*value) {
  PlotSeries points{.line = false, .points = true};
  for (const Trial &t : trials) points.x.push_back(std::log10(t.*value)), points.y.push_back(t.final());
  return PlotPanel{.title = std::string("validation accuracy vs ") + name, .xLabel = std::string("log10 ") + name,
                   .yLabel = "validation accuracy (%)", .series = {points}, .yMin = 0, .yMax = 100};
}

PlotPanel curves(const Trial &t, int rank) {
  PlotSeries train{.label = "train"}, validation{.label = "validation"};
  for (size_t e = 0; e < t.trainAccuracy.size(); ++e) {
    train.x.push_back(double(e + 1)), train.y.push_back(t.trainAccuracy[e]);
    validation.x.push_back(double(e + 1)), validation.y.push_back(t.validationAccuracy[e]);
  }
  char title[80];
  std::snprintf(title, sizeof title, "best-%d: lr %.2g, wd %.2g", rank, t.lr, t.weightDecay);
  return PlotPanel{.title = title, .xLabel = "epoch", .yLabel = "accuracy (%)", .series = {train, validation},
                   .yMin = 0, .yMax = 100};
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"Random search over learning rate and weight decay on a validation split"};
  Settings s;
  app.add_option("--trials", s.trials, "random settings to try")->capture_default_str()
      ->check(CLI::Range(1, 10000));
  app.add_option("--epochs", s.epochs, "epochs per trial")->capture_default_str()->check(cli::atLeast(1));
  app.add_option("--batch", s.batch, "mini-batch size")->capture_default_str()->check(cli::atLeast(1));
  app.add_option("--validation-size", s.validationSize, "of those, held out for validation")
      ->capture_default_str()
      ->check(cli::atLeast(1));
  app.add_option("--best", s.best, "best trials to print and plot")->capture_default_str()
      ->check(cli::atLeast(1));
  s.addTo(app, "hyperparameter_search.png and hyperparameter_best.png",
          "the split, the draws, initial weights and batch order", /*withTest=*/false);
  CLI11_PARSE(app, argc, argv);

  try {
    s.apply();
    Dataset data = s.trainSet(true);
    if (s.validationSize >= data.size())
      throw Error("--validation-size is " + std::to_string(s.validationSize) + ", at most " +
                  std::to_string(data.size() - 1) + " of the " + std::to_string(data.size()) +
                  " training images (some must remain to train on)");
    // The book shuffles, then takes the first 20% as validation.
    TrainValidationSplit split = splitValidation(data, s.validationSize, s.seed, ValidationSide::First);
    ModelBuilder model("mlp6");
    defineMultiLayerNet(model, {.hiddenSizes = std::vector<int64_t>(5, 100)});
    CompiledModel compiled = compileModel(model, {.backend = s.backend, .optimizer = OptimizerKind::SGD});
    std::printf("6-layer MLP, %lld training / %lld validation images, %lld epochs, SGD; lr 10^U(%g, %g), "
                "weight decay 10^U(%g, %g)\n",
                (long long)split.train.size(), (long long)split.validation.size(), (long long)s.epochs,
                s.lrLog10Min, s.lrLog10Max, s.wdLog10Min, s.wdLog10Max);

    std::mt19937_64 rng(s.seed);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    std::vector<Trial> trials;
    for (int64_t i = 0; i < s.trials; ++i) {
      Trial t{.index = i};
      t.lr = std::pow(10.0, s.lrLog10Min + (s.lrLog10Max - s.lrLog10Min) * unit(rng));
      t.weightDecay = std::pow(10.0, s.wdLog10Min + (s.wdLog10Max - s.wdLog10Min) * unit(rng));
      run(t, compiled, model, s, split);
      std::printf("trial %3lld: lr %.3e, weight decay %.3e: validation accuracy %.2f%%\n", (long long)i, t.lr,
                  t.weightDecay, t.final());
      trials.push_back(std::move(t));
    }

    std::vector<Trial> ranked = trials;
    std::stable_sort(ranked.begin(), ranked.end(), [](const Trial &a, const Trial &b) { return a.final() > b.final(); });
    int64_t shown = std::min<int64_t>(s.best, int64_t(ranked.size()));
    std::vector<PlotPanel> bestPanels;
    for (int64_t r = 0; r < shown; ++r) {
      std::printf("best-%lld: trial %lld, lr %.3e, weight decay %.3e, validation accuracy %.2f%%\n",
                  (long long)r + 1, (long long)ranked[r].index, ranked[r].lr, ranked[r].weightDecay,
                  ranked[r].final());
      bestPanels.push_back(curves(ranked[r], int(r + 1)));
    }

    plotFigure(s.outPath("hyperparameter_search.png"),
               {scatter(trials, "lr", &Trial::lr), scatter(trials, "weight decay", &Trial::weightDecay)},
               {.columns = 2});
    plotFigure(s.outPath("hyperparameter_best.png"), bestPanels, {.columns = 4, .panelWidth = 320, .panelHeight = 240});
    std::printf("wrote %s\nwrote %s\n", s.outPath("hyperparameter_search.png").c_str(),
                s.outPath("hyperparameter_best.png").c_str());
    return 0;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "hyperparameter_search: error: %s\n", e.what());
    return 1;
  }
}
