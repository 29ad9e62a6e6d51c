// Lesson: initial weight values (chapter 6.2). First the book's experiment on
// activations: 1000 random inputs through five 100-unit layers (no bias) with
// weights drawn at std 1, std 0.01, Xavier (1/sqrt(n)) or He (sqrt(2/n)), and
// the histogram of every layer's output for sigmoid, tanh and ReLU (figures
// 6-10 to 6-14): std 1 drives sigmoid and tanh into saturation, std 0.01
// collapses everything onto one value, Xavier keeps sigmoid and tanh spread,
// He keeps ReLU's scale constant with depth. Then the same 5-layer ReLU MLP
// trained on Fashion-MNIST from std 0.01, Xavier and He weights (figure 6-15).
#include "examples/LessonOptions.h"
#include "examples/GraphCall.h"
#include "examples/LossCurve.h"
#include "frontend/Nets.h"
#include "frontend/Ops.h"
#include "runtime/Plot.h"
#include "runtime/Trainer.h"
#include "tools/CliChecks.h"

#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>

using namespace nabla;
using namespace nabla::dsl;

namespace {

const WeightInit kInits[] = {WeightInit::fixed(1.0), WeightInit::fixed(0.01), WeightInit::xavier(),
                             WeightInit::he()};
const Activation kActivations[] = {Activation::Sigmoid, Activation::Tanh, Activation::Relu};
constexpr int kLayers = 5, kUnits = 100;

struct Settings : examples::LessonOptions {
  int64_t samples = 1000, iterations = 2000, batch = 128, smooth = 25;
  double lr = 0.01;
};

/// Mean, standard deviation and the fraction of values within 0.05 of the
/// activation's asymptotes (0 and 1 for sigmoid, -1 and 1 for tanh), or, for
/// ReLU, the fraction that is exactly 0.
struct LayerStats {
  double mean = 0, std = 0, extreme = 0;
};

LayerStats statsOf(const Tensor &a, Activation activation) {
  LayerStats s;
  int64_t n = a.numel(), extreme = 0;
  for (float v : a.span<float>()) {
    s.mean += v;
    switch (activation) {
    case Activation::Sigmoid: extreme += v < 0.05f || v > 0.95f; break;
    case Activation::Tanh: extreme += std::fabs(v) > 0.95f; break;
    case Activation::Relu: extreme += v == 0.0f; break;
    }
  }
  s.mean /= double(n);
  for (float v : a.span<float>()) s.std += (v - s.mean) * (v - s.mean);
  s.std = std::sqrt(s.std / double(n));
  s.extreme = double(extreme) / double(n);
  return s;
}

/// The book's histogram range: sigmoid and ReLU over (0, 1), tanh over (-1, 1).
/// ReLU's exact zeros (about half of its outputs, printed as "zero") are
/// left out: their spike would flatten the part of the picture that differs
/// between inits.
PlotHistogram histogramOf(const Tensor &a, Activation activation) {
  PlotHistogram h{.bins = 30, .lo = activation == Activation::Tanh ? -1.0 : 0.0, .hi = 1.0};
  for (float v : a.span<float>())
    if (activation != Activation::Relu || v != 0.0f) h.values.push_back(v);
  return h;
}

/// One figure per activation: a row of five layer histograms per init.
void activationHistograms(Activation activation, const Settings &s) {
  ModelBuilder m("activations");
  Var h = m.input("x", {kBatch, kUnits});
  for (int layer = 1; layer <= kLayers; ++layer) {
    // The initializer here is a placeholder: each init's weights are drawn
    // below and passed in, so one compiled graph serves all four.
    Var w = m.param("W" + std::to_string(layer), {kUnits, kUnits}, init::zeros());
    h = activate(matmul(h, w), activation);
    m.output("layer" + std::to_string(layer), h);
  }
  examples::CompiledGraph graph = examples::compileGraph(m, {"forward"}, s.backend, false);
  examples::NamedTensors args = {{"x", init::normal(1.0).sample({s.samples, kUnits}, s.seed, "x")}};

  const char *name = activationName(activation);
  std::vector<PlotPanel> panels;
  for (const WeightInit &wi : kInits) {
    for (int layer = 1; layer <= kLayers; ++layer) {
      std::string w = "W" + std::to_string(layer);
      args[w] = wi.initializer().sample({kUnits, kUnits}, s.seed, w);
    }
    examples::NamedTensors layers = graph.call("forward", args);
    for (int layer = 1; layer <= kLayers; ++layer) {
      const Tensor &a = layers.at("layer" + std::to_string(layer));
      LayerStats st = statsOf(a, activation);
      std::printf("%-7s %-8s layer %d: mean %.4f std %.4g %s %.1f%%\n", name, wi.describe().c_str(), layer,
                  st.mean, st.std, activation == Activation::Relu ? "zero" : "saturated", 100 * st.extreme);
      PlotPanel p{.title = wi.describe() + ", layer " + std::to_string(layer), .xLabel = name};
      p.histogram = histogramOf(a, activation);
      panels.push_back(std::move(p));
    }
  }
  std::string path = s.outPath(std::string("weight_init_") + name + ".png");
  plotFigure(path, panels, {.columns = kLayers, .panelWidth = 240, .panelHeight = 180});
  std::printf("wrote %s\n", path.c_str());
}

/// The 5-layer ReLU MLP (784-100-100-100-100-10) trained by SGD from each
/// init; returns its smoothed loss curve.
PlotSeries trainFrom(const WeightInit &wi, const CompiledModel &compiled, const Settings &s, const Dataset &train,
                     const Dataset &test) {
  // Initial values only: the compiled graph does not depend on the init.
  ModelBuilder initial("mlp5");
  defineMultiLayerNet(initial, {.weightInit = wi});
  OptimizerConfig sgd = OptimizerConfig::defaults(OptimizerKind::SGD);
  sgd.lr = s.lr;
  Trainer trainer(compiled.trainStep, compiled.forward, initial.initialParameters(s.seed),
                  {.optimizer = sgd, .batchSize = s.batch, .progress = false});
  std::vector<double> curve =
      examples::smooth(examples::trainIterations(trainer, train, s.batch, s.iterations, s.seed), s.smooth);
  std::printf("%-8s: smoothed loss %.4f -> %.4f over %lld iterations, test accuracy %.2f%%\n",
              wi.describe().c_str(), curve.front(), curve.back(), (long long)s.iterations,
              100 * trainer.accuracy(test));
  return examples::indexSeries(curve, wi.describe());
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"Activation histograms for std 1, std 0.01, Xavier and He weights; training from each init"};
  Settings s;
  bool skipMnist = false;
  app.add_option("--samples", s.samples, "random inputs for the histograms")->capture_default_str()
      ->check(cli::atLeast(1));
  app.add_option("--iterations", s.iterations, "MLP training iterations per init")->capture_default_str()
      ->check(cli::atLeast(1));
  app.add_option("--batch", s.batch, "MLP mini-batch size")->capture_default_str()->check(cli::atLeast(1));
  app.add_option("--lr", s.lr, "SGD learning rate")->capture_default_str()->check(cli::positiveFinite());
  app.add_option("--smooth", s.smooth, "moving-average window of the loss curves")->capture_default_str()
      ->check(cli::atLeast(1));
  app.add_flag("--skip-mnist", skipMnist, "only the histograms");
  s.addTo(app, "weight_init_{sigmoid,tanh,relu}.png and weight_init_mnist.png", "weights, inputs and batch order");
  CLI11_PARSE(app, argc, argv);

