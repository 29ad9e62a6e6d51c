#include "backends/halide/Aot.h"

#include "backends/halide/AotArchive.h"
#include "backends/halide/AotEmbedded.h"
#include "backends/halide/AotHeader.h"
#include "backends/halide/AotSignature.h"
#include "backends/halide/FunctionLowering.h"
#include "backends/halide/Targets.h"
#include "runtime/Error.h"

#include <cctype>
#include <filesystem>
#include <fstream>

namespace nabla::halide {

namespace {

void checkName(const std::string &name) {
  bool ok = !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0]));
  for (char c : name) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  if (!ok)
    throw Error("AOT library name '" + name +
                "' must be a C identifier (it prefixes the generated functions)");
}

void writeText(const std::string &path, const std::string &text) {
  std::ofstream out(path, std::ios::binary);
  if (!(out << text) || !(out.flush())) throw Error("cannot write " + path);
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

  namespace fs = std::filesystem;
  std::error_code error;
  fs::create_directories(options.outDir, error);
  if (error) throw Error("cannot create " + options.outDir + ": " + error.message());
  fs::path dir(options.outDir);
  AotOutput out;
  out.library = (dir / (options.name + ".a")).string();
  out.header = (dir / (options.name + ".h")).string();
  out.halideTarget = target.to_string();
  // The weights first: their errors are cheap to find, the compile is not.
  if (weights) {
    out.weights = (dir / (options.name + ".weights")).string();
    writeAotWeights(module, entry, *weights, out.weights);
  }

  // The JIT's pipeline and schedule, compiled to an object without a runtime
  // (the runtime comes once, separately) and with a user_context argument,
  // through which the AOT runtime catches errors and serves scratch memory.
  LoweredFunction lowered = lowerFunction(func, target, options.schedule);
  std::vector<Halide::Argument> arguments(lowered.inputs.begin(), lowered.inputs.end());
  std::string kernel = options.name + "_kernel";
  fs::path objects = dir / ("." + options.name + ".objects");
  fs::create_directories(objects, error);
  if (error) throw Error("cannot create " + objects.string() + ": " + error.message());
  std::string kernelObject = (objects / (kernel + ".o")).string();
  std::string runtimeObject = (objects / (options.name + "_halide_runtime.o")).string();
  try {
    lowered.pipeline.compile_to(
        {{Halide::OutputFileType::object, kernelObject}}, arguments, kernel,
        target.with_feature(Halide::Target::NoRuntime).with_feature(Halide::Target::UserContext));
    Halide::compile_standalone_runtime(runtimeObject, target);
  } catch (const Halide::Error &e) {
    fs::remove_all(objects, error);
    throw Error("@" + entry + ": Halide compile error for " + out.halideTarget + ": " + e.what());
  }
  try {
    writeStaticLibrary(out.library, {kernelObject, runtimeObject},
                       {embedded::aotRuntimeArchive(), embedded::aotWeightsArchive()});
  } catch (const Error &) {
    fs::remove_all(objects, error);
    throw;
  }
  fs::remove_all(objects, error);
  writeText(out.header, aotHeaderText(signature, {options.name, kernel, out.halideTarget,
                                                  deviceInterface}));
  return out;
}

} // namespace nabla::halide
