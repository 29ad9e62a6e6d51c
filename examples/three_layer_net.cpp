// Lesson: a 3-layer network's forward pass (chapter 3). The book's network,
// 2 inputs -> 3 sigmoid units -> 2 sigmoid units -> 2 identity outputs, with
// its fixed weights, written as a DSL graph and run on the input (1.0, 0.5).
// Every layer's activations are outputs too, so the example shows the signal
// as it moves through the net.
#include "examples/ExampleSupport.h"
#include "examples/GraphCall.h"
#include "frontend/Ops.h"

#include <CLI/CLI.hpp>

#include <cstdio>

using namespace nabla;
using namespace nabla::dsl;

namespace {

/// The book's init_network(): W1 2x3, W2 3x2, W3 2x2 and their biases.
examples::NamedTensors bookWeights() {
  return {{"W1", Tensor::fromVector<float>({2, 3}, {0.1f, 0.3f, 0.5f, 0.2f, 0.4f, 0.6f})},
          {"b1", Tensor::fromVector<float>({3}, {0.1f, 0.2f, 0.3f})},
          {"W2", Tensor::fromVector<float>({3, 2}, {0.1f, 0.4f, 0.2f, 0.5f, 0.3f, 0.6f})},
          {"b2", Tensor::fromVector<float>({2}, {0.1f, 0.2f})},
          {"W3", Tensor::fromVector<float>({2, 2}, {0.1f, 0.3f, 0.2f, 0.4f})},
          {"b3", Tensor::fromVector<float>({2}, {0.1f, 0.2f})}};
}

std::string row(const Tensor &t) {
  std::string s = "[";
  for (int64_t i = 0; i < t.numel(); ++i) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%s%.8f", i ? " " : "", t.at(i));
    s += buffer;
  }
  return s + "]";
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"The book's 3-layer network forward pass with its fixed weights"};
  float x0 = 1.0f, x1 = 0.5f;
  std::string backend = "halide";
  app.add_option("--x0", x0, "first input")->capture_default_str();
  app.add_option("--x1", x1, "second input")->capture_default_str();
  app.add_option("--backend", backend, "halide or reference")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  try {
    ModelBuilder m("three_layer_net");
    Var x = m.input("x", {kBatch, 2});
    Var z1 = sigmoid(affine(x, m.param("W1", {2, 3}, init::zeros()), m.param("b1", {3}, init::zeros())));
    Var z2 = sigmoid(affine(z1, m.param("W2", {3, 2}, init::zeros()), m.param("b2", {2}, init::zeros())));
    Var y = identity(affine(z2, m.param("W3", {2, 2}, init::zeros()), m.param("b3", {2}, init::zeros())));
    m.output("z1", z1);
    m.output("z2", z2);
    m.output("y", y);
    examples::CompiledGraph graph =
        examples::compileGraph(m, {"forward"}, examples::parseBackend(backend), false);

    examples::NamedTensors args = bookWeights();
    args["x"] = Tensor::fromVector<float>({1, 2}, {x0, x1});
    examples::NamedTensors out = graph.call("forward", args);
    std::printf("x  = %s\n", row(args["x"]).c_str());
    std::printf("z1 = sigmoid(x W1 + b1)  = %s\n", row(out.at("z1")).c_str());
    std::printf("z2 = sigmoid(z1 W2 + b2) = %s\n", row(out.at("z2")).c_str());
    std::printf("y  = z2 W3 + b3          = %s\n", row(out.at("y")).c_str());
    return 0;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "three_layer_net: error: %s\n", e.what());
    return 1;
  }
}
