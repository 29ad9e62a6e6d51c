#include "backends/halide/ParallelCodegen.h"

#include "runtime/Error.h"

#include "Halide.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/Triple.h"
#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/thread.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Transforms/IPO/AlwaysInliner.h"
#include "llvm/Transforms/Utils/SplitModule.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace Halide::Internal {
// Exported by libHalide14 but not declared in Halide.h: the target machine
// (CPU, features, PIC, fast-math options) Halide's own object output uses,
// read from the module flags its code generator set.
std::unique_ptr<llvm::TargetMachine> make_target_machine(const llvm::Module &module);
} // namespace Halide::Internal

namespace nabla::halide {
namespace {

// Halide runs its code generator on a 64 MB stack (deeply nested expressions
// recurse in instruction selection); the worker threads get the same.
constexpr unsigned kCodegenStackBytes = 64u << 20;

/// The machine code of one part, as Halide's emit_file makes it: the target's
/// library info, always-inline functions inlined, then the backend passes.
std::string emitObject(llvm::StringRef bitcode, const std::string &path) {
  llvm::LLVMContext context;
  auto parsed = llvm::parseBitcodeFile(llvm::MemoryBufferRef(bitcode, path), context);
  if (!parsed) return "cannot read back a split module: " + llvm::toString(parsed.takeError());
  llvm::Module &module = **parsed;
  auto machine = Halide::Internal::make_target_machine(module);
  if (!machine) return "no LLVM target machine for " + module.getTargetTriple();
  std::error_code ec;
  llvm::raw_fd_ostream out(path, ec, llvm::sys::fs::OF_None);
  if (ec) return "cannot write " + path + ": " + ec.message();
  llvm::legacy::PassManager passes;
  passes.add(new llvm::TargetLibraryInfoWrapperPass(llvm::Triple(module.getTargetTriple())));
  passes.add(llvm::createAlwaysInlinerLegacyPass());
  if (machine->addPassesToEmitFile(passes, out, nullptr, llvm::CGFT_ObjectFile))
    return "LLVM cannot emit object files for " + module.getTargetTriple();
  passes.run(module);
  out.close();
  if (out.has_error()) return "cannot write " + path + ": " + out.error().message();
  return "";
}

} // namespace

unsigned codegenThreads() {
  if (const char *env = std::getenv("NABLA_CODEGEN_THREADS"); env && *env)
    return std::max(1, std::atoi(env));
  return std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
}

std::vector<std::string> compileToObjects(Halide::Pipeline &pipeline,
                                          const std::vector<Halide::Argument> &args,
                                          const std::string &name, const Halide::Target &target,
                                          const std::string &stem, unsigned parts) {
  if (parts <= 1) {
    std::string path = stem + ".0.o";
    pipeline.compile_to_object(path, args, name, target);
    return {path};
  }
  Halide::Module module = pipeline.compile_to_module(args, name, target);
  // Each part travels as bitcode into a context of its own (an LLVMContext
  // is not shared between threads), as llvm::splitCodeGen does.
  std::vector<llvm::SmallString<0>> bitcode;
  {
    llvm::LLVMContext context;
    std::unique_ptr<llvm::Module> whole = Halide::compile_module_to_llvm_module(module, context);
    llvm::SplitModule(
        *whole, parts,
        [&](std::unique_ptr<llvm::Module> part) {
          llvm::raw_svector_ostream out(bitcode.emplace_back());
          llvm::WriteBitcodeToFile(*part, out);
        },
        /*PreserveLocals=*/false);
  }
  std::vector<std::string> paths(bitcode.size()), errors(bitcode.size());
  std::vector<llvm::thread> workers;
  for (size_t i = 0; i < bitcode.size(); ++i) {
    paths[i] = stem + "." + std::to_string(i) + ".o";
    workers.emplace_back(llvm::Optional<unsigned>(kCodegenStackBytes),
                         [&, i] { errors[i] = emitObject(bitcode[i], paths[i]); });
  }
  for (llvm::thread &worker : workers) worker.join();
  for (const std::string &error : errors)
    if (!error.empty()) {
      for (const std::string &path : paths) std::remove(path.c_str());
      throw Error("compiling @" + name + " to objects: " + error);
    }
  return paths;
}

} // namespace nabla::halide
