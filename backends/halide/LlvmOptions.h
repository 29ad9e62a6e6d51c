// The LLVM options the code Halide generates from nabla's schedules is
// compiled with. Halide and nabla share one libLLVM, so its command-line
// options are set in-process, once, before the first pipeline is lowered.
#pragma once

#include <string>

namespace nabla::halide {

/// Sets the options below unless the user chose LLVM's options through
/// Halide's $HL_LLVM_ARGS; then theirs alone apply. Idempotent, thread-safe.
void configureLlvmCodegen();

/// The options in effect, as text for the JIT cache's key: the same IR
/// compiled under other options is other code.
std::string llvmCodegenOptions();

} // namespace nabla::halide
