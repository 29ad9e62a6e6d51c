// Lesson: data augmentation (chapter 8.1.2). With few training images a
// convnet memorizes them; transforming each batch at random (mirror, shift,
// crop-and-zoom; runtime/Augment.h) shows it new variants of the same
// garments every epoch. SimpleConvNet is trained on 1000 Fashion-MNIST images
// without augmentation, with each transformation alone and with all three;
// the example prints train accuracy (on the untransformed images), test
// accuracy and their gap, and the accuracy on test images transformed the
// same random ways (what augmentation teaches most directly: invariance);
// it draws samples of each transformation and the test accuracy curves.
#include "examples/LessonOptions.h"
#include "frontend/Nets.h"
#include "runtime/Augment.h"
#include "runtime/BatchIterator.h"
#include "runtime/Plot.h"
#include "runtime/PngImage.h"
#include "runtime/Trainer.h"
#include "tools/CliChecks.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>

using namespace nabla;

namespace {

struct Settings : examples::LessonOptions {
  int64_t epochs = 50, batch = 100, maxShift = 2, cropSize = 26, samples = 8, evalEvery = 5;
  double lr = 0.001;
  Settings() { trainSize = 1000; }
};

struct Variant {
  std::string name;
  AugmentOptions options;
};

/// Rows of the sample picture: the first images as they are, then each
/// transformation applied to copies of them.
void writeSamples(const Settings &s, const Dataset &train, const std::vector<Variant> &variants) {
  int64_t n = std::min(s.samples, train.size());
  Dataset first = train.subset(n);
  const Shape &shape = first.images.shape();
  Tensor grid({int64_t(variants.size()) * n, shape[1], shape[2], shape[3]}, DType::F32);
  size_t imageBytes = first.images.bytes();
  for (size_t v = 0; v < variants.size(); ++v) {
    Tensor copy = first.images.clone();
    AugmentOptions options = variants[v].options;
    if (options.flip && options.maxShift == 0 && options.cropSize == 0)
      for (int64_t i = 0; i < n; ++i) flipHorizontal(copy, i); // every sample mirrored, not half of them
    else
      Augmenter(options).apply(copy, n, 0);
    std::memcpy(static_cast<std::byte *>(grid.rawData()) + v * imageBytes, copy.rawData(), imageBytes);
    std::printf("sample row %zu: %s\n", v + 1, variants[v].name.c_str());
  }
  std::string path = s.outPath("augmentation_samples.png");
  writePng(path, tileGrid(grid, int(n), /*scale=*/3, /*gap=*/2));
  std::printf("wrote %s\n", path.c_str());
}

/// Trains SimpleConvNet with `variant`'s augmentation; returns its test
/// accuracy curve (percent per epoch).
PlotSeries train(const Variant &variant, const dsl::CompiledModel &compiled, const ParameterStore &initial,
                 const Settings &s, const Dataset &trainSet, const Dataset &testSet, const Dataset &transformedTest) {
  OptimizerConfig adam = OptimizerConfig::defaults(OptimizerKind::Adam);
  adam.lr = s.lr;
  Trainer trainer(compiled.trainStep, compiled.forward, initial,
                  {.optimizer = adam, .batchSize = s.batch, .seed = s.seed, .progress = false});
  Augmenter augment(variant.options);
  BatchIterator batches(trainSet, {.batchSize = s.batch, .seed = s.seed, .dropLast = true});
  BatchBuffers buffers = batches.allocateBuffers();
  PlotSeries curve{.label = variant.name};
  for (int64_t epoch = 1; epoch <= s.epochs; ++epoch) {
    batches.startEpoch(epoch);
    while (const Batch *b = batches.next(buffers)) {
      // The batch buffer is the iterator's copy of the images: transforming
      // it leaves the data set as it was.
      Tensor images = b->images;
      augment.apply(images, b->size(), uint64_t(trainer.stepsTaken()));
      trainer.step(images, b->labels);
    }
    if (epoch % s.evalEvery == 0 || epoch == s.epochs) {
      curve.x.push_back(double(epoch));
      curve.y.push_back(100 * trainer.accuracy(testSet));
    }
  }
  double trainAcc = 100 * trainer.accuracy(trainSet), transformedAcc = 100 * trainer.accuracy(transformedTest);
  std::printf("%-12s: train accuracy %.2f%%, test accuracy %.2f%%, gap %.2f points, transformed test accuracy "
              "%.2f%%\n",
              variant.name.c_str(), trainAcc, curve.y.back(), trainAcc - curve.y.back(), transformedAcc);
  return curve;
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"Flip, shift and crop augmentation of Fashion-MNIST, and what it does to test accuracy"};
  Settings s;
  std::vector<std::string> only;
  app.add_option("--epochs", s.epochs, "epochs per run")->capture_default_str()->check(cli::atLeast(1));
  app.add_option("--batch", s.batch, "mini-batch size")->capture_default_str()->check(cli::atLeast(1));
  app.add_option("--lr", s.lr, "Adam learning rate")->capture_default_str()->check(cli::positiveFinite());
  app.add_option("--max-shift", s.maxShift, "largest shift in pixels")->capture_default_str()
      ->check(cli::atLeast(0));
  app.add_option("--crop-size", s.cropSize, "side of the random crop")->capture_default_str()
      ->check(cli::atLeast(1));
  app.add_option("--eval-every", s.evalEvery, "epochs between test evaluations of the curve")
      ->capture_default_str()->check(cli::atLeast(1));
  app.add_option("--samples", s.samples, "images per row of augmentation_samples.png")->capture_default_str()
      ->check(cli::atLeast(1));
  app.add_option("--variants", only, "subset to train (default: all five)")
      ->check(CLI::IsMember({"none", "flip", "shift", "crop", "all"}));
  s.addTo(app, "augmentation_samples.png and augmentation.png", "initial weights, batch order and augmentation draws");
  CLI11_PARSE(app, argc, argv);

