// Lesson: numerical differentiation and gradient descent (chapter 4) on
// f(x0, x1) = x0^2 + x1^2, written as a DSL graph. The gradient comes two
// ways: central differences through the compiled forward function, and the
// autodiff pass's @loss_grad. Descent from (-3, 4) then shows a good learning
// rate (0.1) reaching the minimum, a large one (10) diverging and a tiny one
// (1e-10) barely moving.
#include "examples/ExampleSupport.h"
#include "examples/GraphCall.h"
#include "frontend/Ops.h"
#include "runtime/Plot.h"
#include "tools/CliChecks.h"

#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>

using namespace nabla;
using namespace nabla::dsl;

namespace {

struct Point {
  double x0, x1;
};

class Function {
public:
  explicit Function(examples::CompiledGraph &graph) : graph_(graph) {}
  double value(Point p) const { return graph_.call("forward", args(p)).at("f").at(0); }
  /// (f(x + h) - f(x - h)) / 2h per coordinate, as the book's numerical_gradient.
  Point numericalGradient(Point p, double h) const {
    return {(value({p.x0 + h, p.x1}) - value({p.x0 - h, p.x1})) / (2 * h),
            (value({p.x0, p.x1 + h}) - value({p.x0, p.x1 - h})) / (2 * h)};
  }
  Point autodiffGradient(Point p) const {
    Tensor g = graph_.call("loss_grad", args(p)).at("grad:x");
    return {g.at(0), g.at(1)};
  }

private:
  static examples::NamedTensors args(Point p) {
    return {{"x", Tensor::fromVector<float>({2}, {float(p.x0), float(p.x1)})}};
  }
  examples::CompiledGraph &graph_;
};

/// The book's gradient_descent: x -= lr * grad(x), `steps` times. The point
/// is kept in double on the host (the graph sees it rounded to f32), so a tiny
/// step still accumulates as it does in the book's NumPy.
std::vector<Point> descend(const Function &f, Point start, double lr, int steps, bool numerical, double h) {
  std::vector<Point> path = {start};
  Point p = start;
  for (int i = 0; i < steps; ++i) {
    Point g = numerical ? f.numericalGradient(p, h) : f.autodiffGradient(p);
    p = {p.x0 - lr * g.x0, p.x1 - lr * g.x1};
    path.push_back(p);
  }
  return path;
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"Numerical and autodiff gradients of x0^2 + x1^2, and gradient descent from (-3, 4)"};
  std::vector<double> rates = {0.1, 10, 1e-10};
  int steps = 100;
  // f32 evaluation: f's rounding error (~2e-6 at f = 25) divided by 2h is
  // the gradient's error, so h is larger than the book's double-precision 1e-4.
  double h = 1e-2;
  bool numerical = false;
  std::string backend = "halide", out = ".";
  app.add_option("--lr", rates, "learning rates to try")->capture_default_str()->check(cli::positiveFinite());
  app.add_option("--steps", steps, "descent steps")->capture_default_str()->check(cli::atLeast(1));
  app.add_option("--h", h, "central-difference step")->capture_default_str()->check(cli::positiveFinite());
  app.add_flag("--numerical", numerical, "descend along the numerical gradient (default: autodiff)");
  app.add_option("--out", out, "directory for gradient_descent.png")->capture_default_str();
  app.add_option("--backend", backend, "halide or reference")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  try {
    ModelBuilder m("square_sum");
    Var x = m.param("x", {2}, init::zeros());
    Var f = reduceSum(square(x));
    m.output("f", f);
    m.loss(f);
    examples::CompiledGraph graph =
        examples::compileGraph(m, {"forward", "loss_grad"}, examples::parseBackend(backend), true);
    Function fn(graph);

    std::printf("gradient of f(x0, x1) = x0^2 + x1^2 (numerical with h = %g | autodiff):\n", h);
    for (Point p : {Point{3, 4}, Point{0, 2}, Point{3, 0}}) {
      Point n = fn.numericalGradient(p, h), a = fn.autodiffGradient(p);
      std::printf("  at (%g, %g): (%.4f, %.4f) | (%g, %g)\n", p.x0, p.x1, n.x0, n.x1, a.x0, a.x1);
    }

    const Point start{-3, 4};
    PlotPanel trajectory{.title = "descent from (-3, 4)", .xLabel = "x0", .yLabel = "x1",
                         .xMin = -4.5, .xMax = 4.5, .yMin = -4.5, .yMax = 4.5};
    trajectory.contour = PlotContour{[](double a, double b) { return a * a + b * b; }, {1, 4, 9, 16, 25}};
    PlotPanel distance{.title = "distance to the minimum", .xLabel = "step", .yLabel = "log10 |x|"};
    for (double lr : rates) {
      std::vector<Point> path = descend(fn, start, lr, steps, numerical, h);
      Point end = path.back();
      // A diverging run leaves f32's range: report the step where it did.
      size_t overflow = 0;
      while (overflow < path.size() && std::isfinite(float(path[overflow].x0)) &&
             std::isfinite(float(path[overflow].x1)))
        ++overflow;
      bool diverged = overflow < path.size() || std::hypot(end.x0, end.x1) > std::hypot(start.x0, start.x1);
      std::printf("lr %g: (%g, %g) -> (%.10g, %.10g) after %d steps", lr, start.x0, start.x1, end.x0, end.x1, steps);
      if (overflow < path.size()) std::printf(" (diverged: beyond f32 range at step %zu)", overflow);
      else if (diverged) std::printf(" (diverged)");
      std::printf("\n");
      char label[32];
      std::snprintf(label, sizeof label, "lr %g", lr);
      PlotSeries along{.label = label, .points = true}, log{.label = label};
      for (size_t i = 0; i < path.size(); ++i) {
        along.x.push_back(path[i].x0), along.y.push_back(path[i].x1);
        log.x.push_back(double(i)), log.y.push_back(std::log10(std::hypot(path[i].x0, path[i].x1)));
      }
      trajectory.series.push_back(along);
      distance.series.push_back(log);
    }
    createDirectories(out);
    std::string path = (std::filesystem::path(out) / "gradient_descent.png").string();
    plotFigure(path, {trajectory, distance}, {.columns = 2, .panelWidth = 520, .panelHeight = 480});
    std::printf("wrote %s\n", path.c_str());
    return 0;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "gradient_descent: error: %s\n", e.what());
    return 1;
  }
}
