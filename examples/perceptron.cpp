// Lesson: perceptrons (chapter 2). One DSL graph, y = step(x W + b), runs the
// AND, NAND and OR gates with the book's hand-picked weights; XOR is two such
// layers (NAND and OR side by side, then AND); and the same perceptron learns
// AND, NAND and OR by itself but never XOR, which no single line separates.
#include "examples/ExampleSupport.h"
#include "examples/GraphCall.h"
#include "frontend/Ops.h"
#include "runtime/Trainer.h"
#include "tools/CliChecks.h"

#include <CLI/CLI.hpp>

#include <cstdio>

using namespace nabla;
using namespace nabla::dsl;
using examples::NamedTensors;

namespace {

struct Gate {
  const char *name;
  float w1, w2, b;          // the book's weights
  bool (*truth)(bool, bool); // what the gate should compute
};
const Gate kGates[] = {
    {"AND", 0.5f, 0.5f, -0.7f, [](bool a, bool b) { return a && b; }},
    {"NAND", -0.5f, -0.5f, 0.7f, [](bool a, bool b) { return !(a && b); }},
    {"OR", 0.5f, 0.5f, -0.2f, [](bool a, bool b) { return a || b; }},
};
const Gate &gate(const char *name) {
  for (const Gate &g : kGates)
    if (std::string(g.name) == name) return g;
  throw Error(std::string("no gate ") + name);
}

// The four inputs in the book's order: (0,0), (1,0), (0,1), (1,1).
Tensor allInputs() { return examples::rows({{0, 0}, {1, 0}, {0, 1}, {1, 1}}); }

/// "00->0 10->0 01->0 11->1" from a [4, 1] output.
std::string table(const Tensor &x, const Tensor &y) {
  std::string s;
  for (int64_t i = 0; i < 4; ++i)
    s += (i ? " " : "") + std::to_string(int(x.at(2 * i))) + std::to_string(int(x.at(2 * i + 1))) +
         "->" + std::to_string(int(y.at(i)));
  return s;
}

int correctRows(const Tensor &x, const Tensor &y, bool (*truth)(bool, bool)) {
  int correct = 0;
  for (int64_t i = 0; i < 4; ++i) correct += (y.at(i) > 0.5) == truth(x.at(2 * i) > 0.5, x.at(2 * i + 1) > 0.5);
  return correct;
}

/// One perceptron layer: step(x W + b).
Var perceptronLayer(ModelBuilder &m, Var x, const std::string &name, int64_t units) {
  Var w = m.param(name + ".W", {x.shape()[1], units}, init::normal(0.01));
  Var b = m.param(name + ".b", {units}, init::zeros());
  return step(matmul(x, w) + b);
}

void fixedGates(examples::CompiledGraph &single, const Tensor &x) {
  for (const Gate &g : kGates) {
    NamedTensors args = {{"x", x},
                         {"gate.W", Tensor::fromVector<float>({2, 1}, {g.w1, g.w2})},
                         {"gate.b", Tensor::fromVector<float>({1}, {g.b})}};
    Tensor y = single.call("forward", args).at("y");
    std::printf("%-4s w=(%g, %g) b=%g: %s\n", g.name, g.w1, g.w2, g.b, table(x, y).c_str());
  }
}

/// XOR(a, b) = AND(NAND(a, b), OR(a, b)): the first layer's two units are
/// the NAND and OR perceptrons, the second layer is AND.
void xorGate(examples::CompiledGraph &twoLayer, const Tensor &x) {
  const Gate &nand = gate("NAND"), &orGate = gate("OR"), &andGate = gate("AND");
  NamedTensors args = {
      {"x", x},
      {"hidden.W", Tensor::fromVector<float>({2, 2}, {nand.w1, orGate.w1, nand.w2, orGate.w2})},
      {"hidden.b", Tensor::fromVector<float>({2}, {nand.b, orGate.b})},
      {"out.W", Tensor::fromVector<float>({2, 1}, {andGate.w1, andGate.w2})},
      {"out.b", Tensor::fromVector<float>({1}, {andGate.b})}};
  Tensor y = twoLayer.call("forward", args).at("y");
  std::printf("XOR  two layers (NAND, OR -> AND): %s\n", table(x, y).c_str());
}

struct LearnOptions {
  int64_t epochs;
  double lr, margin;
  uint64_t seed;
  Backend backend;
};

/// Trains a fresh perceptron on one gate's truth table with SGD on the
/// perceptron criterion mean(relu(margin - s z)), s = +1/-1 the target's sign.
/// Its gradient is -s x on a sample that is wrong (or inside the margin) and 0
/// otherwise: Rosenblatt's rule. The margin makes z = 0 count as wrong, so the
/// all-but-zero start still moves.
void learnGate(const char *name, bool (*truth)(bool, bool), const Tensor &x, const LearnOptions &o) {
  ModelBuilder m("learned_gate");
  Var in = m.input("x", {kBatch, 2});
  Var t = m.labels("t", {kBatch, 1}); // f32 targets 0/1
  Var w = m.param("gate.W", {2, 1}, init::normal(0.01));
  Var b = m.param("gate.b", {1}, init::zeros());
  Var z = matmul(in, w) + b;
  m.output("y", step(z));
  Var sign = t * 2.0 - 1.0;
  m.loss(reduceMean(relu(-(sign * z) + o.margin)));
  CompiledModel compiled = compileModel(m, {.backend = o.backend, .optimizer = OptimizerKind::SGD});
  OptimizerConfig sgd = OptimizerConfig::defaults(OptimizerKind::SGD);
  sgd.lr = o.lr;
  Trainer trainer(compiled.trainStep, compiled.forward, m.initialParameters(o.seed),
                  {.optimizer = sgd, .batchSize = 4, .progress = false});
  std::vector<float> targets;
  for (int64_t i = 0; i < 4; ++i) targets.push_back(truth(x.at(2 * i) > 0.5, x.at(2 * i + 1) > 0.5));
  Tensor target = Tensor::fromVector<float>({4, 1}, targets);

  auto predict = [&] {
    NamedTensors args = trainer.parameters();
    args["x"] = x;
    return examples::callByName(*compiled.forward, args).at("y");
  };
  int64_t epoch = 0;
  while (epoch < o.epochs && correctRows(x, predict(), truth) < 4) {
    trainer.step(x, target);
    ++epoch;
  }
  Tensor y = predict();
  const Tensor &W = trainer.parameters().at("gate.W"), &B = trainer.parameters().at("gate.b");
  std::printf("learned %-4s after %3lld epochs, w=(%.3f, %.3f) b=%.3f: %s, %d/4 correct\n", name,
              (long long)epoch, W.at(0), W.at(1), B.at(0), table(x, y).c_str(), correctRows(x, y, truth));
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"Perceptron gates: AND/NAND/OR with the book's weights, XOR with two layers, "
               "and a perceptron that learns the gates"};
  LearnOptions learn{100, 0.1, 0.1, 0, Backend::Halide};
  std::string backend = "halide";
  app.add_option("--epochs", learn.epochs, "most training epochs per learned gate")->capture_default_str()
      ->check(cli::atLeast(1));
  app.add_option("--lr", learn.lr, "SGD learning rate of the learned perceptron")->capture_default_str()
      ->check(cli::positiveFinite());
  app.add_option("--margin", learn.margin, "perceptron criterion margin")->capture_default_str();
  app.add_option("--seed", learn.seed, "initial weights seed")->capture_default_str();
  app.add_option("--backend", backend, "halide or reference")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  try {
    learn.backend = examples::parseBackend(backend);
    Tensor x = allInputs();

    ModelBuilder single("perceptron");
    single.output("y", perceptronLayer(single, single.input("x", {kBatch, 2}), "gate", 1));
    examples::CompiledGraph singleGraph = examples::compileGraph(single, {"forward"}, learn.backend, false);
    fixedGates(singleGraph, x);

    ModelBuilder twoLayer("xor");
    Var hidden = perceptronLayer(twoLayer, twoLayer.input("x", {kBatch, 2}), "hidden", 2);
    twoLayer.output("y", perceptronLayer(twoLayer, hidden, "out", 1));
    examples::CompiledGraph xorGraph = examples::compileGraph(twoLayer, {"forward"}, learn.backend, false);
    xorGate(xorGraph, x);

    for (const Gate &g : kGates) learnGate(g.name, g.truth, x, learn);
    learnGate("XOR", [](bool a, bool b) { return a != b; }, x, learn);
    return 0;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "perceptron: error: %s\n", e.what());
    return 1;
  }
}
