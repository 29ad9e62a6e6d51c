#include "backends/halide/LlvmOptions.h"

#include "llvm/Support/CommandLine.h"

#include <cstdlib>
#include <mutex>

namespace nabla::halide {
namespace {

/// LLVM's SLP vectorizer packs the scalar address arithmetic of a register
/// tile into vectors: the rows of A a matmul or conv tile broadcasts from
/// lie at constant distances, and their addresses became one vector add and
/// a lane extract per row inside the innermost loop (SimpleConvNet's affine
/// layer: 6 such instructions per 16 FMAs, where plain base + displacement
/// addressing needs none). Every loop that should be vectorized is
/// vectorized by the schedule, so nothing is lost when the SLP vectorizer
/// only accepts trees that save more than this many cost units, i.e. none.
constexpr const char *kSlpThreshold = "1000";

const char *userOptions() {
  const char *user = std::getenv("HL_LLVM_ARGS");
  return user && *user ? user : nullptr;
}

} // namespace

void configureLlvmCodegen() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (userOptions()) return; // Halide parses them itself
    auto &options = llvm::cl::getRegisteredOptions();
    auto slp = options.find("slp-threshold");
    if (slp != options.end()) slp->second->addOccurrence(0, "slp-threshold", kSlpThreshold);
  });
}

std::string llvmCodegenOptions() {
  if (const char *user = userOptions()) return std::string("HL_LLVM_ARGS ") + user;
  return std::string("-slp-threshold=") + kSlpThreshold;
}

} // namespace nabla::halide
