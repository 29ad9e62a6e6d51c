// Lesson: overfitting and two cures (chapter 6.4). A 7-layer MLP (six hidden
// layers of 100, He init, SGD lr 0.01) trained for 200 epochs on only 300
// Fashion-MNIST images memorizes them: train accuracy reaches ~100% while
// test accuracy stays far below (figure 6-20). Weight decay (L2, lambda 0.1,
// figure 6-21) and dropout (ratio 0.2, figure 6-23) narrow that gap. The
// train and test accuracy curves of the three runs go into one picture.
#include "examples/LessonOptions.h"
#include "frontend/Nets.h"
#include "runtime/Plot.h"
#include "runtime/Trainer.h"
#include "tools/CliChecks.h"

#include <CLI/CLI.hpp>

#include <cstdio>

using namespace nabla;
using namespace nabla::dsl;

namespace {

struct Settings : examples::LessonOptions {
  int64_t epochs = 200, batch = 100;
  double lr = 0.01, weightDecay = 0.1, dropout = 0.2;
  Settings() {
    trainSize = 300; // the book's
  }
};

struct Run {
  std::string name;
  MultiLayerNetConfig net;
};

/// Trains one configuration; returns its panel of train/test accuracy per epoch.
PlotPanel train(const Run &run, const Settings &s, const Dataset &trainSet, const Dataset &testSet) {
  ModelBuilder m("mlp7");
  defineMultiLayerNet(m, run.net);
  CompiledModel compiled = compileModel(m, {.backend = s.backend, .optimizer = OptimizerKind::SGD});
  OptimizerConfig sgd = OptimizerConfig::defaults(OptimizerKind::SGD);
  sgd.lr = s.lr;
  std::printf("%s:\n", run.name.c_str());
  Trainer trainer(compiled.trainStep, compiled.forward, m.initialParameters(s.seed),
                  {.optimizer = sgd, .batchSize = s.batch, .epochs = s.epochs, .seed = s.seed, .progress = false,
                   .reportEvery = std::max<int64_t>(s.epochs / 4, 1)});
  const History &history = trainer.fit(trainSet, &testSet);
  PlotSeries trainCurve{.label = "train"}, testCurve{.label = "test"};
  for (const EpochMetrics &e : history.epochs()) {
    trainCurve.x.push_back(double(e.epoch)), trainCurve.y.push_back(100 * e.trainAccuracy);
    testCurve.x.push_back(double(e.epoch)), testCurve.y.push_back(100 * e.testAccuracy);
  }
  const EpochMetrics &last = history.epochs().back();
  std::printf("%-12s: after %lld epochs train accuracy %.2f%%, test accuracy %.2f%%, gap %.2f points\n",
              run.name.c_str(), (long long)last.epoch, 100 * last.trainAccuracy, 100 * last.testAccuracy,
              100 * (last.trainAccuracy - last.testAccuracy));
  return PlotPanel{.title = run.name, .xLabel = "epoch", .yLabel = "accuracy (%)",
                   .series = {trainCurve, testCurve}, .yMin = 0, .yMax = 100};
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"Overfitting on 300 images, and weight decay and dropout against it"};
  Settings s;
  app.add_option("--epochs", s.epochs, "epochs per run")->capture_default_str()->check(cli::atLeast(1));
  app.add_option("--batch", s.batch, "mini-batch size")->capture_default_str()->check(cli::atLeast(1));
  app.add_option("--lr", s.lr, "SGD learning rate")->capture_default_str()->check(cli::positiveFinite());
  app.add_option("--weight-decay", s.weightDecay, "lambda of the L2 run")->capture_default_str();
  app.add_option("--dropout", s.dropout, "dropout ratio of the dropout run")->capture_default_str()
      ->check(cli::inHalfOpen(0, 1));
  s.addTo(app, "overfitting.png");
  CLI11_PARSE(app, argc, argv);

  try {
    s.apply();
    Dataset trainSet = s.trainSet(true);
    Dataset testSet = s.testSet(true);
    const std::vector<int64_t> hidden(6, 100);
    char wdName[48], dropName[48];
    std::snprintf(wdName, sizeof wdName, "weight decay %g", s.weightDecay);
    std::snprintf(dropName, sizeof dropName, "dropout %g", s.dropout);
    const Run runs[] = {{"no regularization", {.hiddenSizes = hidden}},
                        {wdName, {.hiddenSizes = hidden, .weightDecayLambda = s.weightDecay}},
                        {dropName, {.hiddenSizes = hidden, .dropoutRatio = s.dropout}}};
    std::printf("7-layer MLP, %lld training images, %lld test images, SGD lr %g, batch %lld\n",
                (long long)trainSet.size(), (long long)testSet.size(), s.lr, (long long)s.batch);
    std::vector<PlotPanel> panels;
    for (const Run &run : runs) panels.push_back(train(run, s, trainSet, testSet));
    std::string path = s.outPath("overfitting.png");
    plotFigure(path, panels, {.columns = 3});
    std::printf("wrote %s\n", path.c_str());
    return 0;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "overfitting: error: %s\n", e.what());
    return 1;
  }
}
