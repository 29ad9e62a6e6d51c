// Lesson: activation functions (chapter 3). One DSL graph applies step,
// sigmoid, ReLU and tanh to a row of inputs; the example prints them at the
// book's sample points, shows softmax on the book's scores, and plots each
// function over [-5, 5].
#include "examples/ExampleSupport.h"
#include "examples/GraphCall.h"
#include "frontend/Ops.h"
#include "runtime/Plot.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>

using namespace nabla;
using namespace nabla::dsl;

namespace {
const char *const kActivations[] = {"step", "sigmoid", "relu", "tanh"};

std::string join(const Tensor &t) {
  std::string s;
  for (int64_t i = 0; i < t.numel(); ++i) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%s%.8f", i ? " " : "", t.at(i));
    s += buffer;
  }
  return s;
}
} // namespace

int main(int argc, char **argv) {
  CLI::App app{"Step, sigmoid, ReLU and tanh computed by a DSL graph, printed and plotted"};
  std::string backend = "halide", out = ".";
  int points = 101;
  app.add_option("--points", points, "samples over [-5, 5] for the plot")->capture_default_str()
      ->check(CLI::Range(2, 100000));
  app.add_option("--out", out, "directory for activations.png")->capture_default_str();
  app.add_option("--backend", backend, "halide or reference")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  try {
    ModelBuilder m("activations");
    Var x = m.input("x", {kBatch});
    m.output("step", step(x));
    m.output("sigmoid", sigmoid(x));
    m.output("relu", relu(x));
    m.output("tanh", dsl::tanh(x));
    Var scores = m.input("scores", {kBatch, 3});
    m.output("softmax", softmax(scores));
    examples::CompiledGraph graph =
        examples::compileGraph(m, {"forward"}, examples::parseBackend(backend), false);

    // The book's sample points, then softmax of its scores (0.3, 2.9, 4.0).
    Tensor samples = Tensor::fromVector<float>({3}, {-1.0f, 1.0f, 2.0f});
    Tensor bookScores = Tensor::fromVector<float>({1, 3}, {0.3f, 2.9f, 4.0f});
    examples::NamedTensors at = graph.call("forward", {{"x", samples}, {"scores", bookScores}});
    std::printf("x = %s\n", join(samples).c_str());
    for (const char *name : kActivations) std::printf("%-8s %s\n", name, join(at.at(name)).c_str());
    double sum = 0;
    for (int64_t i = 0; i < 3; ++i) sum += at.at("softmax").at(i);
    std::printf("softmax(%s) = %s (sum %.6f)\n", join(bookScores).c_str(), join(at.at("softmax")).c_str(), sum);

    std::vector<float> grid;
    for (int i = 0; i < points; ++i) grid.push_back(float(-5.0 + 10.0 * i / (points - 1)));
    Tensor xs = Tensor::fromVector<float>({int64_t(points)}, grid);
    examples::NamedTensors curves = graph.call("forward", {{"x", xs}, {"scores", bookScores}});
    std::vector<PlotPanel> panels;
    for (const char *name : kActivations) {
      PlotPanel p{.title = name, .xLabel = "x", .yLabel = "h(x)"};
      PlotSeries s; // one curve per panel: the title names it
      for (int i = 0; i < points; ++i) s.x.push_back(grid[i]), s.y.push_back(curves.at(name).at(i));
      p.series.push_back(s);
      panels.push_back(p);
    }
    createDirectories(out);
    std::string path = (std::filesystem::path(out) / "activations.png").string();
    plotFigure(path, panels, {.columns = 2});
    std::printf("wrote %s\n", path.c_str());
    return 0;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "activations: error: %s\n", e.what());
    return 1;
  }
}