  try {
    s.apply();
    Dataset trainSet = s.trainSet(false);
    Dataset testSet = s.testSet(false);
    const std::vector<Variant> variants = {
        {"none", {}},
        {"flip", {.flip = true, .seed = s.seed}},
        {"shift", {.maxShift = s.maxShift, .seed = s.seed}},
        {"crop", {.cropSize = s.cropSize, .seed = s.seed}},
        {"all", {.flip = true, .maxShift = s.maxShift, .cropSize = s.cropSize, .seed = s.seed}}};
    writeSamples(s, trainSet, variants);
    // The test images with all three transformations drawn once: how well a
    // model copes with variation it may or may not have been trained on.
    Dataset transformedTest = testSet;
    transformedTest.images = testSet.images.clone();
    Augmenter(variants.back().options).apply(transformedTest.images, transformedTest.size(), /*call=*/1u << 30);

    dsl::ModelBuilder model("simple_convnet");
    dsl::defineSimpleConvNet(model);
    dsl::CompiledModel compiled = dsl::compileModel(model, {.backend = s.backend, .optimizer = OptimizerKind::Adam});
    ParameterStore initial = model.initialParameters(s.seed); // the same start for every run
    std::printf("SimpleConvNet, %lld training images, %lld epochs of Adam (shift up to %lld, crop %lldx%lld):\n",
                (long long)trainSet.size(), (long long)s.epochs, (long long)s.maxShift, (long long)s.cropSize,
                (long long)s.cropSize);
    PlotPanel panel{.title = "test accuracy with augmentation", .xLabel = "epoch", .yLabel = "test accuracy (%)"};
    for (const Variant &v : variants)
      if (only.empty() || std::find(only.begin(), only.end(), v.name) != only.end())
        panel.series.push_back(train(v, compiled, initial, s, trainSet, testSet, transformedTest));
    std::string path = s.outPath("augmentation.png");
    plotFigure(path, {panel}, {.panelWidth = 800, .panelHeight = 480});
    std::printf("wrote %s\n", path.c_str());
    return 0;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "augmentation: error: %s\n", e.what());
    return 1;
  }
}
