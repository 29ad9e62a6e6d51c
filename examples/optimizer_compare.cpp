// Lesson: optimizers (chapter 6). SGD, Momentum, Nesterov, AdaGrad, RMSprop
// and Adam, each compiled into a training step by --nabla-train-step, first
// walk f(x, y) = x^2 / 20 + y^2 from (-7, 2) (one picture per optimizer, as the
// book's figure 6-8), then train the same 5-layer MLP on Fashion-MNIST from the
// same initial weights (smoothed loss curves, as figure 6-9).
#include "examples/LessonOptions.h"
#include "examples/LossCurve.h"
#include "examples/ParameterDescent.h"
#include "frontend/Nets.h"
#include "frontend/Ops.h"
#include "runtime/Plot.h"
#include "runtime/Trainer.h"
#include "tools/CliChecks.h"

#include <CLI/CLI.hpp>

#include <cstdio>

using namespace nabla;
using namespace nabla::dsl;

namespace {

const OptimizerKind kAll[] = {OptimizerKind::SGD,     OptimizerKind::Momentum, OptimizerKind::Nesterov,
                              OptimizerKind::AdaGrad, OptimizerKind::RMSprop,  OptimizerKind::Adam};

/// Learning rates on f: the book's (SGD 0.95, Momentum 0.1, AdaGrad 1.5,
/// Adam 0.3), with Nesterov as Momentum and RMSprop chosen to take a similar
/// first step.
double rateOnF(OptimizerKind kind) {
  switch (kind) {
  case OptimizerKind::SGD: return 0.95;
  case OptimizerKind::Momentum:
  case OptimizerKind::Nesterov: return 0.1;
  case OptimizerKind::AdaGrad: return 1.5;
  case OptimizerKind::RMSprop: return 0.1;
  case OptimizerKind::Adam: return 0.3;
  }
  return 0.01;
}

double f(double x, double y) { return x * x / 20 + y * y; }

struct Settings : examples::LessonOptions {
  int steps = 30;
  int64_t iterations = 1000, batch = 128, smooth = 25;
};

PlotPanel walkOnF(OptimizerKind kind, const Settings &s) {
  ModelBuilder m("f");
  Var x = m.param("x", {}, init::zeros());
  Var y = m.param("y", {}, init::zeros());
  m.loss(square(x) / 20.0 + square(y));
  examples::CompiledGraph graph =
      examples::compileGraph(m, {"loss_train_step"}, s.backend, true, optimizerName(kind));
  OptimizerConfig config = OptimizerConfig::defaults(kind);
  config.lr = rateOnF(kind);
  examples::ParameterDescent descent(graph.functions.at("loss_train_step"),
                                     {{"x", Tensor::scalar<float>(-7.0f)}, {"y", Tensor::scalar<float>(2.0f)}},
                                     config);
  PlotSeries path{.points = true};
  auto record = [&] {
    path.x.push_back(descent.values().at("x").at(0));
    path.y.push_back(descent.values().at("y").at(0));
  };
  record();
  for (int i = 0; i < s.steps; ++i) descent.step(), record();
  std::printf("%-8s lr %-4g: (-7, 2) -> (%.6f, %.6f) after %d steps, f = %.6f\n", optimizerName(kind), config.lr,
              path.x.back(), path.y.back(), s.steps, f(path.x.back(), path.y.back()));
  char title[64];
  std::snprintf(title, sizeof title, "%s (lr %g)", optimizerName(kind), config.lr);
  PlotPanel panel{.title = title, .xLabel = "x", .yLabel = "y", .xMin = -10, .xMax = 10, .yMin = -5, .yMax = 5};
  panel.contour = PlotContour{f, {0.25, 1, 2.5, 5, 10, 20}};
  panel.series = {path, PlotSeries{.x = {0}, .y = {0}, .line = false, .points = true}}; // the minimum
  return panel;
}

PlotSeries trainMlp(OptimizerKind kind, const Settings &s, const Dataset &train, const Dataset &test) {
  ModelBuilder m("mlp5");
  defineMultiLayerNet(m, {}); // 784-100-100-100-100-10, ReLU, He init
  CompiledModel compiled = compileModel(m, {.backend = s.backend, .optimizer = kind});
  OptimizerConfig config = OptimizerConfig::defaults(kind);
  // RMSprop's first step is lr * g / sqrt((1 - rho) g^2) = 10 lr per weight:
  // at the book's 0.01 it throws the net off before settling, so 0.001.
  if (kind == OptimizerKind::RMSprop) config.lr = 0.001;
  Trainer trainer(compiled.trainStep, compiled.forward, m.initialParameters(s.seed),
                  {.optimizer = config, .batchSize = s.batch, .progress = false});
  std::vector<double> losses = examples::trainIterations(trainer, train, s.batch, s.iterations, s.seed);
  std::vector<double> curve = examples::smooth(losses, s.smooth); // the book smooths its curves too
  std::printf("%-8s lr %-5g: smoothed loss %.4f -> %.4f over %lld iterations, test accuracy %.2f%%\n",
              optimizerName(kind), config.lr, curve.front(), curve.back(), (long long)s.iterations,
              100 * trainer.accuracy(test));
  return examples::indexSeries(curve, optimizerName(kind));
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"SGD, Momentum, Nesterov, AdaGrad, RMSprop and Adam on x^2/20 + y^2 and on Fashion-MNIST"};
  Settings s;
  std::vector<std::string> only;
  bool skipMnist = false;
  app.add_option("--optimizers", only, "subset to run (default: all six)");
  app.add_option("--steps", s.steps, "steps on f(x, y)")->capture_default_str()->check(cli::atLeast(1));
  app.add_option("--iterations", s.iterations, "MLP training iterations per optimizer")->capture_default_str()
      ->check(cli::atLeast(1));
  app.add_option("--batch", s.batch, "MLP mini-batch size")->capture_default_str()->check(cli::atLeast(1));
  app.add_option("--smooth", s.smooth, "moving-average window of the loss curves")->capture_default_str()
      ->check(cli::atLeast(1));
  app.add_flag("--skip-mnist", skipMnist, "only the f(x, y) part");
  s.addTo(app, "optimizer_paths.png and optimizer_mnist.png");
  CLI11_PARSE(app, argc, argv);

