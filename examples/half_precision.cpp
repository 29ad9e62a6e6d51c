// Lesson: half precision (chapter 8.3.4). Deep learning needs fewer bits than
// f32 gives it: the book stores a trained network's weights as float16 and
// finds the same test accuracy. Here SimpleConvNet is trained briefly in f32,
// then every parameter is stored in f16 (IEEE half, 10 mantissa bits) or bf16
// (bfloat16, 7 bits but f32's exponent range) and read back, and inference
// runs with those values: the weights' relative rounding error, the test
// accuracy and how many predictions change are printed per format.
#include "examples/LessonOptions.h"
#include "examples/Predict.h"
#include "frontend/Nets.h"
#include "runtime/HalfPrecision.h"
#include "runtime/Trainer.h"
#include "tools/CliChecks.h"

#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>

using namespace nabla;

namespace {

struct Rounding {
  double maxRelative = 0; // over weights in f16's normal range (|w| >= 2^-14)
  int64_t tiny = 0;       // weights below it: f16 keeps them as subnormals, with less precision
};

Rounding roundingError(const ParameterStore &original, const ParameterStore &rounded) {
  Rounding r;
  const float normalMin = std::ldexp(1.0f, -14);
  for (const auto &[name, t] : original)
    for (int64_t i = 0; i < t.numel(); ++i) {
      float w = t.data<float>()[i], h = rounded.at(name).data<float>()[i];
      if (std::fabs(w) < normalMin) {
        r.tiny += w != 0;
        continue;
      }
      r.maxRelative = std::max(r.maxRelative, std::fabs(double(h) - w) / std::fabs(w));
    }
  return r;
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"SimpleConvNet inference with weights stored in f16 and bf16 against f32"};
  examples::LessonOptions o;
  int64_t epochs = 1, batch = 100;
  double lr = 0.001;
  app.add_option("--epochs", epochs, "epochs of f32 training (Adam)")->capture_default_str()
      ->check(cli::atLeast(1));
  app.add_option("--batch", batch, "mini-batch size")->capture_default_str()->check(cli::atLeast(1));
  app.add_option("--lr", lr, "Adam learning rate")->capture_default_str()->check(cli::positiveFinite());
  // No --out: the book shows no figure for this lesson, so nothing is written.
  o.addTo(app, "");
  CLI11_PARSE(app, argc, argv);

  try {
    o.apply();
    Dataset train = o.trainSet(false), test = o.testSet(false);
    dsl::ModelBuilder model("simple_convnet");
    dsl::defineSimpleConvNet(model);
    dsl::CompiledModel compiled = dsl::compileModel(model, {.backend = o.backend, .optimizer = OptimizerKind::Adam});
    Trainer trainer(compiled.trainStep, compiled.forward, model.initialParameters(o.seed),
                    {.optimizer = examples::optimizerWithRate(OptimizerKind::Adam, lr), .batchSize = batch,
                     .epochs = epochs, .seed = o.seed, .progress = false});
    trainer.fit(train, &test); // its test accuracy is the f32 one below, computed another way

    // Only the model's parameters: the store also holds Adam's slots.
    ParameterStore weights;
    for (const ArgumentInfo &arg : compiled.forward->inputs())
      if (arg.role == "param") weights[arg.name] = trainer.parameters().at(arg.name);
    std::vector<int64_t> reference = examples::predictClasses(*compiled.forward, weights, test);
    double base = examples::percentCorrect(reference, test);
    std::printf("f32 : test accuracy %.2f%% on %lld images\n", base, (long long)test.size());
    for (HalfFormat format : {HalfFormat::F16, HalfFormat::BF16}) {
      ParameterStore stored;
      for (const auto &[name, t] : weights) stored[name] = roundThrough(t, format);
      Rounding r = roundingError(weights, stored);
      std::vector<int64_t> predictions = examples::predictClasses(*compiled.forward, stored, test);
      int64_t changed = 0;
      for (size_t i = 0; i < predictions.size(); ++i) changed += predictions[i] != reference[i];
      double acc = examples::percentCorrect(predictions, test);
      std::printf("%-4s: test accuracy %.2f%% (%+.2f points), %lld predictions changed, max relative weight "
                  "error %.3e, %lld weights below 2^-14\n",
                  halfFormatName(format), acc, acc - base, (long long)changed, r.maxRelative, (long long)r.tiny);
    }
    return 0;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "half_precision: error: %s\n", e.what());
    return 1;
  }
}
