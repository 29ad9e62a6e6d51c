// The optimizer updates compiled into training steps, checked two ways:
// against the ONNX conformance data for the training ops (one step with the
// stored inputs, attributes and outputs) and against the textbook's update
// code, run for many steps on f(x, y) = x^2 / 20 + y^2.
#include "tests/unit/GradCheck.h"
#include "tests/unit/TestSupport.h"

#include "frontend/Ops.h"
#include "frontend/onnx/OnnxFiles.h"
#include "passes/Passes.h"
#include "passes/gradients/OptimizerUpdate.h"
#include "runtime/Error.h"
#include "runtime/Optimizer.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/Pass/PassManager.h"

#include <cmath>
#include <filesystem>

using namespace nabla;
using namespace nabla::testing;
using reference::RefTensor;

namespace {
const std::string kOnnxNodeTests = "/usr/share/libonnx-testdata/data/node/";

/// A module with @update(p, g, slots..., hypers...) -> (p', slots'...) built by
/// the same buildOptimizerUpdate the train-step pass uses.
mlir::OwningOpRef<mlir::ModuleOp> updateModule(mlir::MLIRContext &context, OptimizerKind kind,
                                               llvm::ArrayRef<int64_t> shape) {
  mlir::OpBuilder b(&context);
  auto loc = b.getUnknownLoc();
  auto module = mlir::ModuleOp::create(loc);
  auto tensor = mlir::RankedTensorType::get(shape, b.getF32Type());
  auto scalar = mlir::RankedTensorType::get({}, b.getF32Type());
  auto slots = optimizerSlots(kind);
  auto hyperNames = optimizerHyperparameters(kind);
  llvm::SmallVector<mlir::Type> args(2 + slots.size(), tensor);
  args.append(hyperNames.size(), scalar);
  llvm::SmallVector<mlir::Type> results(1 + slots.size(), tensor);
  b.setInsertionPointToEnd(module.getBody());
  auto func = b.create<mlir::FuncOp>(loc, "update", b.getFunctionType(args, results));
  mlir::Block *body = func.addEntryBlock();
  b.setInsertionPointToEnd(body);
  std::map<std::string, mlir::Value> hypers;
  for (size_t i = 0; i < hyperNames.size(); ++i)
    hypers[hyperNames[i]] = body->getArgument(unsigned(2 + slots.size() + i));
  llvm::SmallVector<mlir::Value> slotValues;
  for (size_t i = 0; i < slots.size(); ++i) slotValues.push_back(body->getArgument(unsigned(2 + i)));
  grad::GradientBuilder gb(b, loc);
  auto u = grad::buildOptimizerUpdate(gb, kind, body->getArgument(0), body->getArgument(1),
                                      slotValues, hypers);
  llvm::SmallVector<mlir::Value> outs = {u.param};
  outs.append(u.slots.begin(), u.slots.end());
  b.create<mlir::ReturnOp>(loc, outs);
  return module;
}

float floatAttr(const onnx::NodeProto &node, const std::string &name, float fallback) {
  for (const auto &a : node.attribute())
    if (a.name() == name) return a.f();
  return fallback;
}

/// Runs ONNX node test `name` (inputs R, T, then X, G and the state tensors
/// of each parameter) through our update and compares every output.
void checkOnnxOptimizerTest(const std::string &name, OptimizerKind kind,
                            float epsilonIfUnset = 0.0f) {
  SCOPED_TRACE(name);
  std::string dir = kOnnxNodeTests + name;
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << dir << " missing (package libonnx-testdata)";
  onnx::ModelProto model = onnx_io::loadModel(dir + "/model.onnx");
  const onnx::NodeProto &node = model.graph().node(0);
  std::vector<Tensor> inputs, outputs;
  for (int i = 0; i < node.input_size(); ++i)
    inputs.push_back(onnx_io::loadTensor(dir + "/test_data_set_0/input_" + std::to_string(i) + ".pb"));
  for (int i = 0; i < node.output_size(); ++i)
    outputs.push_back(onnx_io::loadTensor(dir + "/test_data_set_0/output_" + std::to_string(i) + ".pb"));

  OptimizerConfig config;
  config.kind = kind;
  config.lr = inputs[0].at(0);
  long t = long(inputs[1].at(0));
  config.weightDecay = floatAttr(node, "norm_coefficient", 0);
  config.epsilon = floatAttr(node, "epsilon", epsilonIfUnset);
  config.momentum = config.beta1 = floatAttr(node, "alpha", 0.9f);
  config.gradScale = config.beta2 = floatAttr(node, "beta", 1.0f);
  config.lrDecay = floatAttr(node, "decay_factor", 0);
  // ONNX's Adam counts T from 1 and skips the bias correction at T = 0; our
  // step index counts from 0.
  if (kind == OptimizerKind::Adam) {
    config.biasCorrection = t > 0;
    t = std::max<long>(t - 1, 0);
  }
  std::map<std::string, double> hypers = config.hyperparameters(t);

  // Inputs after R and T: all X, then all G, then each state kind for all.
  size_t slots = optimizerSlots(kind).size();
  size_t numParams = (inputs.size() - 2) / (2 + slots);
  auto context = makeContext();
  for (size_t p = 0; p < numParams; ++p) {
    const Tensor &x = inputs[2 + p];
    auto module = updateModule(*context, kind, x.shape());
    std::vector<RefTensor> args = {RefTensor::fromTensor(x),
                                   RefTensor::fromTensor(inputs[2 + numParams + p])};
    for (size_t s = 0; s < slots; ++s)
      args.push_back(RefTensor::fromTensor(inputs[2 + (2 + s) * numParams + p]));
    for (const std::string &h : optimizerHyperparameters(kind)) args.push_back(RefTensor::scalar(hypers[h]));
    auto results = reference::Interpreter(*module).call("update", args);
    // Outputs: all X_new, then each state kind for all parameters.
    for (size_t r = 0; r < results.size(); ++r) {
      const Tensor &expected = outputs[r * numParams + p];
      expectNear(results[r], RefTensor::fromTensor(expected), /*rtol=*/1e-5, /*atol=*/1e-7);
    }
  }
}
} // namespace

