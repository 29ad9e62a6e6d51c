// The textbook's SimpleConvNet (conv30@5x5 - relu - pool2x2 - affine100 -
// relu - affine10 - softmax) trained on Fashion-MNIST: the flagship example.
#include "examples/ExampleSupport.h"
#include "frontend/Nets.h"
#include "runtime/Trainer.h"
#include "tools/CliChecks.h"

#include <CLI/CLI.hpp>

using namespace nabla;

int main(int argc, char **argv) {
  CLI::App app{"Train the textbook's SimpleConvNet on Fashion-MNIST with nabla"};
  int64_t epochs = 1, batch = 100, trainLimit = 0, testLimit = 0;
  std::string optimizer = "adam", init = "std0.01", data, out, backend = "halide", dumpIr;
  std::string target = "host", scheduler = "manual";
  double lr = 0.001;
  int threads = 0, replicas = 1;
  uint64_t seed = 0;
  bool noFuse = false, im2col = false, quiet = false;
  app.add_option("--epochs", epochs, "epochs to train")->capture_default_str()->check(cli::atLeast(1));
  app.add_option("--optimizer", optimizer, optimizerNames())
      ->capture_default_str();
  app.add_option("--lr", lr, "learning rate")->capture_default_str()->check(cli::positiveFinite());
  app.add_option("--batch", batch, "mini-batch size")->capture_default_str()->check(cli::atLeast(1));
  app.add_option("--init", init, "weight init: std0.01 (the book's) or he")->capture_default_str();
  app.add_option("--data", data, "MNIST-format directory (default: Debian's Fashion-MNIST)");
  app.add_option("--out", out, "write history.csv and checkpoint.pb here");
  app.add_option("--threads", threads, "CPU threads (default: all cores)")->check(cli::atLeast(0));
  app.add_option("--seed", seed, "seed for initialization and batch order")->capture_default_str();
  app.add_flag("--no-fuse", noFuse, "skip the conv+bias+relu fusion pass");
  app.add_flag("--im2col", im2col, "lower convolution and pooling to im2col + GEMM");
  app.add_option("--backend", backend, "halide or reference")->capture_default_str();
  app.add_option("--replicas", replicas,
                 "data-parallel training: split each batch over this many replicas, one thread "
                 "each, and average their gradients (1: the single compiled step)")
      ->capture_default_str()
      ->check(cli::atLeast(1));
  app.add_option("--target", target,
                 "halide backend: host, host-cuda (parameters stay on the GPU) or a Halide target")
      ->capture_default_str();
  app.add_option("--scheduler", scheduler,
                 "halide backend on the CPU: nabla's own schedules (manual) or one of Halide's "
                 "autoschedulers (" + halide::autoSchedulerList() + ") for --batch, to compare")
      ->capture_default_str();
  app.add_option("--dump-ir", dumpIr, "write the IR after every pass to this directory");
  app.add_option("--train-limit", trainLimit, "use only the first N training images (0: all)")
      ->check(cli::atLeast(0));
  app.add_option("--test-limit", testLimit, "use only the first N test images (0: all)")
      ->check(cli::atLeast(0));
  app.add_flag("--quiet", quiet, "no progress bar");
  CLI11_PARSE(app, argc, argv);

  try {
    if (init != "std0.01" && init != "he") throw Error("--init must be std0.01 or he, got '" + init + "'");
    examples::setThreads(threads);
    Dataset train = examples::loadSplit(data, "train", trainLimit, false);
    Dataset test = examples::loadSplit(data, "t10k", testLimit, false);

    dsl::ModelBuilder model("simple_convnet");
    dsl::defineSimpleConvNet(model, {.weightInit = init == "he" ? dsl::WeightInit::he()
                                                                : dsl::WeightInit::fixed(0.01)});
    OptimizerConfig opt = OptimizerConfig::defaults(parseOptimizer(optimizer));
    opt.lr = lr;
    dsl::CompiledModel compiled = dsl::compileModel(
        model, {.backend = examples::parseBackend(backend), .optimizer = opt.kind, .fuse = !noFuse,
                .im2col = im2col, .dumpIrDir = dumpIr, .target = target,
                .schedule = {halide::parseScheduler(scheduler), int(batch)}, .replicas = replicas});
    std::printf("simple_convnet: compiled in %.2f s (%s backend, %s, %s, %s, %s schedule)\n",
                compiled.compileSeconds, backend.c_str(), target.c_str(),
                noFuse ? "unfused" : "fused", im2col ? "im2col" : "direct conv", scheduler.c_str());

    Trainer trainer(compiled.trainStep, compiled.forward, model.initialParameters(seed),
                    {.optimizer = opt, .batchSize = batch, .epochs = epochs, .seed = seed,
                     .progress = !quiet, .outDir = out});
    const History &history = trainer.fit(train, &test);
    const EpochMetrics &last = history.epochs().back();
    std::printf("simple_convnet: test accuracy %.2f%% after %lld epochs\n", 100 * last.testAccuracy,
                (long long)last.epoch);
    return 0;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "simple_convnet: error: %s\n", e.what());
    return 1;
  }
}