  try {
    s.apply();
    std::vector<OptimizerKind> kinds;
    for (const std::string &name : only) kinds.push_back(parseOptimizer(name));
    if (kinds.empty()) kinds.assign(std::begin(kAll), std::end(kAll));

    std::printf("f(x, y) = x^2/20 + y^2 from (-7, 2), minimum at (0, 0):\n");
    std::vector<PlotPanel> paths;
    for (OptimizerKind kind : kinds) paths.push_back(walkOnF(kind, s));
    plotFigure(s.outPath("optimizer_paths.png"), paths, {.columns = 3});
    std::printf("wrote %s\n", s.outPath("optimizer_paths.png").c_str());
    if (skipMnist) return 0;

    Dataset train = s.trainSet(true);
    Dataset test = s.testSet(true);
    std::printf("5-layer MLP on Fashion-MNIST (%lld images, batch %lld):\n", (long long)train.size(),
                (long long)s.batch);
    PlotPanel losses{.title = "5-layer MLP on Fashion-MNIST", .xLabel = "iteration", .yLabel = "loss (smoothed)"};
    for (OptimizerKind kind : kinds) losses.series.push_back(trainMlp(kind, s, train, test));
    losses.yMin = 0;
    losses.yMax = 2.5; // the first iterations' ~2.3 and below: where the curves differ
    plotFigure(s.outPath("optimizer_mnist.png"), {losses}, {.panelWidth = 800, .panelHeight = 480});
    std::printf("wrote %s\n", s.outPath("optimizer_mnist.png").c_str());
    return 0;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "optimizer_compare: error: %s\n", e.what());
    return 1;
  }
}
