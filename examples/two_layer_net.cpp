// The textbook's TwoLayerNet (784-50-10) trained as in its train_neuralnet.py:
// SGD with lr 0.1, batch 100, 10,000 iterations, accuracy after every epoch.
#include "examples/ExampleSupport.h"
#include "frontend/Nets.h"
#include "runtime/Trainer.h"

#include <CLI/CLI.hpp>

using namespace nabla;

int main(int argc, char **argv) {
  CLI::App app{"Train the textbook's TwoLayerNet on Fashion-MNIST with nabla"};
  int64_t iterations = 10000, batch = 100, hidden = 50;
  double lr = 0.1;
  std::string data, backend = "halide", out;
  uint64_t seed = 0;
  bool quiet = false;
  app.add_option("--iterations", iterations, "optimizer steps")->capture_default_str();
  app.add_option("--batch", batch, "mini-batch size")->capture_default_str();
  app.add_option("--hidden", hidden, "hidden units")->capture_default_str();
  app.add_option("--lr", lr, "SGD learning rate")->capture_default_str();
  app.add_option("--data", data, "MNIST-format directory (default: Debian's Fashion-MNIST)");
  app.add_option("--out", out, "write history.csv and checkpoint.pb here");
  app.add_option("--backend", backend, "halide or reference")->capture_default_str();
  app.add_option("--seed", seed, "seed")->capture_default_str();
  app.add_flag("--quiet", quiet, "no progress bar");
  CLI11_PARSE(app, argc, argv);

  try {
    Dataset train = examples::loadSplit(data, "train", 0, true);
    Dataset test = examples::loadSplit(data, "t10k", 0, true);
    dsl::ModelBuilder model("two_layer_net");
    dsl::defineTwoLayerNet(model, {.hiddenSize = hidden});
    dsl::CompiledModel compiled =
        dsl::compileModel(model, {.backend = examples::parseBackend(backend), .optimizer = OptimizerKind::SGD});
    OptimizerConfig opt = OptimizerConfig::defaults(OptimizerKind::SGD);
    opt.lr = lr;
    int64_t perEpoch = (train.size() + batch - 1) / batch;
    Trainer trainer(compiled.trainStep, compiled.forward, model.initialParameters(seed),
                    {.optimizer = opt, .batchSize = batch, .epochs = (iterations + perEpoch - 1) / perEpoch,
                     .maxSteps = iterations, .seed = seed, .progress = !quiet, .outDir = out});
    const History &history = trainer.fit(train, &test);
    std::printf("two_layer_net: test accuracy %.2f%% after %lld iterations\n",
                100 * history.epochs().back().testAccuracy, (long long)trainer.stepsTaken());
    return 0;
  } catch (const Error &e) {
    std::fprintf(stderr, "two_layer_net: error: %s\n", e.what());
    return 1;
  }
}
