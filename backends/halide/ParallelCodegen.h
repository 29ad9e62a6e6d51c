// Object files of a Halide pipeline with LLVM's code generator running on
// several threads. Halide's own compile_to_object lowers, optimizes and then
// generates machine code for the whole module on one thread; the last step is
// about a third of SimpleConvNet's training-step compile. Here the optimized
// module is split by function (llvm::SplitModule: the pipeline's parallel-loop
// bodies are functions of their own) and each part is compiled to its own
// object on its own thread, with the target machine Halide would use.
#pragma once

#include <string>
#include <vector>

namespace Halide {
class Pipeline;
struct Argument;
struct Target;
} // namespace Halide

namespace nabla::halide {

/// Compiles `pipeline` (arguments `args`, entry point `name`) for the CPU
/// `target` into `parts` object files named `stem`.0.o, `stem`.1.o, ...,
/// code-generated in parallel; returns their paths (a part may hold no
/// code). Linking them all gives what compile_to_object would. Throws
/// nabla::Error when a part cannot be compiled or written.
std::vector<std::string> compileToObjects(Halide::Pipeline &pipeline,
                                          const std::vector<Halide::Argument> &args,
                                          const std::string &name, const Halide::Target &target,
                                          const std::string &stem, unsigned parts);

/// How many parts compileToObjects should make here: the hardware threads,
/// at most 8; $NABLA_CODEGEN_THREADS overrides (1 = Halide's single-threaded
/// path).
unsigned codegenThreads();

} // namespace nabla::halide
