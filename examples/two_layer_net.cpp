// The textbook's TwoLayerNet (784-50-10). First the book's gradient check:
// backprop (the autodiff pass) against numerical differentiation on a few
// training images, per parameter. Then training as in its train_neuralnet.py:
// SGD with lr 0.1, batch 100, 10,000 iterations, accuracy after every epoch,
// and the training curves as a PNG.
#include "examples/ExampleSupport.h"
#include "examples/GradientCheck.h"
#include "frontend/Nets.h"
#include "runtime/HistoryPlot.h"
#include "runtime/Trainer.h"
#include "tools/CliChecks.h"

#include <CLI/CLI.hpp>

#include <filesystem>

using namespace nabla;

namespace {

/// The first `n` images and their labels, as the arguments of @loss.
examples::NamedTensors batchOf(const Dataset &data, int64_t n, const ParameterStore &params) {
  examples::NamedTensors args(params.begin(), params.end());
  Dataset head = data.subset(n);
  args["x"] = head.images;
  args["t"] = head.labels;
  return args;
}

void gradientCheck(dsl::CompiledModel &compiled, dsl::Backend backend, const Dataset &train,
                   const ParameterStore &params, int64_t samples, double h, int64_t entries) {
  auto loss = dsl::compileFunction(*compiled.module, "loss", backend);
  auto grad = dsl::compileFunction(*compiled.module, "loss_grad", backend);
  std::printf("gradient check on %lld images (h = %g, f32): max |numerical - backprop|\n", (long long)samples, h);
  for (const auto &r : examples::checkGradients(*loss, *grad, batchOf(train, samples, params), h, entries))
    std::printf("  %-10s %.3e  (max |grad| %.3e, relative %.3f, %lld entries)\n", r.param.c_str(), r.maxAbsDiff,
                r.maxAbsGrad, r.maxAbsGrad > 0 ? r.maxAbsDiff / r.maxAbsGrad : 0.0, (long long)r.checked);
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"Gradient check and training of the textbook's TwoLayerNet on Fashion-MNIST with nabla"};
  int64_t iterations = 10000, batch = 100, hidden = 50, trainSize = 0, testSize = 0;
  int64_t checkSamples = 3, checkEntries = 0;
  double lr = 0.1, checkH = 1e-3;
  std::string data, backend = "halide", out, plot = "two_layer_net.png";
  uint64_t seed = 0;
  bool quiet = false;
  app.add_option("--iterations", iterations, "optimizer steps")->capture_default_str()
      ->check(cli::atLeast(1));
  app.add_option("--batch", batch, "mini-batch size")->capture_default_str()->check(cli::atLeast(1));
  app.add_option("--hidden", hidden, "hidden units")->capture_default_str()->check(cli::atLeast(1));
  app.add_option("--lr", lr, "SGD learning rate")->capture_default_str()->check(cli::positiveFinite());
  app.add_option("--train-size", trainSize, "use the first N training images (0: all)")->capture_default_str()
      ->check(cli::atLeast(0));
  app.add_option("--test-size", testSize, "use the first N test images (0: all)")->capture_default_str()
      ->check(cli::atLeast(0));
  app.add_option("--check-samples", checkSamples, "images in the gradient check (0: skip it)")
      ->capture_default_str()
      ->check(cli::atLeast(0));
  app.add_option("--check-entries", checkEntries, "entries checked per parameter (0: all)")
      ->capture_default_str()
      ->check(cli::atLeast(0));
  // The loss is f32: its rounding error (~1e-6 at 2.3) divided by 2h is the
  // numerical gradient's noise, so h is larger than the book's float64 1e-4;
  // much larger and a step crosses ReLU kinks. Expect agreement to ~1e-4,
  // not the book's 1e-10.
  app.add_option("--check-h", checkH, "central-difference step of the check")->capture_default_str()
      ->check(cli::positiveFinite());
  app.add_option("--data", data, "MNIST-format directory (default: Debian's Fashion-MNIST)");
  app.add_option("--out", out, "write history.csv and checkpoint.pb here");
  app.add_option("--plot", plot, "training-curve PNG (empty: none)")->capture_default_str();
  app.add_option("--backend", backend, "halide or reference")->capture_default_str();
  app.add_option("--seed", seed, "seed")->capture_default_str();
  app.add_flag("--quiet", quiet, "no progress bar");
  CLI11_PARSE(app, argc, argv);

  try {
    // Before training: a --plot that cannot be written fails now, not after it.
    if (auto parent = std::filesystem::path(plot).parent_path(); !plot.empty() && !parent.empty())
      createDirectories(parent.string());
    Dataset train = examples::loadSplit(data, "train", trainSize, true);
    Dataset test = examples::loadSplit(data, "t10k", testSize, true);
    dsl::ModelBuilder model("two_layer_net");
    dsl::defineTwoLayerNet(model, {.hiddenSize = hidden});
    dsl::Backend chosen = examples::parseBackend(backend);
    dsl::CompiledModel compiled = dsl::compileModel(model, {.backend = chosen, .optimizer = OptimizerKind::SGD});
    ParameterStore initial = model.initialParameters(seed);
    if (checkSamples > 0) gradientCheck(compiled, chosen, train, initial, checkSamples, checkH, checkEntries);

    OptimizerConfig opt = OptimizerConfig::defaults(OptimizerKind::SGD);
    opt.lr = lr;
    int64_t perEpoch = (train.size() + batch - 1) / batch;
    Trainer trainer(compiled.trainStep, compiled.forward, initial,
                    {.optimizer = opt, .batchSize = batch, .epochs = (iterations + perEpoch - 1) / perEpoch,
                     .maxSteps = iterations, .seed = seed, .progress = !quiet, .outDir = out});
    const History &history = trainer.fit(train, &test);
    std::printf("two_layer_net: test accuracy %.2f%% after %lld iterations\n",
                100 * history.epochs().back().testAccuracy, (long long)trainer.stepsTaken());
    if (!plot.empty()) {
      plotHistory(history, plot, "TwoLayerNet");
      std::printf("wrote %s\n", plot.c_str());
    }
    return 0;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "two_layer_net: error: %s\n", e.what());
    return 1;
  }
}
