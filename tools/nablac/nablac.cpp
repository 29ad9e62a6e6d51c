// nablac: the nabla compiler driver. Reads a model (a .mlir file, an .onnx
// file or one of the textbook nets built with the DSL) and emits it at a
// chosen stage, or compiles it ahead of time (--target, see AotCommand.h).
#include "frontend/ModelBuilder.h"
#include "frontend/Nets.h"
#include "frontend/onnx/OnnxImporter.h"
#include "ir/Dialect.h"
#include "passes/Passes.h"
#include "runtime/Error.h"
#include "runtime/Optimizer.h"
#include "tools/nablac/AotCommand.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <fstream>
#include <set>
#include <iostream>

using namespace nabla;

namespace {

const std::map<std::string, std::string> kStages = {
    {"mlir", "the model as built or parsed, verified"},
    {"mlir-grad", "after --nabla-autodiff: adds <function>_grad"},
    {"mlir-train-step", "after --nabla-train-step: adds <function>_train_step"},
};
const std::vector<std::string> kModels = {"two_layer_net", "multi_layer_net", "simple_convnet",
                                          "deep_convnet"};

mlir::OwningOpRef<mlir::ModuleOp> buildLibraryModel(const std::string &name,
                                                     dsl::ModelBuilder &m) {
  if (name == "two_layer_net") dsl::defineTwoLayerNet(m);
  else if (name == "multi_layer_net") dsl::defineMultiLayerNet(m);
  else if (name == "simple_convnet") dsl::defineSimpleConvNet(m);
  else if (name == "deep_convnet") dsl::defineDeepConvNet(m);
  else throw Error("unknown model '" + name + "'");
  return m.build();
}

mlir::OwningOpRef<mlir::ModuleOp> parseFile(const std::string &path, mlir::MLIRContext &context) {
  std::string error;
  llvm::SourceMgr sources;
  auto buffer = llvm::MemoryBuffer::getFileOrSTDIN(path);
  if (!buffer) throw Error("cannot read " + path + ": " + buffer.getError().message());
  sources.AddNewSourceBuffer(std::move(*buffer), llvm::SMLoc());
  mlir::SourceMgrDiagnosticHandler handler(sources, &context, llvm::errs());
  auto module = mlir::parseSourceFile<mlir::ModuleOp>(sources, &context);
  if (!module) throw Error(path + ": invalid nabla IR (see the errors above)");
  return module;
}

/// LLVM tools spell long options with one dash (-emit=mlir); CLI11 reads
/// "-emit" as "-e mit". Rewrite known long names to the two-dash form.
std::vector<std::string> normalizeArguments(int argc, char **argv) {
  const std::set<std::string> longNames = {"emit",   "model",  "output", "function", "optimizer",
                                           "help",   "target", "entry",  "weights",  "name",
                                           "seed"};
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.size() > 2 && a[0] == '-' && a[1] != '-') {
      std::string name = a.substr(1, a.find('=') == std::string::npos ? std::string::npos : a.find('=') - 1);
      if (longNames.count(name)) a = "-" + a;
    }
    args.push_back(a);
  }
  std::reverse(args.begin(), args.end()); // CLI11 takes them in reverse order
  return args;
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"nablac: compile nabla models and emit them at any stage"};
  std::string input, model, emit = "mlir", output = "-", function = "loss", optimizer = "sgd";
  app.add_option("input", input, "a .mlir or .onnx file ('-' for .mlir on stdin)");
  app.add_option("--model", model, "a library model instead of a file")
      ->check(CLI::IsMember(kModels));
  std::string stages;
  for (auto &[stage, what] : kStages) stages += "\n  " + stage + ": " + what;
  app.add_option("-e,--emit", emit, "what to emit:" + stages)->check(CLI::IsMember(kStages));
  app.add_option("-o,--output", output, "output file ('-' for stdout)");
  app.add_option("--function", function, "the loss function to differentiate")->capture_default_str();
  app.add_option("--optimizer", optimizer, "optimizer for -emit=mlir-train-step")
      ->capture_default_str();
  tools::AotCommandOptions aot;
  tools::addAotOptions(app, aot);
  try {
    app.parse(normalizeArguments(argc, argv));
  } catch (const CLI::ParseError &e) {
    return app.exit(e);
  }

  try {
    if (input.empty() == model.empty()) throw Error("give either an input file or --model");
    std::unique_ptr<dsl::ModelBuilder> builder;
    mlir::DialectRegistry registry;
    registerNablaDialects(registry);
    mlir::MLIRContext fileContext(registry);
    mlir::OwningOpRef<mlir::ModuleOp> module;
    if (!model.empty()) {
      builder = std::make_unique<dsl::ModelBuilder>(model);
      module = buildLibraryModel(model, *builder);
    } else if (llvm::StringRef(input).endswith(".onnx")) {
      // Initializers become "param" arguments of @main; their values are
      // not part of the emitted IR.
      module = onnx_io::importOnnx(input, fileContext).module;
    } else {
      module = parseFile(input, fileContext);
    }
    if (tools::aotRequested(app, aot)) {
      tools::runAotCommand(*module, builder.get(), model.empty() ? input : model, output, aot);
      return 0;
    }

    mlir::MLIRContext *context = module->getContext();
    mlir::PassManager pm(context);
    if (emit == "mlir-grad" || emit == "mlir-train-step") pm.addPass(createAutodiffPass(function));
    if (emit == "mlir-train-step") {
      parseOptimizer(optimizer); // a clear error before running anything
      pm.addPass(createTrainStepPass(function, optimizer));
    }
    std::string diagnostics;
    mlir::ScopedDiagnosticHandler handler(context, [&](mlir::Diagnostic &d) {
      llvm::raw_string_ostream os(diagnostics);
      os << d.getLocation() << ": " << d.str() << "\n";
      for (auto &note : d.getNotes()) os << note.getLocation() << ": note: " << note.str() << "\n";
      return mlir::success();
    });
    if (mlir::failed(pm.run(*module)) || mlir::failed(mlir::verify(*module)))
      throw Error("compilation failed:\n" + diagnostics);

    std::string text;
    llvm::raw_string_ostream os(text);
    module->print(os);
    if (output == "-") {
      std::cout << os.str();
    } else {
      std::ofstream out(output);
      if (!(out << os.str())) throw Error("cannot write " + output);
    }
    return 0;
  } catch (const Error &e) {
    std::cerr << "nablac: error: " << e.what() << "\n";
    return 1;
  }
}
