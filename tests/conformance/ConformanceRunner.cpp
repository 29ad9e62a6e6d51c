// Runs ONNX's backend node tests (model.onnx + test_data_set_0/{input,output}_N.pb
// per directory) through the importer and the reference interpreter, and
// compares every output with ONNX's tolerances (rtol 1e-3, atol 1e-7, as
// numpy.testing.assert_allclose). A model that uses something the importer
// reports as unsupported is a skip, with the reason printed; any other error
// or a wrong value is a failure. Prints counts per op type, the skip reasons
// grouped, and last the line "N passed, N failed, N skipped". Exits non-zero
// if anything failed.
//
//   nabla-onnx-conformance [--filter SUBSTRING] [--verbose] [NODE_TEST_DIR]
#include "backends/reference/Interpreter.h"
#include "frontend/onnx/OnnxFiles.h"
#include "frontend/onnx/OnnxImporter.h"
#include "ir/Dialect.h"

#include "mlir/IR/MLIRContext.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <set>

namespace fs = std::filesystem;
using namespace nabla;

namespace {

constexpr double kRelativeTolerance = 1e-3;
constexpr double kAbsoluteTolerance = 1e-7;

enum class Outcome { Pass, Fail, Skip };

struct Result {
  Outcome outcome;
  std::string message; // why it failed or was skipped
};

struct Counts {
  int passed = 0, failed = 0, skipped = 0;
};

/// The op type a node test exercises: the op of a single-node model, or
/// "(multi-node)" for the function-expanded variants.
std::string opTypeOf(const onnx::ModelProto &model) {
  std::set<std::string> types;
  for (const auto &node : model.graph().node()) types.insert(node.op_type());
  if (types.size() == 1) return *types.begin();
  return "(multi-node)";
}

/// Empty if `actual` matches `expected` within the tolerances, else why not.
std::string compare(const Tensor &actual, const Tensor &expected) {
  if (actual.shape() != expected.shape())
    return "shape " + shapeToString(actual.shape()) + ", expected " +
           shapeToString(expected.shape());
  for (int64_t i = 0; i < actual.numel(); ++i) {
    double a = actual.at(i), e = expected.at(i);
    if (std::isnan(a) && std::isnan(e)) continue;
    if (a == e) continue; // also equal infinities
    if (!(std::abs(a - e) <= kAbsoluteTolerance + kRelativeTolerance * std::abs(e))) {
      std::ostringstream os;
      os << std::setprecision(9) << "element " << i << " is " << a << ", expected " << e;
      return os.str();
    }
  }
  return "";
}

Result runTest(const fs::path &dir, mlir::MLIRContext &context) {
  onnx::ModelProto model = onnx_io::loadModel((dir / "model.onnx").string());
  fs::path data = dir / "test_data_set_0";

  // input_k.pb is the k-th graph input that is not an initializer.
  std::set<std::string> initializers;
  for (const auto &init : model.graph().initializer()) initializers.insert(init.name());
  std::map<std::string, Tensor> inputValues;
  int k = 0;
  for (const auto &in : model.graph().input()) {
    if (initializers.count(in.name())) continue;
    fs::path file = data / ("input_" + std::to_string(k++) + ".pb");
    try {
      inputValues[in.name()] = onnx_io::loadTensor(file.string());
    } catch (const Error &e) {
      // Sequences, optionals and element types nabla lacks (bool, uint8, ...).
      return {Outcome::Skip, std::string("test input unsupported: ") + e.what()};
    }
  }

  onnx_io::ImportOptions options;
  for (const std::string &name : onnx_io::constantOperandInputs(model))
    options.boundInputs[name] = inputValues.at(name);
  onnx_io::OnnxImport imported;
  try {
    imported = onnx_io::importOnnx(model, context, options);
  } catch (const onnx_io::UnsupportedError &e) {
    return {Outcome::Skip, e.what()};
  }

  std::vector<Tensor> args;
  for (const std::string &name : imported.inputNames) args.push_back(inputValues.at(name));
  for (auto &[name, value] : imported.params) args.push_back(value);
  std::vector<Tensor> outputs;
  try {
    outputs = reference::Interpreter(*imported.module).run("main", args);
  } catch (const Error &e) {
    // The importer is right but the oracle lacks the kernel (the reference
    // kernels of some ops land on other branches): a skip that says so.
    std::string message = e.what();
    if (message.find("has no reference kernel") != std::string::npos)
      return {Outcome::Skip, "reference interpreter: " + message.substr(0, message.find("' at ") + 1) +
                                 " has no reference kernel yet"};
    throw;
  }

  for (int i = 0; i < int(outputs.size()); ++i) {
    fs::path file = data / ("output_" + std::to_string(i) + ".pb");
    Tensor expected;
    try {
      expected = onnx_io::loadTensor(file.string());
    } catch (const Error &e) {
      return {Outcome::Skip, std::string("expected output unsupported: ") + e.what()};
    }
    std::string mismatch = compare(outputs[i], expected);
    if (!mismatch.empty())
      return {Outcome::Fail, "output " + std::to_string(i) + ": " + mismatch};
  }
  return {Outcome::Pass, ""};
}

/// The reason without the file path and node prefix, for grouping skips.
std::string reasonKey(const std::string &message) {
  std::string key = message;
  if (auto at = key.find("model.onnx: "); at != std::string::npos) key = key.substr(at + 12);
  if (key.rfind("node ", 0) == 0)
    if (auto at = key.find("): "); at != std::string::npos) {
      auto open = key.rfind('(', at);
      key = key.substr(open + 1, at - open - 1) + ": " + key.substr(at + 3);
    }
  if (key.rfind("graph input '", 0) == 0)
    if (auto at = key.find("': "); at != std::string::npos) key = "graph input: " + key.substr(at + 3);
  if (auto at = key.find("test_data_set_0/"); at != std::string::npos)
    key = key.substr(0, key.rfind(' ', at) + 1) + key.substr(key.find(": ", at) + 2);
  return key;
}

} // namespace

