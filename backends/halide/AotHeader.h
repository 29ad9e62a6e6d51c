// The C header of an AOT library: documentation, the model's description
// for the nabla AOT runtime (runtime/aot/NablaAot.h, included verbatim so the
// header stands alone) and model-named inline wrappers:
// <name>_create / _predict / _predict_shaped / _destroy / _last_error.
#pragma once

#include "backends/halide/AotSignature.h"

#include <string>

namespace nabla::halide {

struct AotHeaderInfo {
  std::string name;          // C prefix and file stem
  std::string kernelSymbol;  // the Halide function; the header declares <symbol>_argv
  std::string halideTarget;  // for the documentation and error messages
  std::string deviceInterface; // e.g. "halide_cuda_device_interface", or empty (CPU)
};

/// The header's text.
std::string aotHeaderText(const AotSignature &signature, const AotHeaderInfo &info);

} // namespace nabla::halide
