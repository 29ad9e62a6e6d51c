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

Options parseOptions(int argc, char **argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--filter" && i + 1 < argc) options.filter = argv[++i];
    else if (arg == "--backend" && i + 1 < argc) options.backend = argv[++i];
    else if (arg == "--verbose") options.verbose = true;
    else options.root = arg;
  }
  return options;
}

} // namespace

int main(int argc, char **argv) {
  Options options = parseOptions(argc, argv);
  if (!fs::is_directory(options.root)) {
    std::cerr << "nabla-onnx-conformance: no such directory " << options.root << "\n";
    return 2;
  }
  auto backend = backends().find(options.backend);
  if (backend == backends().end()) {
    std::cerr << "nabla-onnx-conformance: unknown backend '" << options.backend << "'\n";
    return 2;
  }
  std::vector<fs::path> tests;
  for (const auto &entry : fs::directory_iterator(options.root))
    if (entry.is_directory() &&
        entry.path().filename().string().find(options.filter) != std::string::npos)
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
