// One ONNX backend node test: a directory holding model.onnx and
// test_data_set_0/{input,output}_N.pb. Running it imports the model, runs it
// on a backend and compares each output with the stored one at ONNX's
// tolerances.
#pragma once

#include "tests/conformance/Backends.h"

#include "mlir/IR/MLIRContext.h"

#include <filesystem>
#include <string>

namespace nabla::conformance {

enum class Outcome { Pass, Fail, Skip };

struct NodeTestResult {
  Outcome outcome = Outcome::Pass;
  std::string message; // why it failed or was skipped
};

/// A skip is a model that uses something nabla does not support (reported by
/// the importer as UnsupportedError, or test data of a type nabla lacks);
/// every other error and every wrong value is a failure.
NodeTestResult runNodeTest(const std::filesystem::path &dir, const Backend &backend,
                           mlir::MLIRContext &context);

/// Empty if `actual` matches `expected` within rtol 1e-3, atol 1e-7 (as
/// numpy.testing.assert_allclose: |a - e| <= atol + rtol * |e|), else why not.
std::string compareOutput(const Tensor &actual, const Tensor &expected);

} // namespace nabla::conformance