int main(int argc, char **argv) {
  fs::path root = "/usr/share/libonnx-testdata/data/node";
  std::string filter;
  bool verbose = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--filter" && i + 1 < argc) filter = argv[++i];
    else if (arg == "--verbose") verbose = true;
    else root = arg;
  }
  if (!fs::is_directory(root)) {
    std::cerr << "nabla-onnx-conformance: no such directory " << root << "\n";
    return 2;
  }
  std::vector<fs::path> tests;
  for (const auto &entry : fs::directory_iterator(root))
    if (entry.is_directory() && entry.path().filename().string().find(filter) != std::string::npos)
      tests.push_back(entry.path());
  std::sort(tests.begin(), tests.end());

  mlir::DialectRegistry registry;
  registerNablaDialects(registry);
  std::map<std::string, Counts> byOp;
  std::map<std::string, std::vector<std::string>> skipsByReason;
  Counts total;
  for (const fs::path &dir : tests) {
    std::string name = dir.filename().string();
    std::string opType = "(unreadable model)";
    Result result;
    try {
      opType = opTypeOf(onnx_io::loadModel((dir / "model.onnx").string()));
      mlir::MLIRContext context(registry); // fresh per test: no state leaks between tests
      result = runTest(dir, context);
    } catch (const std::exception &e) {
      result = {Outcome::Fail, e.what()};
    }
    Counts &c = byOp[opType];
    switch (result.outcome) {
    case Outcome::Pass:
      ++c.passed, ++total.passed;
      if (verbose) std::cout << "PASS " << name << "\n";
      break;
    case Outcome::Fail:
      ++c.failed, ++total.failed;
      std::cout << "FAIL " << name << ": " << result.message << "\n";
      break;
    case Outcome::Skip:
      ++c.skipped, ++total.skipped;
      std::cout << "SKIP " << name << ": " << result.message << "\n";
      skipsByReason[reasonKey(result.message)].push_back(name);
      break;
    }
  }

  std::cout << "\nper op type (passed / failed / skipped):\n";
  for (const auto &[op, c] : byOp)
    std::cout << "  " << std::left << std::setw(34) << op << c.passed << " / " << c.failed
              << " / " << c.skipped << "\n";
  std::cout << "\nskip reasons (count: reason):\n";
  for (const auto &[reason, names] : skipsByReason)
    std::cout << "  " << names.size() << ": " << reason << "\n";
  std::cout << "\n"
            << total.passed << " passed, " << total.failed << " failed, " << total.skipped
            << " skipped\n";
  return total.failed == 0 ? 0 : 1;
}
