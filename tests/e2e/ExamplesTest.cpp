// The textbook examples end to end: each program runs (at a reduced size where
// it trains) and the numbers it prints are checked against values computed
// here independently or given by the book; the pictures it writes must be
// complete PNGs of the expected size.
#include "runtime/PngImage.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <sys/wait.h>

namespace {

namespace fs = std::filesystem;

/// Runs an example from the build's bin directory; returns its stdout and
/// fails the test if it exits non-zero.
/// Runs example `name` with `args`: its exit status (-1: it did not exit, a
/// crash) and everything it printed.
std::pair<int, std::string> runCommand(const std::string &name, const std::string &args) {
  std::string command = std::string(NABLA_EXAMPLES_DIR) + "/" + name + " " + args + " 2>&1";
  FILE *pipe = popen(command.c_str(), "r");
  if (!pipe) {
    ADD_FAILURE() << "cannot run " << command;
    return {-1, ""};
  }
  std::string output;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

/// Runs an example that must succeed; what it printed.
std::string runExample(const std::string &name, const std::string &args) {
  auto [status, output] = runCommand(name, args);
  EXPECT_EQ(status, 0) << name << " " << args << " printed:\n" << output;
  return output;
}

/// The training lessons read Debian's dataset-fashion-mnist; without it they are skipped.
#define SKIP_WITHOUT_FASHION_MNIST()                                                   \
  if (!fs::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")) \
  GTEST_SKIP() << "Debian's dataset-fashion-mnist is not installed"

/// A fresh directory for one test's pictures.
fs::path outDir(const std::string &test) {
  fs::path dir = fs::temp_directory_path() / ("nabla_examples_" + test);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void expectPng(const fs::path &path, int width, int height) {
  ASSERT_TRUE(fs::exists(path)) << path;
  nabla::PngInfo info = nabla::readPng(path.string());
  EXPECT_EQ(info.width, width) << path;
  EXPECT_EQ(info.height, height) << path;
}

/// The numbers on the first line of `output` that matches `prefix` (a regex
/// matched at the line's start), after that prefix.
std::vector<double> numbersAfter(const std::string &output, const std::string &prefix) {
  std::regex line("^" + prefix + "(.*)$", std::regex::multiline);
  std::smatch m;
  if (!std::regex_search(output, m, line)) {
    ADD_FAILURE() << "no line starting with '" << prefix << "' in:\n" << output;
    return {};
  }
  std::vector<double> values;
  std::regex number(R"([-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|[-+]?(inf|nan))");
  std::string rest = m[1];
  for (auto it = std::sregex_iterator(rest.begin(), rest.end(), number); it != std::sregex_iterator(); ++it)
    values.push_back(std::stod(it->str()));
  return values;
}

/// "00->0 10->0 01->0 11->1" for a gate, in the book's input order.
std::string truthTable(bool (*gate)(bool, bool)) {
  std::string s;
  for (auto [a, b] : {std::pair{0, 0}, {1, 0}, {0, 1}, {1, 1}})
    s += (s.empty() ? "" : " ") + std::to_string(a) + std::to_string(b) + "->" + std::to_string(int(gate(a, b)));
  return s;
}

bool andGate(bool a, bool b) { return a && b; }
bool nandGate(bool a, bool b) { return !(a && b); }
bool orGate(bool a, bool b) { return a || b; }
bool xorGate(bool a, bool b) { return a != b; }

} // namespace

TEST(Examples, PerceptronGates) {
  std::string out = runExample("perceptron", "--epochs 100");
  EXPECT_NE(out.find("AND  w=(0.5, 0.5) b=-0.7: " + truthTable(andGate)), std::string::npos) << out;
  EXPECT_NE(out.find("NAND w=(-0.5, -0.5) b=0.7: " + truthTable(nandGate)), std::string::npos) << out;
  EXPECT_NE(out.find("OR   w=(0.5, 0.5) b=-0.2: " + truthTable(orGate)), std::string::npos) << out;
  EXPECT_NE(out.find("XOR  two layers (NAND, OR -> AND): " + truthTable(xorGate)), std::string::npos) << out;
  // A single learned perceptron gets every linearly separable gate right and
  // at most three of XOR's four rows.
  using Gate = std::pair<std::string, bool (*)(bool, bool)>;
  for (const auto &[name, gate] : {Gate{"AND ", andGate}, Gate{"NAND", nandGate}, Gate{"OR  ", orGate}}) {
    std::regex learned("learned " + name + R"( after +\d+ epochs, .*: )" + truthTable(gate) +
                       ", 4/4 correct");
    EXPECT_TRUE(std::regex_search(out, learned)) << name << "\n" << out;
  }
  std::vector<double> xorLine = numbersAfter(out, "learned XOR");
  ASSERT_FALSE(xorLine.empty());
  EXPECT_EQ(xorLine.front(), 100); // used every epoch
  EXPECT_LT(xorLine[xorLine.size() - 2], 4); // "k/4 correct"
}

TEST(Examples, AppleGraphBookValues) {
  std::string out = runExample("apple_graph", "");
  EXPECT_EQ(numbersAfter(out, "forward: "), (std::vector<double>{200, 450, 650, 715}));
  std::map<std::string, double> expected = {{"apple", 2.2},      {"apple_num", 110}, {"orange", 3.3},
                                            {"orange_num", 165}, {"tax", 650}};
  for (auto [name, value] : expected) {
    std::vector<double> got = numbersAfter(out, "  d" + name + " ");
    ASSERT_EQ(got.size(), 1u) << name;
    EXPECT_NEAR(got[0], value, 1e-5 * value) << name; // f32: 2.2 is 2.2000000477
  }
}

TEST(Examples, AppleGraphOtherPrices) {
  double apple = 120, appleNum = 5, orange = 80, orangeNum = 7, tax = 1.08;
  std::string out = runExample("apple_graph", "--apple 120 --apple-num 5 --orange 80 --orange-num 7 --tax 1.08");
  double subtotal = apple * appleNum + orange * orangeNum;
  EXPECT_NEAR(numbersAfter(out, "forward: ").back(), subtotal * tax, 1e-3);
  // d(total)/d(each input) of (a*an + o*on)*t.
  std::map<std::string, double> expected = {{"apple", appleNum * tax},     {"apple_num", apple * tax},
                                            {"orange", orangeNum * tax},   {"orange_num", orange * tax},
                                            {"tax", subtotal}};
  for (auto [name, value] : expected)
    EXPECT_NEAR(numbersAfter(out, "  d" + name + " ").at(0), value, 1e-5 * value) << name;
}

TEST(Examples, ActivationsValuesAndPlot) {
  fs::path dir = outDir("activations");
  std::string out = runExample("activations", "--points 41 --out " + dir.string());
  std::vector<double> xs = {-1, 1, 2};
  std::map<std::string, double (*)(double)> reference = {
      {"step", [](double x) { return x > 0 ? 1.0 : 0.0; }},
      {"sigmoid", [](double x) { return 1 / (1 + std::exp(-x)); }},
      {"relu", [](double x) { return std::max(0.0, x); }},
      {"tanh", [](double x) { return std::tanh(x); }}};
  for (auto [name, f] : reference) {
    std::vector<double> got = numbersAfter(out, name + " +");
    ASSERT_EQ(got.size(), 3u) << name;
    for (size_t i = 0; i < 3; ++i) EXPECT_NEAR(got[i], f(xs[i]), 1e-6) << name << "(" << xs[i] << ")";
  }
  std::vector<double> softmax = numbersAfter(out, R"(softmax\(.*\) = )");
  ASSERT_EQ(softmax.size(), 4u); // three probabilities and their sum
  double scores[3] = {0.3, 2.9, 4.0}, total = 0;
  for (double s : scores) total += std::exp(s);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(softmax[i], std::exp(scores[i]) / total, 1e-6);
  expectPng(dir / "activations.png", 960, 720);
}

TEST(Examples, ThreeLayerNetBookOutput) {
  std::string out = runExample("three_layer_net", "");
  std::vector<double> y = numbersAfter(out, R"(y  = z2 W3 \+ b3 += )");
  ASSERT_EQ(y.size(), 2u);
  // The book's printed result: [0.31682708 0.69627909].
  EXPECT_NEAR(y[0], 0.31682708, 1e-6);
  EXPECT_NEAR(y[1], 0.69627909, 1e-6);
}

TEST(Examples, GradientDescentEndpoints) {
  fs::path dir = outDir("gradient_descent");
  std::string out = runExample("gradient_descent", "--out " + dir.string());
  // Gradients at the book's points: (2 x0, 2 x1), numerical and autodiff.
  for (auto [x0, x1] : {std::pair{3.0, 4.0}, {0.0, 2.0}, {3.0, 0.0}}) {
    std::ostringstream prefix;
    prefix << "  at \\(" << x0 << ", " << x1 << "\\): ";
    std::vector<double> g = numbersAfter(out, prefix.str());
    ASSERT_EQ(g.size(), 4u) << prefix.str();
    EXPECT_NEAR(g[0], 2 * x0, 1e-3);
    EXPECT_NEAR(g[1], 2 * x1, 1e-3);
    EXPECT_DOUBLE_EQ(g[2], 2 * x0);
    EXPECT_DOUBLE_EQ(g[3], 2 * x1);
  }
  // lr 0.1 scales x by (1 - 2 lr) = 0.8 per step: 100 steps land near 0.
  std::vector<double> good = numbersAfter(out, R"(lr 0\.1: )");
  ASSERT_GE(good.size(), 4u);
  EXPECT_NEAR(good[2], -3 * std::pow(0.8, 100), 1e-12);
  EXPECT_NEAR(good[3], 4 * std::pow(0.8, 100), 1e-12);
  EXPECT_NE(out.find("lr 10: (-3, 4) -> "), std::string::npos);
  EXPECT_NE(out.find("(diverged"), std::string::npos) << out;
  // lr 1e-10 moves the point by about 6e-8: it stays where it started.
  std::vector<double> tiny = numbersAfter(out, R"(lr 1e-10: )");
  ASSERT_GE(tiny.size(), 4u);
  EXPECT_NEAR(tiny[2], -3, 1e-7);
  EXPECT_NEAR(tiny[3], 4, 1e-7);
  EXPECT_NE(tiny[2], -3); // but it moved a little, as in the book
  expectPng(dir / "gradient_descent.png", 1040, 480);
}

// The flagship, briefly: it learns, and writes its history and checkpoint.
TEST(Examples, SimpleConvNetTrainsAndWritesItsRun) {
  SKIP_WITHOUT_FASHION_MNIST();
  fs::path dir = outDir("simple_convnet");
  std::string out = runExample("simple_convnet", "--train-limit 2000 --test-limit 500 --quiet --out " +
                                                     dir.string());
  std::vector<double> accuracy = numbersAfter(out, "simple_convnet: test accuracy ");
  ASSERT_EQ(accuracy.size(), 2u); // percent, epochs
  EXPECT_GT(accuracy[0], 50);
  EXPECT_EQ(accuracy[1], 1);
  for (const char *file : {"history.csv", "checkpoint.pb"}) EXPECT_TRUE(fs::exists(dir / file)) << file;
}

// Bad arguments: a message naming the option and the value, a non-zero
// exit, never a crash (seven lessons once segfaulted on 0 epochs or
// iterations, two divided by zero on --batch 0, an --out in the way of a
// file aborted on an uncaught exception).
TEST(Examples, BadArgumentsGetAMessageAndANonZeroExit) {
  fs::path dir = outDir("bad_arguments");
  std::string file = (dir / "a_file").string();
  std::ofstream(file) << "not a directory";
  struct Case {
    std::string example, args, message;
  };
  for (const Case &c : std::vector<Case>{
           {"simple_convnet", "--epochs 0", "--epochs: must be at least 1, got 0"},
           {"simple_convnet", "--lr -1", "--lr: must be a finite number above 0, got -1"},
           {"simple_convnet", "--train-limit -5", "--train-limit: must be at least 0, got -5"},
           {"two_layer_net", "--batch 0", "--batch: must be at least 1, got 0"},
           {"two_layer_net", "--check-h nan", "--check-h: must be a finite number above 0, got nan"},
           {"deep_convnet", "--batch 0", "--batch: must be at least 1, got 0"},
           {"optimizer_compare", "--iterations 0", "--iterations: must be at least 1, got 0"},
           {"weight_init_compare", "--iterations 0", "--iterations: must be at least 1, got 0"},
           {"overfitting", "--dropout 1.5", "--dropout: must be at least 0 and below 1, got 1.5"},
           {"simple_convnet_filters", "--epochs 0", "--epochs: must be at least 1, got 0"},
           {"augmentation", "--variants bogus", "--variants: bogus not in"},
           {"gradient_descent", "--steps 99999999999999999999", "--steps: 99999999999999999999 is out of range"},
           {"activations", "--out " + file, "cannot create directory '" + file + "'"},
           {"overfitting", "--out " + file, "cannot create directory '" + file + "'"},
           {"data_parallel", "--replicas 1", "--replicas: must be at least 2, got 1"},
           {"simple_convnet", "--replicas 0", "--replicas: must be at least 1, got 0"},
       }) {
    auto [status, output] = runCommand(c.example, c.args);
    EXPECT_GT(status, 0) << c.example << " " << c.args << " printed:\n" << output;
    EXPECT_NE(output.find(c.message), std::string::npos) << c.example << " " << c.args << " printed:\n" << output;
  }
}

TEST(Examples, TwoLayerNetGradientCheckAndCurves) {
  SKIP_WITHOUT_FASHION_MNIST();
  fs::path dir = outDir("two_layer_net");
  std::string out = runExample("two_layer_net", "--quiet --iterations 200 --train-size 2000 --test-size 1000 "
                                                "--check-entries 300 --plot " + (dir / "curves.png").string());
  // Backprop agrees with central differences to f32 accuracy: a wrong rule
  // (a transpose, a missing term) would be off by the gradient's own size.
  for (const char *param : {"affine1\\.W", "affine1\\.b", "affine2\\.W", "affine2\\.b"}) {
    std::vector<double> check = numbersAfter(out, std::string("  ") + param + " +");
    ASSERT_EQ(check.size(), 4u) << param;
    EXPECT_GT(check[1], 1e-4) << param; // the gradient is not trivially zero
    EXPECT_LT(check[2], 0.1) << param;  // max |numerical - backprop| / max |grad|
  }
  // 2000 images, batch 100: 200 iterations are 10 epochs, and learning happens.
  double firstLoss = numbersAfter(out, "epoch 1: loss ").at(0);
  double lastLoss = numbersAfter(out, "epoch 10: loss ").at(0);
  EXPECT_LT(lastLoss, 0.8 * firstLoss);
  std::vector<double> final = numbersAfter(out, "two_layer_net: test accuracy ");
  ASSERT_EQ(final.size(), 2u);
  EXPECT_GT(final[0], 60.0);
  EXPECT_EQ(final[1], 200);
  expectPng(dir / "curves.png", 1200, 480);
}

namespace {
/// The update rules of runtime/Optimizer.h, in double, on f = x^2/20 + y^2:
/// the oracle for the compiled training steps' paths.
std::pair<double, double> referencePath(const std::string &name, double lr, int steps) {
  double p[2] = {-7, 2}, a[2] = {0, 0}, b[2] = {0, 0};
  const double momentum = 0.9, rho = 0.99, beta1 = 0.9, beta2 = 0.999, eps = 1e-7;
  for (int t = 0; t < steps; ++t) {
    double g[2] = {p[0] / 10, 2 * p[1]};
    for (int i = 0; i < 2; ++i) {
      if (name == "sgd") p[i] -= lr * g[i];
      else if (name == "momentum") a[i] = momentum * a[i] + g[i], p[i] -= lr * a[i];
      else if (name == "nesterov") a[i] = momentum * a[i] + g[i], p[i] -= lr * (g[i] + momentum * a[i]);
      else if (name == "adagrad") a[i] += g[i] * g[i], p[i] -= lr * g[i] / (std::sqrt(a[i]) + eps);
      else if (name == "rmsprop")
        a[i] = rho * a[i] + (1 - rho) * g[i] * g[i], p[i] -= lr * g[i] / (std::sqrt(a[i]) + eps);
      else if (name == "adam") {
        a[i] = beta1 * a[i] + (1 - beta1) * g[i];
        b[i] = beta2 * b[i] + (1 - beta2) * g[i] * g[i];
        double rate = lr * std::sqrt(1 - std::pow(beta2, t + 1)) / (1 - std::pow(beta1, t + 1));
        p[i] -= rate * a[i] / (std::sqrt(b[i]) + eps);
      }
    }
  }
  return {p[0], p[1]};
}
} // namespace

TEST(Examples, OptimizerComparePaths) {
  SKIP_WITHOUT_FASHION_MNIST();
  fs::path dir = outDir("optimizer_compare");
  // Every optimizer on f.
  std::string out = runExample("optimizer_compare", "--skip-mnist --out " + dir.string() + " --steps 30");
  for (const char *name : {"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"}) {
    std::vector<double> line = numbersAfter(out, std::string(name) + " +lr ");
    ASSERT_EQ(line.size(), 7u) << name; // lr, start x y, end x y, steps, f
    auto [x, y] = referencePath(name, line[0], 30);
    EXPECT_NEAR(line[3], x, 1e-4) << name;
    EXPECT_NEAR(line[4], y, 1e-4) << name;
    EXPECT_LT(line[6], 0.2) << name; // from f(-7, 2) = 6.45, all end near the minimum
  }
  expectPng(dir / "optimizer_paths.png", 1440, 720);

  // The plainest and the most stateful briefly on the MLP: both learn.
  out = runExample("optimizer_compare", "--optimizers sgd adam --iterations 60 --smooth 9 --train-size 2000 "
                                        "--test-size 500 --out " + dir.string());
  for (const char *name : {"sgd", "adam"}) {
    std::vector<double> line = numbersAfter(out, std::string(name) + " +lr [0-9.e-]+ *: smoothed loss ");
    ASSERT_EQ(line.size(), 4u) << name; // first, last, iterations, accuracy
    EXPECT_LT(line[1], line[0]) << name;
    EXPECT_GT(line[3], 30.0) << name; // well above chance (10%)
  }
  expectPng(dir / "optimizer_mnist.png", 800, 480);
}

TEST(Examples, SimpleConvNetFiltersGainStructure) {
  SKIP_WITHOUT_FASHION_MNIST();
  fs::path dir = outDir("simple_convnet_filters");
  std::string out = runExample("simple_convnet_filters", "--train-size 10000 --test-size 2000 --columns 6 "
                                                         "--scale 4 --out " + dir.string());
  std::vector<double> before = numbersAfter(out, "conv1 before training: ");
  std::vector<double> after = numbersAfter(out, "conv1 after training: ");
  ASSERT_EQ(before.size(), 2u); // "rms R, neighbour correlation C"
  ASSERT_EQ(after.size(), 2u);
  // Before: the book's init, independent N(0, 0.01^2) draws, so the rms is
  // ~0.01 and neighbouring pixels are uncorrelated (750 draws: |c| ~ 0.04).
  EXPECT_NEAR(before[0], 0.01, 0.001);
  EXPECT_LT(std::fabs(before[1]), 0.1);
  // After 100 Adam steps the filters are smooth patterns (edges, blobs) far
  // from their starting values.
  EXPECT_GT(after[1], 0.3);
  EXPECT_GT(after[0], 2 * before[0]);
  EXPECT_GT(numbersAfter(out, R"(conv1 relative change .*: )").at(0), 1.0);
  std::vector<double> trained = numbersAfter(out, "trained ");
  ASSERT_EQ(trained.size(), 3u); // steps, images, accuracy
  EXPECT_EQ(trained[0], 100);
  EXPECT_GT(trained[2], 65.0);
  // 30 filters of 5x5 at scale 4 with 2-pixel gaps, 6 per row: 5 rows.
  for (const char *png : {"conv1_filters_before.png", "conv1_filters_after.png"})
    expectPng(dir / png, 6 * (5 * 4 + 2) + 2, 5 * (5 * 4 + 2) + 2);
}

namespace {
/// "mean M std S saturated|zero P%" of one activation histogram.
struct LayerLine {
  double mean, std, percent;
};
LayerLine layerLine(const std::string &out, const std::string &activation, const std::string &init, int layer) {
  std::vector<double> v = numbersAfter(out, activation + " +" + init + " +layer " + std::to_string(layer) + ": ");
  EXPECT_EQ(v.size(), 3u) << activation << " " << init << " layer " << layer;
  return v.size() == 3 ? LayerLine{v[0], v[1], v[2]} : LayerLine{NAN, NAN, NAN};
}
} // namespace

TEST(Examples, WeightInitHistogramShapesAndTraining) {
  SKIP_WITHOUT_FASHION_MNIST();
  fs::path dir = outDir("weight_init_compare");
  std::string out = runExample("weight_init_compare", "--samples 500 --iterations 150 --train-size 2000 "
                                                      "--test-size 500 --smooth 9 --out " + dir.string());
  // std 1: sigmoid and tanh pile up at their asymptotes (the book's 0/1 peaks).
  EXPECT_GT(layerLine(out, "sigmoid", "std=1", 5).percent, 50);
  EXPECT_GT(layerLine(out, "tanh", "std=1", 5).percent, 50);
  // std 0.01: every sigmoid output collapses onto 0.5, nothing saturates;
  // tanh (centred at 0) shrinks ~10x per layer.
  LayerLine tiny = layerLine(out, "sigmoid", "std=0\\.01", 5);
  EXPECT_NEAR(tiny.mean, 0.5, 0.01);
  EXPECT_LT(tiny.std, 0.02);
  EXPECT_EQ(tiny.percent, 0);
  EXPECT_LT(layerLine(out, "tanh", "std=0\\.01", 5).std, 1e-3);
  // Xavier: sigmoid and tanh stay spread over their range, unsaturated.
  for (const char *activation : {"sigmoid", "tanh"}) {
    LayerLine xavier = layerLine(out, activation, "Xavier", 5);
    EXPECT_GT(xavier.std, 4 * tiny.std) << activation;
    EXPECT_LT(xavier.percent, 5) << activation;
  }
  // ReLU: He keeps the scale from layer to layer, Xavier halves the variance
  // per layer, std 0.01 loses ~14x per layer.
  double he1 = layerLine(out, "relu", "He", 1).std, he5 = layerLine(out, "relu", "He", 5).std;
  EXPECT_GT(he5 / he1, 0.5);
  EXPECT_LT(he5 / he1, 2.0);
  EXPECT_LT(layerLine(out, "relu", "Xavier", 5).std / layerLine(out, "relu", "Xavier", 1).std, 0.5);
  EXPECT_LT(layerLine(out, "relu", "std=0\\.01", 5).std, 1e-4 * he5);
  // Pre-activations are symmetric: ReLU zeroes about half of them.
  for (int layer = 1; layer <= 5; ++layer) EXPECT_NEAR(layerLine(out, "relu", "He", layer).percent, 50, 10);
  for (const char *png : {"weight_init_sigmoid.png", "weight_init_tanh.png", "weight_init_relu.png"})
    expectPng(dir / png, 5 * 240, 4 * 180);

  // Training (figure 6-15): from std 0.01 the 5-layer ReLU net does not learn
  // (loss stays at ln 10); He learns fastest, Xavier in between.
  auto curve = [&](const std::string &init) {
    std::vector<double> v = numbersAfter(out, init + " *: smoothed loss ");
    EXPECT_EQ(v.size(), 4u) << init; // first, last, iterations, accuracy
    return v.size() == 4 ? v : std::vector<double>(4, NAN);
  };
  std::vector<double> small = curve("std=0\\.01"), xavier = curve("Xavier"), he = curve("He");
  EXPECT_NEAR(small[1], std::log(10.0), 0.01);
  EXPECT_LT(he[1], 0.6 * he[0]);
  EXPECT_LT(he[1], xavier[1]);
  EXPECT_LT(xavier[1], small[1]);
  EXPECT_GT(he[3], 50.0);
  expectPng(dir / "weight_init_mnist.png", 800, 480);
}

TEST(Examples, OverfittingAndItsCures) {
  SKIP_WITHOUT_FASHION_MNIST();
  fs::path dir = outDir("overfitting");
  std::string out = runExample("overfitting", "--test-size 1000 --out " + dir.string());
  auto result = [&](const std::string &run) {
    std::vector<double> v = numbersAfter(out, run + " *: after ");
    EXPECT_EQ(v.size(), 4u) << run; // epochs, train %, test %, gap
    if (v.size() != 4) return std::vector<double>(4, NAN);
    EXPECT_NEAR(v[3], v[1] - v[2], 0.011) << run; // the gap is what it says
    return v;
  };
  std::vector<double> plain = result("no regularization"), decay = result(R"(weight decay 0\.1)"),
                      drop = result(R"(dropout 0\.2)");
  // 300 images, 200 epochs: the unregularized 7-layer net memorizes them all
  // and generalizes far worse (the book's figure 6-20).
  EXPECT_EQ(plain[0], 200);
  EXPECT_GE(plain[1], 99.0);
  EXPECT_GT(plain[3], 15.0);
  // Weight decay and dropout both keep it from fitting the training set and
  // shrink the train/test gap to less than half.
  for (const auto &[name, run] : {std::pair{"weight decay", decay}, {"dropout", drop}}) {
    EXPECT_LT(run[1], plain[1] - 10) << name;
    EXPECT_LT(run[3], 0.5 * plain[3]) << name;
    EXPECT_GT(run[2], 50.0) << name; // still learning, not just crippled
  }
  expectPng(dir / "overfitting.png", 3 * 480, 360);
}

TEST(Examples, BatchNormLearnsAcrossInitScales) {
  SKIP_WITHOUT_FASHION_MNIST();
  fs::path dir = outDir("batchnorm_compare");
  std::string out = runExample("batchnorm_compare", "--scales 4 --epochs 10 --out " + dir.string());
  // Four scales, log-spaced from 1 to 1e-4 as np.logspace(0, -4, 4).
  for (int i = 0; i < 4; ++i) {
    double scale = std::pow(10.0, -4.0 * i / 3);
    std::ostringstream prefix;
    prefix << "scale " << std::setprecision(4) << scale << " *: batch norm ";
    std::vector<double> line = numbersAfter(out, prefix.str());
    ASSERT_FALSE(line.empty()) << prefix.str();
    double bn = line[0];
    if (i == 0) {
      // Weights of std 1 through five layers: logits ~1e4, the first update
      // overflows without batch norm; with it the net trains.
      EXPECT_NE(out.find("without diverged in epoch 1"), std::string::npos) << out;
      EXPECT_GT(bn, 20.0);
    } else if (i < 3) {
      // Small weights: without batch norm the signal vanishes and the net
      // predicts one class (chance level); with it, it learns.
      ASSERT_EQ(line.size(), 2u) << prefix.str();
      EXPECT_LT(line[1], 15.0) << scale;
      EXPECT_GT(bn, 60.0) << scale;
    }
  }
  expectPng(dir / "batchnorm_compare.png", 4 * 320, 240);
}

TEST(Examples, HyperparameterSearchRanksLogUniformDraws) {
  SKIP_WITHOUT_FASHION_MNIST();
  fs::path dir = outDir("hyperparameter_search");
  const int trials = 12;
  std::string out = runExample("hyperparameter_search", "--trials 12 --epochs 20 --best 4 --out " + dir.string());
  struct Row { double lr, wd, acc; };
  std::vector<Row> rows;
  for (int i = 0; i < trials; ++i) {
    std::vector<double> v = numbersAfter(out, "trial +" + std::to_string(i) + ": lr ");
    ASSERT_EQ(v.size(), 3u) << i; // lr, weight decay, accuracy
    rows.push_back({v[0], v[1], v[2]});
    // Drawn inside the book's ranges; 100 validation images: whole percents.
    EXPECT_GE(v[0], 1e-6);
    EXPECT_LE(v[0], 1e-2);
    EXPECT_GE(v[1], 1e-8);
    EXPECT_LE(v[1], 1e-4);
    EXPECT_EQ(v[2], std::round(v[2]));
  }
  // Log-uniform, not uniform: uniform draws on [1e-6, 1e-2] would put ~99% of
  // learning rates above 1e-4; here about half are below.
  int below = 0;
  for (const Row &r : rows) below += r.lr < 1e-4;
  EXPECT_GE(below, 3);
  EXPECT_LE(below, 9);
  // The ranking is the trials sorted by validation accuracy.
  double bestAcc = 0;
  for (const Row &r : rows) bestAcc = std::max(bestAcc, r.acc);
  double previous = 101;
  for (int rank = 1; rank <= 4; ++rank) {
    std::vector<double> b = numbersAfter(out, "best-" + std::to_string(rank) + ": trial ");
    ASSERT_EQ(b.size(), 4u) << rank; // trial, lr, weight decay, accuracy
    const Row &r = rows.at(size_t(b[0]));
    EXPECT_EQ(b[1], r.lr);
    EXPECT_EQ(b[3], r.acc);
    EXPECT_LE(b[3], previous);
    previous = b[3];
    if (rank == 1) EXPECT_EQ(b[3], bestAcc);
  }
  // What the book finds: learning rates near 1e-2 learn, those below 1e-4 do
  // not (in 80 SGD steps they barely move the weights).
  double fast = 0, slow = 0;
  int nFast = 0, nSlow = 0;
  for (const Row &r : rows) {
    if (r.lr > 1e-3) fast += r.acc, ++nFast;
    if (r.lr < 1e-4) {
      slow += r.acc, ++nSlow;
      EXPECT_LT(r.acc, 20.0) << r.lr;
    }
  }
  ASSERT_GT(nFast, 0);
  ASSERT_GT(nSlow, 0);
  EXPECT_GT(fast / nFast, slow / nSlow + 10);
  EXPECT_GT(numbersAfter(out, "best-1: trial ").at(1), 1e-3);
  expectPng(dir / "hyperparameter_search.png", 2 * 480, 360);
  expectPng(dir / "hyperparameter_best.png", 4 * 320, 240);
}

TEST(Examples, DataParallelReplicasFollowTheSingleStep) {
  SKIP_WITHOUT_FASHION_MNIST();
  std::string out = runExample("data_parallel", "--replicas 3 --train-size 1000 --test-size 500");
  for (const char *run : {"single step  epoch 2: loss ", "3 replicas   epoch 2: loss "}) {
    std::vector<double> epoch = numbersAfter(out, run);
    ASSERT_EQ(epoch.size(), 5u) << run; // loss, train %, test %, seconds, images/s
    EXPECT_LT(epoch[0], 2.0) << run;    // below ln(10) = 2.30: it learned
  }
  // steps, loss gap, the two test accuracies, the largest difference (and the
  // digits of its parameter's name and index). Batches of 100 split 34/33/33:
  // averaging the shards' gradients by their sizes gives the batch's, so after
  // 20 Adam steps only rounding separates the runs.
  std::vector<double> after = numbersAfter(out, "after ");
  ASSERT_GE(after.size(), 5u);
  EXPECT_EQ(after[0], 20);
  EXPECT_LT(after[1], 1e-5);
  EXPECT_EQ(after[2], after[3]);
  EXPECT_LT(after[4], 1e-4);
  EXPECT_EQ(numbersAfter(out, "training time: single step ").size(), 4u);
}

TEST(Examples, HalfPrecisionWeightsKeepAccuracy) {
  SKIP_WITHOUT_FASHION_MNIST();
  std::string out = runExample("half_precision", "--train-size 5000 --test-size 2000");
  // The example's own f32 evaluation (the forward function called by name)
  // agrees with the trainer's.
  std::vector<double> epoch = numbersAfter(out, "epoch 1: loss ");
  ASSERT_EQ(epoch.size(), 5u); // loss, train %, test %, seconds, images/s
  std::vector<double> f32 = numbersAfter(out, "f32 : test accuracy ");
  ASSERT_EQ(f32.size(), 2u); // accuracy, images
  EXPECT_EQ(f32[0], epoch[2]);
  const double images = f32[1];
  EXPECT_EQ(images, 2000);
  // accuracy, difference, predictions changed, max relative error, 2, -14, weights below 2^-14
  std::vector<double> f16 = numbersAfter(out, "f16 : test accuracy ");
  std::vector<double> bf16 = numbersAfter(out, "bf16: test accuracy ");
  ASSERT_EQ(f16.size(), 7u);
  ASSERT_EQ(bf16.size(), 7u);
  // Rounding to nearest is off by at most half a unit in the last place:
  // 2^-11 of the value with f16's 10 mantissa bits, 2^-8 with bf16's 7.
  EXPECT_GT(f16[3], 0);
  EXPECT_LE(f16[3], std::ldexp(1.0, -11) * 1.001); // printed with 4 digits
  EXPECT_LE(bf16[3], std::ldexp(1.0, -8) * 1.001);
  EXPECT_GT(bf16[3], 4 * f16[3]);
  EXPECT_EQ(f16[6], bf16[6]); // the same weights
  for (const auto &v : {f16, bf16}) {
    EXPECT_NEAR(v[1], v[0] - f32[0], 0.011);
    // Accuracy can move by at most the predictions that changed, and those
    // are few: the book's point, half precision loses nothing that matters.
    EXPECT_LE(std::fabs(v[1]), 100 * v[2] / images + 0.011);
    EXPECT_LE(v[2], 0.005 * images);
  }
}

TEST(Examples, AugmentationTeachesInvariance) {
  SKIP_WITHOUT_FASHION_MNIST();
  fs::path dir = outDir("augmentation");
  // 1000 images: on 500 the shift run's gain sat on the 5-point bar below
  // (+5.15, then +5.00 after a change of rounding), so rounding decided.
  std::string out = runExample("augmentation", "--train-size 1000 --epochs 30 --test-size 2000 --eval-every 10 "
                                               "--samples 6 --out " + dir.string());
  std::map<std::string, std::vector<double>> runs; // train %, test %, gap, transformed test %
  for (const char *name : {"none", "flip", "shift", "crop", "all"}) {
    runs[name] = numbersAfter(out, std::string(name) + " *: train accuracy ");
    ASSERT_EQ(runs[name].size(), 4u) << name;
    EXPECT_NEAR(runs[name][2], runs[name][0] - runs[name][1], 0.011) << name;
  }
  // Test images mirrored, shifted and zoomed at random: a model trained on
  // the plain images loses much of its accuracy on them...
  EXPECT_LT(runs["none"][3], runs["none"][1] - 15);
  // ...each transformation learned recovers part of it, all three the most.
  for (const char *name : {"flip", "shift", "crop"}) EXPECT_GT(runs[name][3], runs["none"][3] + 5) << name;
  for (const char *name : {"flip", "shift", "crop"}) EXPECT_GT(runs["all"][3], runs[name][3] + 5) << name;
  // The augmented runs fit their training images less closely: the gap
  // between train and test accuracy narrows.
  EXPECT_LT(runs["all"][2], runs["none"][2] - 3);
  // Five rows (none, flip, shift, crop, all) of 6 samples, 28x28 at scale 3.
  for (int row = 1; row <= 5; ++row) EXPECT_NE(out.find("sample row " + std::to_string(row) + ": "), std::string::npos);
  expectPng(dir / "augmentation_samples.png", 6 * (28 * 3 + 2) + 2, 5 * (28 * 3 + 2) + 2);
  expectPng(dir / "augmentation.png", 800, 480);
}

namespace {
/// Weights and biases of a 3x3 convolution, an affine layer.
int64_t conv3x3(int64_t in, int64_t out) { return out * in * 9 + out; }
int64_t affine(int64_t in, int64_t out) { return in * out + out; }
} // namespace

TEST(Examples, DeepConvNetAndResidualVariantLearn) {
  SKIP_WITHOUT_FASHION_MNIST();
  fs::path dir = outDir("deep_convnet");
  std::string out = runExample("deep_convnet", "--train-size 2000 --test-size 500 --smooth 5 --out " + dir.string());
  // The architectures' sizes: six 3x3 convolutions 16, 16, 32, 32, 64, 64;
  // DeepConvNet's padding makes 64x4x4 features after three pools, the
  // residual variant's 64x3x3 (28 -> 14 -> 7 -> 3).
  int64_t convs = conv3x3(1, 16) + conv3x3(16, 16) + conv3x3(16, 32) + conv3x3(32, 32) + conv3x3(32, 64) +
                  conv3x3(64, 64);
  std::map<std::string, int64_t> params = {{"deep_convnet", convs + affine(64 * 4 * 4, 50) + affine(50, 10)},
                                           {"residual_convnet", convs + affine(64 * 3 * 3, 50) + affine(50, 10)}};
  double deepAccuracy = 0;
  for (const auto &[name, count] : params) {
    // parameters, iterations, first and last smoothed loss, accuracy, seconds
    std::vector<double> v = numbersAfter(out, name + " *: ");
    ASSERT_EQ(v.size(), 6u) << name;
    EXPECT_EQ(v[0], count) << name;
    EXPECT_EQ(v[1], 20) << name; // 2000 images / batch 100
    EXPECT_LT(v[3], 0.9 * v[2]) << name; // the loss falls...
    EXPECT_GT(v[4], 25.0) << name;      // ...and 20 Adam steps are well above chance (10%)
    if (name == "deep_convnet") deepAccuracy = v[4];
  }
  // The misclassified count is what the accuracy says, and every listed
  // image's prediction differs from its label.
  std::vector<double> wrong = numbersAfter(out, "deep_convnet misclassified ");
  ASSERT_GE(wrong.size(), 2u + 3 * 20);
  EXPECT_EQ(wrong[1], 500);
  EXPECT_NEAR(wrong[0], 500 * (1 - deepAccuracy / 100), 0.01);
  for (size_t k = 2; k + 2 < wrong.size(); k += 3) EXPECT_NE(wrong[k + 1], wrong[k + 2]) << "image " << wrong[k];
  expectPng(dir / "deep_convnet.png", 800, 480);
  expectPng(dir / "deep_convnet_misclassified.png", 10 * (28 * 2 + 2) + 2, 2 * (28 * 2 + 2) + 2);
}
