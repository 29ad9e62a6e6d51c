// Lesson: batch normalization (chapter 6.3). The book's experiment (figure
// 6-19): a 6-layer MLP (five hidden layers of 100, ReLU) trained by SGD on
// 1000 Fashion-MNIST images, with and without a batch-norm layer after every
// affine one, for initial weight scales from 1 down to 1e-4. Without batch
// norm most scales barely learn (too small: the signal vanishes; too large:
// it explodes); with it every scale learns, and faster.
#include "examples/LessonOptions.h"
#include "frontend/Nets.h"
#include "runtime/Plot.h"
#include "runtime/Trainer.h"
#include "tools/CliChecks.h"

#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>

using namespace nabla;
using namespace nabla::dsl;

namespace {

struct Settings : examples::LessonOptions {
  int64_t epochs = 20, batch = 100, scales = 16;
  double lr = 0.01;
  Settings() {
    trainSize = 1000; // the book's
  }
};

/// One model, compiled once: the weight scale only changes initial values.
struct Net {
  std::unique_ptr<ModelBuilder> builder;
  CompiledModel compiled;
  ParameterStore unitScale; // weights drawn at std 1

  Net(bool batchNorm, const Settings &s) : builder(std::make_unique<ModelBuilder>("mlp6")) {
    defineMultiLayerNet(*builder, {.hiddenSizes = std::vector<int64_t>(5, 100),
                                   .weightInit = WeightInit::fixed(1.0), .useBatchNorm = batchNorm});
    compiled = compileModel(*builder, {.backend = s.backend, .optimizer = OptimizerKind::SGD});
    unitScale = builder->initialParameters(s.seed);
  }

  /// The std-1 draws times `scale` are draws at std `scale`; biases, gammas,
  /// betas and running statistics keep their initial values.
  ParameterStore initialParameters(double scale) const {
    ParameterStore p;
    for (const auto &[name, value] : unitScale) {
      Tensor t = value.clone();
      if (name.size() > 2 && name.compare(name.size() - 2, 2, ".W") == 0)
        for (float &v : t.span<float>()) v = float(v * scale);
      p[name] = t;
    }
    return p;
  }
};

/// Train accuracy per epoch (percent). A run whose loss overflows stops
/// there (the trainer refuses non-finite updates); its curve ends early.
std::vector<double> trainAccuracies(const Net &net, double scale, const Settings &s, const Dataset &train,
                                    bool &diverged) {
  OptimizerConfig sgd = OptimizerConfig::defaults(OptimizerKind::SGD);
  sgd.lr = s.lr;
  Trainer trainer(net.compiled.trainStep, net.compiled.forward, net.initialParameters(scale),
                  {.optimizer = sgd, .batchSize = s.batch, .epochs = s.epochs, .seed = s.seed, .progress = false,
                   .reportEvery = 0}); // the summary line below says it all
  diverged = false;
  try {
    trainer.fit(train, nullptr);
  } catch (const TrainingDiverged &) { // any other error ends the program
    diverged = true;
  }
  std::vector<double> accuracies;
  for (const EpochMetrics &e : trainer.history().epochs()) accuracies.push_back(100 * e.trainAccuracy);
  return accuracies;
}

PlotSeries curve(const std::vector<double> &accuracies, const char *label) {
  PlotSeries series{.label = label};
  for (size_t i = 0; i < accuracies.size(); ++i) series.x.push_back(double(i + 1)), series.y.push_back(accuracies[i]);
  return series;
}

std::string finalText(const std::vector<double> &accuracies, bool diverged) {
  char text[64];
  if (accuracies.empty()) return "diverged in epoch 1";
  std::snprintf(text, sizeof text, "%.2f%%%s", accuracies.back(), diverged ? " (diverged)" : "");
  return text;
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"Training with and without batch normalization across initial weight scales"};
  Settings s;
  app.add_option("--epochs", s.epochs, "epochs per run")->capture_default_str()->check(cli::atLeast(1));
  app.add_option("--batch", s.batch, "mini-batch size")->capture_default_str()->check(cli::atLeast(1));
  app.add_option("--lr", s.lr, "SGD learning rate")->capture_default_str()->check(cli::positiveFinite());
  app.add_option("--scales", s.scales, "weight scales, log-spaced from 1 to 1e-4")->capture_default_str()
      ->check(CLI::Range(2, 64));
  s.addTo(app, "batchnorm_compare.png", "initial weights and batch order", /*withTest=*/false);
  CLI11_PARSE(app, argc, argv);

  try {
    s.apply();
    Dataset train = s.trainSet(true);
    Net withBn(true, s), without(false, s);
    std::printf("6-layer MLP, %lld training images, SGD lr %g, %lld epochs: train accuracy at the end\n",
                (long long)train.size(), s.lr, (long long)s.epochs);
    std::vector<PlotPanel> panels;
    for (int64_t i = 0; i < s.scales; ++i) {
      double scale = std::pow(10.0, -4.0 * double(i) / double(s.scales - 1)); // np.logspace(0, -4, scales)
      bool bnDiverged, plainDiverged;
      std::vector<double> bn = trainAccuracies(withBn, scale, s, train, bnDiverged);
      std::vector<double> plain = trainAccuracies(without, scale, s, train, plainDiverged);
      std::printf("scale %-10.4g: batch norm %s, without %s\n", scale, finalText(bn, bnDiverged).c_str(),
                  finalText(plain, plainDiverged).c_str());
      char title[48];
      std::snprintf(title, sizeof title, "W scale %.3g", scale);
      panels.push_back(PlotPanel{.title = title, .xLabel = "epoch", .yLabel = "train accuracy (%)",
                                 .series = {curve(bn, "batch norm"), curve(plain, "without")},
                                 .xMin = 0, .xMax = double(s.epochs), .yMin = 0, .yMax = 100});
    }
    std::string path = s.outPath("batchnorm_compare.png");
    plotFigure(path, panels, {.columns = 4, .panelWidth = 320, .panelHeight = 240});
    std::printf("wrote %s\n", path.c_str());
    return 0;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "batchnorm_compare: error: %s\n", e.what());
    return 1;
  }
}
