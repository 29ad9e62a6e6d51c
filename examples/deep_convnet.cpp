// Lesson: deeper networks (chapter 8.1). The book's VGG-style DeepConvNet -
// six 3x3 convolutions (16, 16, 32, 32, 64, 64) with ReLU, a 2x2 max pool
// after every second, affine 50, dropout 0.5, affine 10, dropout 0.5, He
// init, Adam - and a variant with skip connections (ResNet-style residual
// blocks, frontend/Nets.h), trained on Fashion-MNIST from the same data in
// the same order. Prints each net's size, loss and test accuracy, draws the
// smoothed loss curves, and, like the book's figure 8-3, the test images
// DeepConvNet gets wrong.
#include "examples/LessonOptions.h"
#include "examples/LossCurve.h"
#include "examples/Predict.h"
#include "frontend/Nets.h"
#include "runtime/Plot.h"
#include "runtime/PngImage.h"
#include "runtime/Trainer.h"
#include "tools/CliChecks.h"

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>

using namespace nabla;
using namespace nabla::dsl;

namespace {

struct Settings : examples::LessonOptions {
  int64_t epochs = 1, batch = 100, smooth = 15, misclassified = 20, stepParts = 4;
  double lr = 0.001;
  bool noWinograd = false;
  Settings() {
    trainSize = 6000; // about a minute per net on 2 cores
  }
};

struct Result {
  PlotSeries loss;
  std::vector<int64_t> predictions;
};

int64_t parameterCount(const ParameterStore &params) {
  int64_t n = 0;
  for (const auto &[name, t] : params) n += t.numel();
  return n;
}

Result train(const std::string &name, ModelBuilder &m, const Settings &s, const Dataset &trainSet,
             const Dataset &testSet) {
  int64_t iterations = s.epochs * (trainSet.size() / s.batch);
  if (iterations <= 0)
    throw Error("--epochs " + std::to_string(s.epochs) + " over " + std::to_string(trainSet.size()) +
                " training images at batch " + std::to_string(s.batch) + " is no training step");
  auto start = std::chrono::steady_clock::now();
  CompiledModel compiled = compileModel(m, {.backend = s.backend,
                                           .optimizer = OptimizerKind::Adam,
                                           .winograd = !s.noWinograd,
                                           .stepParts = int(s.stepParts)});
  OptimizerConfig adam = OptimizerConfig::defaults(OptimizerKind::Adam);
  adam.lr = s.lr;
  ParameterStore initial = m.initialParameters(s.seed);
  int64_t params = parameterCount(initial);
  Trainer trainer(compiled.trainStep, compiled.forward, std::move(initial),
                  {.optimizer = adam, .batchSize = s.batch, .progress = false});
  std::vector<double> losses =
      examples::smooth(examples::trainIterations(trainer, trainSet, s.batch, iterations, s.seed), s.smooth);
  Result r{.loss = examples::indexSeries(losses, name)};
  ParameterStore weights; // @forward's parameters: the store also holds Adam's slots
  for (const ArgumentInfo &arg : compiled.forward->inputs())
    if (arg.role == "param" || arg.role == "state") weights[arg.name] = trainer.parameters().at(arg.name);
  r.predictions = examples::predictClasses(*compiled.forward, weights, testSet);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%-16s: %lld parameters, %lld iterations, smoothed loss %.4f -> %.4f, test accuracy %.2f%% "
              "(%.1f s with compiling)\n",
              name.c_str(), (long long)params, (long long)iterations, losses.front(), losses.back(),
              examples::percentCorrect(r.predictions, testSet), seconds);
  return r;
}

/// The first `limit` misclassified test images as a grid, their labels printed.
void writeMisclassified(const Settings &s, const Dataset &test, const std::vector<int64_t> &predictions) {
  std::vector<int64_t> wrong;
  for (int64_t i = 0; i < test.size(); ++i)
    if (predictions[size_t(i)] != test.labels.data<int64_t>()[i]) wrong.push_back(i);
  std::printf("deep_convnet misclassified %zu of %lld test images; the first (index: label -> prediction):",
              wrong.size(), (long long)test.size());
  if (wrong.size() > size_t(s.misclassified)) wrong.resize(size_t(s.misclassified));
  for (int64_t i : wrong)
    std::printf(" %lld: %lld -> %lld", (long long)i, (long long)test.labels.data<int64_t>()[i],
                (long long)predictions[size_t(i)]);
  std::printf("\n");
  if (wrong.empty()) return;
  Tensor images = test.gather(wrong).images;
  std::string path = s.outPath("deep_convnet_misclassified.png");
  writePng(path, tileGrid(images, 10, /*scale=*/2, /*gap=*/2));
  std::printf("wrote %s\n", path.c_str());
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"The book's DeepConvNet and a residual variant on Fashion-MNIST"};
  Settings s;
  app.add_option("--epochs", s.epochs, "epochs over the training images")->capture_default_str()
      ->check(cli::atLeast(1));
  app.add_option("--batch", s.batch, "mini-batch size")->capture_default_str()->check(cli::atLeast(1));
  app.add_option("--step-parts", s.stepParts,
                 "compile each training step as this many pipelines, in parallel: cold, 4 parts "
                 "compile 3-4x faster than 1, and the steps run as fast (within 2%)")
      ->capture_default_str()
      ->check(cli::atLeast(1));
  app.add_flag("--no-winograd", s.noWinograd,
               "compute every conv directly (skip --nabla-select-winograd)");
  app.add_option("--lr", s.lr, "Adam learning rate")->capture_default_str()->check(cli::positiveFinite());
  app.add_option("--smooth", s.smooth, "moving-average window of the loss curves")->capture_default_str()
      ->check(cli::atLeast(1));
  app.add_option("--misclassified", s.misclassified, "misclassified images to draw")->capture_default_str()
      ->check(cli::atLeast(0));
  s.addTo(app, "deep_convnet.png and deep_convnet_misclassified.png");
  CLI11_PARSE(app, argc, argv);

  try {
    s.apply();
    Dataset trainSet = s.trainSet(false);
    Dataset testSet = s.testSet(false);
    std::printf("%lld training images, %lld epoch(s) of Adam (lr %g, batch %lld), %lld test images\n",
                (long long)trainSet.size(), (long long)s.epochs, s.lr, (long long)s.batch, (long long)testSet.size());

    ModelBuilder deep("deep_convnet"), residual("residual_convnet");
    defineDeepConvNet(deep);
    defineResidualConvNet(residual);
    Result d = train("deep_convnet", deep, s, trainSet, testSet);
    Result r = train("residual_convnet", residual, s, trainSet, testSet);

    PlotPanel losses{.title = "DeepConvNet and its residual variant", .xLabel = "iteration",
                     .yLabel = "loss (smoothed)", .series = {d.loss, r.loss}, .yMin = 0};
    std::string path = s.outPath("deep_convnet.png");
    plotFigure(path, {losses}, {.panelWidth = 800, .panelHeight = 480});
    std::printf("wrote %s\n", path.c_str());
    writeMisclassified(s, testSet, d.predictions);
    return 0;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "deep_convnet: error: %s\n", e.what());
    return 1;
  }
}
