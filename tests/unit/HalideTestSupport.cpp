#include "tests/unit/HalideTestSupport.h"

#include "backends/halide/Emit.h"
#include "runtime/Error.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace nabla::testing {

std::mt19937 &rng() {
  static std::mt19937 generator(12345);
  return generator;
}

void reseed(uint32_t seed) { rng().seed(seed); }

Tensor randomTensor(const Shape &shape, float lo, float hi) {
  Tensor t(shape, DType::F32);
  std::uniform_real_distribution<float> dist(lo, hi);
  for (float &x : t.span<float>()) x = dist(rng());
  return t;
}

Tensor randomLabels(int64_t batch, int64_t classes) {
  Tensor t({batch}, DType::I64);
  std::uniform_int_distribution<int64_t> dist(0, classes - 1);
  for (int64_t &x : t.span<int64_t>()) x = dist(rng());
  return t;
}

halide::Executable compileSource(const std::string &source, const std::string &name,
                                 const std::string &target) {
  auto context = makeContext();
  auto module = parse(*context, source);
  if (!module) throw Error("test source does not parse");
  // The Executable keeps its own copy of the function: the module may die.
  return halide::Executable::compileJit(*module, name, target);
}

std::string halideStmt(const std::string &source, const std::string &name) {
  auto context = makeContext();
  auto module = parse(*context, source);
  if (!module) throw Error("test source does not parse");
  // A file of this process's own: ctest runs test cases side by side.
  static int calls = 0;
  std::string path = ::testing::TempDir() + "/" + name + "." + std::to_string(getpid()) + "." +
                     std::to_string(calls++) + ".stmt";
  halide::emitFunction(*module, name, halide::EmitKind::Stmt, path);
  std::string text;
  {
    std::ifstream in(path);
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  std::filesystem::remove(path);
  return text;
}

Oracle referenceOracle(const std::string &source, const std::string &name) {
  return [source, name](const std::vector<RefTensor> &args) {
    return runReference(source, name, args);
  };
}

std::vector<RefTensor> toRef(const std::vector<Tensor> &tensors) {
  std::vector<RefTensor> out;
  for (const Tensor &t : tensors) out.push_back(RefTensor::fromTensor(t));
  return out;
}

void expectTensorNear(const Tensor &actual, const RefTensor &expected, Tolerance tol,
                      const std::string &what) {
  ASSERT_EQ(actual.shape(), expected.shape) << what;
  int failures = 0;
  for (int64_t i = 0; i < expected.numel() && failures < 10; ++i) {
    double a = actual.at(i), e = expected[i];
    bool ok = std::abs(a - e) <= tol.atol + tol.rtol * std::abs(e) || (std::isnan(a) && std::isnan(e));
    if (!ok) {
      ++failures;
      ADD_FAILURE() << what << " element " << i << ": halide " << a << " vs oracle " << e;
    }
  }
}

void expectMatchesOracle(const std::string &source, const std::string &name,
                         const std::vector<Tensor> &inputs, const Oracle &oracle, Tolerance tol) {
  halide::Executable exe = compileSource(source, name);
  std::vector<Tensor> actual = exe.run(inputs);
  std::vector<RefTensor> expected = oracle(toRef(inputs));
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i)
    expectTensorNear(actual[i], expected[i], tol, "@" + name + " result " + std::to_string(i));
}

std::string tensorType(const Shape &shape, const std::string &element) {
  std::string s = "tensor<";
  for (int64_t d : shape) s += (d < 0 ? std::string("?") : std::to_string(d)) + "x";
  return s + element + ">";
}

std::string funcSource(const std::vector<std::string> &argTypes, const std::string &resultType,
                       const std::string &body) {
  std::string s = "func @f(";
  for (size_t i = 0; i < argTypes.size(); ++i)
    s += (i ? ", %a" : "%a") + std::to_string(i) + ": " + argTypes[i];
  return s + ") -> " + resultType + " {\n  " + body + "\n  return %y : " + resultType + "\n}\n";
}

} // namespace nabla::testing