TEST(OptimizerOnnx, Momentum) { checkOnnxOptimizerTest("test_momentum", OptimizerKind::Momentum); }
TEST(OptimizerOnnx, MomentumMultiple) {
  checkOnnxOptimizerTest("test_momentum_multiple", OptimizerKind::Momentum);
}
TEST(OptimizerOnnx, Nesterov) {
  checkOnnxOptimizerTest("test_nesterov_momentum", OptimizerKind::Nesterov);
}
TEST(OptimizerOnnx, AdaGrad) { checkOnnxOptimizerTest("test_adagrad", OptimizerKind::AdaGrad); }
TEST(OptimizerOnnx, AdaGradMultiple) {
  checkOnnxOptimizerTest("test_adagrad_multiple", OptimizerKind::AdaGrad);
}
TEST(OptimizerOnnx, Adam) { checkOnnxOptimizerTest("test_adam", OptimizerKind::Adam); }
TEST(OptimizerOnnx, AdamMultiple) {
  // ONNX's generator (onnx/backend/test/case/node/adam.py, export_adam_multiple)
  // computes the stored outputs with epsilon = 1e-2 but leaves the attribute
  // off the node; the data only agrees with that epsilon.
  checkOnnxOptimizerTest("test_adam_multiple", OptimizerKind::Adam, 1e-2f);
}

namespace {
/// The textbook's update code (common/optimizer.py) for one scalar parameter
/// pair, written as in the book: momentum keeps v = -lr * (our v).
struct BookOptimizer {
  OptimizerKind kind;
  double lr, momentum = 0.9, decay = 0.99, beta1 = 0.9, beta2 = 0.999;
  double v[2] = {0, 0}, h[2] = {0, 0}, m[2] = {0, 0};
  int iter = 0;

