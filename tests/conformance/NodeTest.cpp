#include "tests/conformance/NodeTest.h"

#include "frontend/onnx/OnnxFiles.h"
#include "frontend/onnx/OnnxImporter.h"

#include <cmath>
#include <iomanip>
#include <map>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace nabla::conformance {

namespace {

// ONNX's backend test tolerances (onnx/backend/test/case/node).
constexpr double kRelativeTolerance = 1e-3;
constexpr double kAbsoluteTolerance = 1e-7;

/// "sequence", "optional", ... for a graph input that is not a tensor.
std::string nonTensorKind(const onnx::TypeProto &type) {
  if (type.has_sequence_type()) return "a sequence";
  if (type.has_optional_type()) return "an optional";
  if (type.has_map_type()) return "a map";
  if (type.has_sparse_tensor_type()) return "a sparse tensor";
  return "of no tensor type";
}

} // namespace

std::string compareOutput(const Tensor &actual, const Tensor &expected) {
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

NodeTestResult runNodeTest(const fs::path &dir, const Backend &backend,
                           mlir::MLIRContext &context) {
  onnx::ModelProto model = onnx_io::loadModel((dir / "model.onnx").string());
  fs::path data = dir / "test_data_set_0";

  // input_k.pb is the k-th graph input that is not an initializer.
  std::set<std::string> initializers;
  for (const auto &init : model.graph().initializer()) initializers.insert(init.name());
  std::map<std::string, Tensor> inputValues;
  int k = 0;
  for (const auto &in : model.graph().input()) {
    if (initializers.count(in.name())) continue;
    if (!in.type().has_tensor_type())
      return {Outcome::Skip, "graph input '" + in.name() + "' is " + nonTensorKind(in.type()) +
                                 "; nabla takes tensors only"};
    fs::path file = data / ("input_" + std::to_string(k++) + ".pb");
    try {
      inputValues[in.name()] = onnx_io::loadTensor(file.string());
    } catch (const onnx_io::UnsupportedError &e) {
      // Element types nabla lacks (uint8, float16, string, ...). A missing or
      // unreadable file is a failure (the runner reports the Error).
      return {Outcome::Skip, std::string("test input unsupported: ") + e.what()};
    }
  }

  // Shapes and axes fed through graph inputs are fixed at import time.
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
  std::vector<Tensor> outputs = backend(*imported.module, args);

  for (int i = 0; i < int(outputs.size()); ++i) {
    Tensor expected =
        onnx_io::loadTensor((data / ("output_" + std::to_string(i) + ".pb")).string());
    std::string mismatch = compareOutput(outputs[i], expected);
    if (!mismatch.empty())
      return {Outcome::Fail, "output " + std::to_string(i) + ": " + mismatch};
  }
  return {Outcome::Pass, ""};
}

} // namespace nabla::conformance
