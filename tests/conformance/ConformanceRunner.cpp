// Runs ONNX's backend node tests (Debian's libonnx-testdata) through the
// importer and a backend, and reports: a line per failure and per skip (with
// its reason), counts per op type, the skip reasons grouped, and last the
// line "N passed, N failed, N skipped". Exits non-zero if anything failed, so
// ctest holds every test of a supported op to passing.
//
//   nabla-onnx-conformance [--backend NAME] [--filter SUBSTRING] [--verbose] [NODE_TEST_DIR]
#include "frontend/onnx/OnnxFiles.h"
#include "ir/Dialect.h"
#include "tests/conformance/NodeTest.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <map>
#include <set>

namespace fs = std::filesystem;
using namespace nabla;
using namespace nabla::conformance;

namespace {

struct Counts {
  int passed = 0, failed = 0, skipped = 0;
  void add(Outcome outcome) {
    if (outcome == Outcome::Pass) ++passed;
    else if (outcome == Outcome::Fail) ++failed;
    else ++skipped;
  }
};

/// The op type a node test exercises: the op of a single-node model, or
/// "(multi-node)" for the function-expanded variants.
std::string opTypeOf(const onnx::ModelProto &model) {
  std::set<std::string> types;
  for (const auto &node : model.graph().node()) types.insert(node.op_type());
  if (types.size() == 1) return *types.begin();
  return "(multi-node)";
}

/// The reason without the file path and node index, so that equal reasons
/// of different tests group together.
std::string reasonKey(const std::string &message) {
  std::string key = message;
  if (auto at = key.find("model.onnx: "); at != std::string::npos) key = key.substr(at + 12);
  if (key.rfind("node ", 0) == 0)
    if (auto at = key.find("): "); at != std::string::npos) {
      auto open = key.rfind('(', at);
      key = key.substr(open + 1, at - open - 1) + ": " + key.substr(at + 3);
    }
  const std::string graphInput = "graph input '";
  if (key.rfind(graphInput, 0) == 0)
    if (auto close = key.find('\'', graphInput.size()); close != std::string::npos)
      key = "graph input" + key.substr(close + 1);
  if (auto at = key.find("test_data_set_0/"); at != std::string::npos)
    key = key.substr(0, key.rfind(' ', at) + 1) + key.substr(key.find(": ", at) + 2);
  return key;
}

struct Options {
  fs::path root = "/usr/share/libonnx-testdata/data/node";
  std::string backend = "reference", filter;
  bool verbose = false;
};

void addOptions(CLI::App &app, Options &options) {
  std::vector<std::string> names;
  for (const auto &[name, backend] : backends()) names.push_back(name);
  app.add_option("--backend", options.backend, "what runs the imported models")
      ->check(CLI::IsMember(names))
      ->capture_default_str();
  app.add_option("--filter", options.filter, "run only the tests whose name contains this");
  app.add_flag("--verbose", options.verbose, "list the passing tests too");
  app.add_option("node_test_dir", options.root,
                 "ONNX's node tests: one directory per test (model.onnx, test_data_set_0/)")
      ->check(CLI::ExistingDirectory)
      ->capture_default_str();
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"nabla-onnx-conformance: runs ONNX's backend node tests through nabla's ONNX "
               "importer and a backend; exits 1 if any test fails",
               "nabla-onnx-conformance"};
  Options options;
  addOptions(app, options);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    return app.exit(e);
  }
  if (!fs::is_directory(options.root)) { // the default, when libonnx-testdata is missing
    std::cerr << "nabla-onnx-conformance: no such directory " << options.root
              << " (install libonnx-testdata or name the node tests' directory)\n";
    return 2;
  }
  auto backend = backends().find(options.backend);
  std::vector<fs::path> tests;
  for (const auto &entry : fs::directory_iterator(options.root))
    if (entry.is_directory() &&
        entry.path().filename().string().find(options.filter) != std::string::npos)
      tests.push_back(entry.path());
  std::sort(tests.begin(), tests.end());
  if (tests.empty()) { // a wrong directory or filter must not read as a clean run
    std::cerr << "nabla-onnx-conformance: no test directories in " << options.root
              << (options.filter.empty() ? "" : " whose name contains '" + options.filter + "'")
              << "\n";
    return 2;
  }

  mlir::DialectRegistry registry;
  registerNablaDialects(registry);
  std::map<std::string, Counts> byOp;
  std::map<std::string, std::vector<std::string>> skipsByReason;
  Counts total;
  for (const fs::path &dir : tests) {
    std::string name = dir.filename().string();
    std::string opType = "(unreadable model)";
    NodeTestResult result;
    try {
      opType = opTypeOf(onnx_io::loadModel((dir / "model.onnx").string()));
      mlir::MLIRContext context(registry); // fresh per test: no state leaks between tests
      result = runNodeTest(dir, backend->second, context);
    } catch (const std::exception &e) {
      result = {Outcome::Fail, e.what()};
    }
    byOp[opType].add(result.outcome);
    total.add(result.outcome);
    if (result.outcome == Outcome::Pass) {
      if (options.verbose) std::cout << "PASS " << name << "\n";
    } else {
      std::cout << (result.outcome == Outcome::Fail ? "FAIL " : "SKIP ") << name << ": "
                << result.message << "\n";
    }
    if (result.outcome == Outcome::Skip) skipsByReason[reasonKey(result.message)].push_back(name);
  }

  std::cout << "\nbackend " << options.backend << ", per op type (passed / failed / skipped):\n";
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