  void update(double p[2], const double g[2]) {
    ++iter;
    double lrT = lr * std::sqrt(1 - std::pow(beta2, iter)) / (1 - std::pow(beta1, iter));
    for (int k = 0; k < 2; ++k) switch (kind) {
      case OptimizerKind::SGD: p[k] -= lr * g[k]; break;
      case OptimizerKind::Momentum:
        v[k] = momentum * v[k] - lr * g[k];
        p[k] += v[k];
        break;
      case OptimizerKind::Nesterov: // Bengio's form, with the previous velocity
        p[k] += momentum * momentum * v[k] - (1 + momentum) * lr * g[k];
        v[k] = momentum * v[k] - lr * g[k];
        break;
      case OptimizerKind::AdaGrad:
        h[k] += g[k] * g[k];
        p[k] -= lr * g[k] / (std::sqrt(h[k]) + 1e-7);
        break;
      case OptimizerKind::RMSprop:
        h[k] = decay * h[k] + (1 - decay) * g[k] * g[k];
        p[k] -= lr * g[k] / (std::sqrt(h[k]) + 1e-7);
        break;
      case OptimizerKind::Adam:
        m[k] += (1 - beta1) * (g[k] - m[k]);
        h[k] += (1 - beta2) * (g[k] * g[k] - h[k]);
        p[k] -= lrT * m[k] / (std::sqrt(h[k]) + 1e-7);
        break;
      }
  }
};

/// Runs `steps` compiled training steps of f(x, y) = x^2/20 + y^2 on the
/// reference interpreter, from the book's start (-7, 2).
std::vector<std::array<double, 2>> compiledTrajectory(OptimizerKind kind, double lr, int steps) {
  dsl::ModelBuilder m("f");
  dsl::Var x = m.param("x", {}, dsl::init::zeros());
  dsl::Var y = m.param("y", {}, dsl::init::zeros());
  m.loss(x * x / 20.0 + y * y);
  auto module = m.build();
  mlir::PassManager pm(module->getContext());
  pm.addPass(createAutodiffPass("loss"));
  pm.addPass(createTrainStepPass("loss", optimizerName(kind)));
  EXPECT_TRUE(mlir::succeeded(pm.run(*module)));
  OptimizerConfig config = OptimizerConfig::defaults(kind);
  config.lr = lr;
  reference::Interpreter interp(*module);
  size_t slots = optimizerSlots(kind).size();
  // Arguments: x, y, slots of x, slots of y, hyperparameters.
  std::vector<RefTensor> params = {RefTensor::scalar(-7), RefTensor::scalar(2)};
  std::vector<RefTensor> state(2 * slots, RefTensor::scalar(0));
  std::vector<std::array<double, 2>> path;
  for (int t = 0; t < steps; ++t) {
    std::vector<RefTensor> args = params;
    args.insert(args.end(), state.begin(), state.end());
    for (const std::string &h : optimizerHyperparameters(kind))
      args.push_back(RefTensor::scalar(config.hyperparameters(t).at(h)));
    auto r = interp.call("loss_train_step", args);
    // Results: loss, x', y', state'...
    params = {r[1], r[2]};
    state.assign(r.begin() + 3, r.end());
    path.push_back({params[0][0], params[1][0]});
  }
  return path;
}
} // namespace

TEST(OptimizerTextbook, TrajectoriesMatchTheBooksCode) {
  // The book's optimizer_compare learning rates; RMSprop and Nesterov borrow
  // AdaGrad's and Momentum's.
  struct Case { OptimizerKind kind; double lr; };
  const Case cases[] = {{OptimizerKind::SGD, 0.95},     {OptimizerKind::Momentum, 0.1},
                        {OptimizerKind::Nesterov, 0.1}, {OptimizerKind::AdaGrad, 1.5},
                        {OptimizerKind::RMSprop, 0.1},  {OptimizerKind::Adam, 0.3}};
  for (const Case &c : cases) {
    SCOPED_TRACE(optimizerName(c.kind));
    auto path = compiledTrajectory(c.kind, c.lr, 30);
    BookOptimizer book{c.kind, c.lr};
    double p[2] = {-7, 2};
    for (int t = 0; t < 30; ++t) {
      double g[2] = {p[0] / 10.0, 2.0 * p[1]};
      book.update(p, g);
      EXPECT_NEAR(path[t][0], p[0], 1e-9 * (1 + std::abs(p[0]))) << "step " << t;
      EXPECT_NEAR(path[t][1], p[1], 1e-9 * (1 + std::abs(p[1]))) << "step " << t;
    }
    // Every optimizer makes progress towards the minimum at (0, 0).
    EXPECT_LT(std::abs(path.back()[0]), 7.0);
  }
}

TEST(OptimizerConfig, NamesAndErrors) {
  EXPECT_EQ(parseOptimizer("adam"), OptimizerKind::Adam);
  try {
    parseOptimizer("adamw");
    FAIL();
  } catch (const nabla::Error &e) {
    EXPECT_NE(std::string(e.what()).find("sgd, momentum, nesterov, adagrad, rmsprop, adam"),
              std::string::npos);
  }
  OptimizerConfig adam = OptimizerConfig::defaults(OptimizerKind::Adam);
  // The book's lr_t at iteration 1: lr * sqrt(1 - 0.999) / (1 - 0.9).
  EXPECT_NEAR(adam.hyperparameters(0).at("lr"), 0.001 * std::sqrt(0.001) / 0.1, 1e-15);
}