  try {
    s.apply();
    std::printf("activations of 5 layers x %d units, %lld Gaussian inputs:\n", kUnits, (long long)s.samples);
    for (Activation activation : kActivations) activationHistograms(activation, s);
    if (skipMnist) return 0;

    Dataset train = s.trainSet(true);
    Dataset test = s.testSet(true);
    std::printf("5-layer ReLU MLP on Fashion-MNIST (%lld images, SGD lr %g, batch %lld):\n",
                (long long)train.size(), s.lr, (long long)s.batch);
    ModelBuilder m("mlp5");
    defineMultiLayerNet(m, {});
    CompiledModel compiled = compileModel(m, {.backend = s.backend, .optimizer = OptimizerKind::SGD});
    PlotPanel losses{.title = "weight init, 5-layer ReLU MLP", .xLabel = "iteration", .yLabel = "loss (smoothed)"};
    for (const WeightInit &wi : {WeightInit::fixed(0.01), WeightInit::xavier(), WeightInit::he()})
      losses.series.push_back(trainFrom(wi, compiled, s, train, test));
    losses.yMin = 0;
    losses.yMax = 2.5;
    plotFigure(s.outPath("weight_init_mnist.png"), {losses}, {.panelWidth = 800, .panelHeight = 480});
    std::printf("wrote %s\n", s.outPath("weight_init_mnist.png").c_str());
    return 0;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "weight_init_compare: error: %s\n", e.what());
    return 1;
  }
}
