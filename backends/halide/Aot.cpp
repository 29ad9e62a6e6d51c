#include "backends/halide/Aot.h"

#include "backends/halide/AotArchive.h"
#include "backends/halide/AotEmbedded.h"
#include "backends/halide/AotHeader.h"
#include "backends/halide/AotSignature.h"
#include "backends/halide/FunctionLowering.h"
#include "backends/halide/Targets.h"
#include "runtime/Error.h"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace nabla::halide {

namespace {

void checkName(const std::string &name) {
  // A letter first: C reserves file-scope names that begin with an underscore.
  bool ok = !name.empty() && std::isalpha(static_cast<unsigned char>(name[0]));
  for (char c : name) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  if (!ok)
    throw Error("AOT library name '" + name +
                "' must be a C identifier that starts with a letter (it prefixes the generated "
                "functions)");
}

namespace fs = std::filesystem;

/// Where compileAot builds its outputs before moving them into place: a
/// hidden directory beside them, removed with everything in it unless
/// release()d, so a failed compile leaves neither partial outputs nor
/// objects behind (and an output directory it created, if still empty).
class StagingDirectory {
public:
  StagingDirectory(const fs::path &outDir, const std::string &name) : outDir_(outDir) {
    std::error_code error;
    createdOutDir_ = !fs::exists(outDir, error);
    fs::create_directories(outDir, error);
    if (error) throw Error("cannot create " + outDir.string() + ": " + error.message());
    path_ = outDir / ("." + name + ".staging");
    fs::remove_all(path_, error); // left by a killed run
    fs::create_directories(path_, error);
    if (error) throw Error("cannot create " + path_.string() + ": " + error.message());
  }
  ~StagingDirectory() {
    std::error_code error;
    fs::remove_all(path_, error);
    if (!released_ && createdOutDir_) fs::remove(outDir_, error); // only if empty
  }
  StagingDirectory(const StagingDirectory &) = delete;
  StagingDirectory &operator=(const StagingDirectory &) = delete;
  std::string file(const std::string &name) const { return (path_ / name).string(); }
  /// Moves the staged `files` (names inside the staging directory) into the
  /// output directory. Checked first, so that a directory in the way of one
  /// of them fails the call before any output is replaced.
  void release(const std::vector<std::string> &files) {
    for (const std::string &name : files)
      if (fs::is_directory(outDir_ / name))
        throw Error("cannot write " + (outDir_ / name).string() + ": it is a directory");
    for (const std::string &name : files) {
      std::error_code error;
      fs::rename(path_ / name, outDir_ / name, error);
      if (error) throw Error("cannot write " + (outDir_ / name).string() + ": " + error.message());
    }
    released_ = true;
  }

private:
  fs::path outDir_, path_;
  bool createdOutDir_ = false, released_ = false;
};

void writeText(const std::string &path, const std::string &text) {
  std::ofstream out(path, std::ios::binary);
  if (!(out << text) || !(out.flush())) throw Error("cannot write " + path + ": " + std::strerror(errno));
}

} // namespace

std::string aotTargetString(const std::string &target) {
  return parseTarget(target, "AOT target").to_string();
}

AotOutput compileAot(mlir::ModuleOp module, const std::string &entry, const AotOptions &options,
                     const std::map<std::string, Tensor> *weights) {
  checkName(options.name);
  auto func = module.lookupSymbol<mlir::FuncOp>(entry);
  if (!func) throw Error("no function @" + entry + " in the module");
  checkLowerable(func);
  AotSignature signature = aotSignature(func);
  Halide::Target target = parseTarget(options.target, "AOT target");
  std::string deviceInterface = deviceInterfaceOf(target);

  StagingDirectory staging(options.outDir, options.name);
  fs::path dir(options.outDir);
  AotOutput out;
  out.library = (dir / (options.name + ".a")).string();
  out.header = (dir / (options.name + ".h")).string();
  out.halideTarget = target.to_string();
  std::vector<std::string> files = {options.name + ".a", options.name + ".h"};
  // The weights first: their errors are cheap to find, the compile is not.
  if (weights) {
    out.weights = (dir / (options.name + ".weights")).string();
    files.push_back(options.name + ".weights");
    writeAotWeights(module, entry, *weights, staging.file(files.back()));
  }

  // The JIT's pipeline and schedule, compiled to an object without a runtime
  // (the runtime comes once, separately) and with a user_context argument,
  // through which the AOT runtime catches errors and serves scratch memory.
  LoweredFunction lowered = lowerFunction(func, target, options.schedule);
  std::vector<Halide::Argument> arguments(lowered.inputs.begin(), lowered.inputs.end());
  std::string kernel = options.name + "_kernel";
  std::string kernelObject = staging.file(kernel + ".o");
  std::string runtimeObject = staging.file(options.name + "_halide_runtime.o");
  try {
    lowered.pipeline.compile_to(
        {{Halide::OutputFileType::object, kernelObject}}, arguments, kernel,
        target.with_feature(Halide::Target::NoRuntime).with_feature(Halide::Target::UserContext));
    Halide::compile_standalone_runtime(runtimeObject, target);
  } catch (const Halide::Error &e) {
    throw Error("@" + entry + ": Halide compile error for " + out.halideTarget + ": " + e.what());
  }
  writeStaticLibrary(staging.file(files[0]), {kernelObject, runtimeObject},
                     {embedded::aotRuntimeArchive(), embedded::aotWeightsArchive()});
  writeText(staging.file(files[1]), aotHeaderText(signature, {options.name, kernel, out.halideTarget,
                                                              deviceInterface}));
  staging.release(files);
  return out;
}

} // namespace nabla::halide
