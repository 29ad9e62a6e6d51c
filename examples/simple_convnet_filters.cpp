// Lesson: what a convolution layer learns (chapter 7, figure 7-24). The 30
// 5x5 filters of SimpleConvNet's conv1 as a grid of pictures, at their random
// initial values (std 0.01: noise) and after a brief training run on
// Fashion-MNIST (smooth blobs and edges). To put a number on "noise" versus
// "structure" the example also prints how strongly neighbouring filter pixels
// correlate: about 0 for independent draws, clearly positive for the smooth
// patterns training produces.
#include "examples/LessonOptions.h"
#include "frontend/Nets.h"
#include "runtime/PngImage.h"
#include "runtime/Trainer.h"
#include "tools/CliChecks.h"

#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>

using namespace nabla;

namespace {

/// Pearson correlation of horizontally and vertically adjacent pixel pairs,
/// pooled over every filter of an OIHW tensor with one input channel, each
/// filter centred on its own mean (so a filter's overall brightness, which
/// the bias could carry, does not count as structure).
double neighbourCorrelation(const Tensor &w) {
  int64_t n = w.dim(0), h = w.dim(2), wd = w.dim(3);
  double sxy = 0, sxx = 0, syy = 0;
  for (int64_t f = 0; f < n; ++f) {
    const float *p = w.data<float>() + f * h * wd;
    double mean = 0;
    for (int64_t i = 0; i < h * wd; ++i) mean += p[i];
    mean /= double(h * wd);
    auto pair = [&](int64_t a, int64_t b) {
      double x = p[a] - mean, y = p[b] - mean;
      sxy += x * y, sxx += x * x, syy += y * y;
    };
    for (int64_t r = 0; r < h; ++r)
      for (int64_t c = 0; c < wd; ++c) {
        if (c + 1 < wd) pair(r * wd + c, r * wd + c + 1);
        if (r + 1 < h) pair(r * wd + c, (r + 1) * wd + c);
      }
  }
  return sxy / std::sqrt(sxx * syy);
}

double rms(const Tensor &t) {
  double sum = 0;
  for (float v : t.span<float>()) sum += double(v) * v;
  return std::sqrt(sum / double(t.numel()));
}

/// ||a - b|| / ||b||.
double relativeChange(const Tensor &a, const Tensor &b) {
  double diff = 0, base = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    double d = a.data<float>()[i] - b.data<float>()[i];
    diff += d * d, base += double(b.data<float>()[i]) * b.data<float>()[i];
  }
  return std::sqrt(diff / base);
}

void describe(const char *when, const Tensor &w) {
  std::printf("conv1 %s: rms %.4f, neighbour correlation %.3f\n", when, rms(w), neighbourCorrelation(w));
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"SimpleConvNet's 30 conv1 filters before and after training, as PNG grids"};
  examples::LessonOptions o;
  int64_t epochs = 1, batch = 100;
  int columns = 10, scale = 8;
  double lr = 0.001;
  app.add_option("--epochs", epochs, "epochs of training (Adam)")->capture_default_str()
      ->check(cli::atLeast(1));
  app.add_option("--batch", batch, "mini-batch size")->capture_default_str()->check(cli::atLeast(1));
  app.add_option("--lr", lr, "Adam learning rate")->capture_default_str()->check(cli::positiveFinite());
  app.add_option("--columns", columns, "filters per row of the grid")->capture_default_str()
      ->check(CLI::Range(1, 30));
  app.add_option("--scale", scale, "pixels per filter weight")->capture_default_str()
      ->check(CLI::Range(1, 64));
  o.addTo(app, "conv1_filters_before.png and conv1_filters_after.png");
  CLI11_PARSE(app, argc, argv);

  try {
    o.apply();
    Dataset train = o.trainSet(false), test = o.testSet(false);
    dsl::ModelBuilder model("simple_convnet");
    dsl::defineSimpleConvNet(model); // the book's: conv 30@5x5, init std 0.01
    dsl::CompiledModel compiled = dsl::compileModel(model, {.backend = o.backend, .optimizer = OptimizerKind::Adam});
    ParameterStore initial = model.initialParameters(o.seed);
    // The trainer updates its own copies; keep the initial filters aside.
    Tensor before = initial.at("conv1.W").clone();
    Trainer trainer(compiled.trainStep, compiled.forward, initial,
                    {.optimizer = examples::optimizerWithRate(OptimizerKind::Adam, lr), .batchSize = batch,
                     .epochs = epochs, .seed = o.seed, .progress = false});

    auto save = [&](const char *name, const Tensor &filters) {
      std::string path = o.outPath(name);
      writePng(path, tileGrid(filters, columns, scale, /*gap=*/2));
      std::printf("wrote %s\n", path.c_str());
    };
    describe("before training", before);
    save("conv1_filters_before.png", before);

    const History &history = trainer.fit(train, &test);
    const Tensor &after = trainer.parameters().at("conv1.W");
    std::printf("trained %lld steps on %lld images: test accuracy %.2f%%\n", (long long)trainer.stepsTaken(),
                (long long)train.size(), 100 * history.epochs().back().testAccuracy);
    describe("after training", after);
    std::printf("conv1 relative change ||after - before|| / ||before||: %.3f\n", relativeChange(after, before));
    save("conv1_filters_after.png", after);
    return 0;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "simple_convnet_filters: error: %s\n", e.what());
    return 1;
  }
}
