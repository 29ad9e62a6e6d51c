// nablac: the nabla compiler driver. Reads a model (a .mlir file, an .onnx
// file or one of the textbook nets built with the DSL) and emits it at a
// chosen stage: MLIR after any part of the pass pipeline, Halide's loop nest,
// LLVM IR or assembly of a function, a JIT run with a timing and memory
// report, an ONNX file, or an ahead-of-time library (-emit=aot, AotCommand.h).
#include "frontend/ModelBuilder.h"
#include "frontend/Nets.h"
#include "backends/halide/Emit.h"
#include "frontend/onnx/OnnxExportFile.h"
#include "frontend/onnx/OnnxImporter.h"
#include "ir/Dialect.h"
#include "passes/Passes.h"
#include "passes/Pipelines.h"
#include "runtime/Error.h"
#include "runtime/Optimizer.h"
#include "tools/CliChecks.h"
#include "tools/NestingCheck.h"
#include "tools/OutputFile.h"
#include "tools/nablac/AotCommand.h"
#include "tools/nablac/JitRun.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>
#include <set>
#include <sstream>

using namespace nabla;
using tools::checkWritable;
using tools::writeText;

namespace {

// Stages in pipeline order: each emits the module after the passes of the
// ones above it (as far as they apply: a model without @<function> skips
// autodiff and the train step from mlir-fused on).
const std::vector<std::pair<std::string, std::string>> kStages = {
    {"mlir", "the model as built or parsed, verified"},
    {"mlir-grad", "after --nabla-autodiff: adds <function>_grad"},
    {"mlir-train-step", "after --nabla-train-step: adds <function>_train_step"},
    {"mlir-fused", "after fusion (--no-fuse skips it), CSE and canonicalization"},
    {"mlir-im2col", "after lowering conv and pooling to im2col + GEMM"},
    {"mlir-planned", "after --nabla-plan-memory at --batch (offsets, arena bytes)"},
    {"halide-stmt", "Halide's lowered loop nest of --entry (the optimized pipeline)"},
    {"llvm", "LLVM IR of --entry for the host CPU"},
    {"asm", "host assembly of --entry"},
    {"jit", "JIT-compile --entry for --target (default host; host-cuda: a GPU), run it on seeded "
            "inputs at --batch, report times and memory"},
    {"aot", "a static library, C header and weights file of --entry (default forward) for "
            "--target (default host) in the -o directory"},
    {"onnx", "an ONNX model of @forward (@main for .onnx input; --function picks another) "
             "with its parameters as initializers (needs -o)"},
};
int stageIndex(const std::string &stage) {
  for (size_t i = 0; i < kStages.size(); ++i)
    if (kStages[i].first == stage) return int(i);
  return -1;
}
bool emitsMlir(const std::string &stage) { return stage.rfind("mlir", 0) == 0; }

const std::vector<std::string> kModels = {"two_layer_net", "multi_layer_net", "simple_convnet",
                                          "deep_convnet"};

struct Options {
  std::string function = "loss", optimizer = "sgd", entry, dumpIrDir;
  int64_t batch = 100;
  int runs = 5;
  bool fuse = true, winograd = true, im2col = false, printIrAfterAll = false;
};

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
  llvm::SourceMgr sources;
  auto buffer = llvm::MemoryBuffer::getFileOrSTDIN(path);
  if (!buffer) throw Error("cannot read " + path + ": " + buffer.getError().message());
  tools::checkNesting((*buffer)->getBuffer(), path);
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
                                           "seed",   "batch",  "runs"};
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

/// Adds the passes of every stage up to `stage`; mlir-im2col and later
/// lower to im2col only when asked (-emit=mlir-im2col or --im2col).
PipelineOptions pipelineFor(const std::string &stage, const Options &o, bool hasLoss) {
  int at = stageIndex(stage);
  bool pastTrainStep = at > stageIndex("mlir-train-step");
  PipelineOptions p;
  p.lossFunction = o.function;
  p.autodiff = at >= stageIndex("mlir-grad") && (hasLoss || !pastTrainStep);
  p.optimizer = at >= stageIndex("mlir-train-step") && (hasLoss || !pastTrainStep) ? o.optimizer : "";
  p.fuse = at >= stageIndex("mlir-fused") && o.fuse;
  p.cleanup = at >= stageIndex("mlir-fused");
  p.im2col = stage == "mlir-im2col" || (at >= stageIndex("mlir-fused") && o.im2col);
  p.winograd = at >= stageIndex("mlir-fused") && o.winograd;
  p.planMemoryBatch = stage == "mlir-planned" ? o.batch : 0;
  return p;
}

/// The function -emit=halide-stmt|llvm|asm|jit compiles by default: the
/// training step if there is one, else @forward, else @main (ONNX).
std::string defaultEntry(mlir::ModuleOp module, const Options &o) {
  for (std::string name : {o.function + "_train_step", std::string("forward"), std::string("main")})
    if (module.lookupSymbol<mlir::FuncOp>(name)) return name;
  throw Error("no @" + o.function + "_train_step, @forward or @main: name one with --entry");
}

struct LoadedModel {
  std::unique_ptr<dsl::ModelBuilder> builder; // a library model's, kept alive
  mlir::OwningOpRef<mlir::ModuleOp> module;
  tools::DefaultWeights defaults; // parameter values without --weights
  bool fromOnnx = false;
};

/// A library model (with its initial values for `seed`), an .onnx file (with
/// its initializers; they are not part of the IR) or a .mlir file.
LoadedModel loadModel(const std::string &input, const std::string &model, uint64_t seed,
                      mlir::MLIRContext &fileContext) {
  LoadedModel loaded;
  if (!model.empty()) {
    loaded.builder = std::make_unique<dsl::ModelBuilder>(model);
    loaded.module = buildLibraryModel(model, *loaded.builder);
    loaded.defaults = {loaded.builder->initialParameters(seed),
                       "the initial values of " + model + " for seed " + std::to_string(seed)};
  } else if (llvm::StringRef(input).endswith(".onnx")) {
    onnx_io::OnnxImport imported = onnx_io::importOnnx(input, fileContext);
    loaded.module = std::move(imported.module);
    loaded.defaults = {{imported.params.begin(), imported.params.end()},
                       "the initializers of " + input};
    loaded.fromOnnx = true;
  } else {
    loaded.module = parseFile(input, fileContext);
  }
  return loaded;
}

/// Runs `pipeline` (with the dump and print options) and verifies the result.
void runPasses(mlir::ModuleOp module, const PipelineOptions &pipeline, const Options &o) {
  if (!pipeline.optimizer.empty()) parseOptimizer(pipeline.optimizer); // a clear error first
  mlir::MLIRContext *context = module->getContext();
  mlir::PassManager pm(context);
  buildPipeline(pm, pipeline);
  if (!o.dumpIrDir.empty()) enableIrDumps(pm, o.dumpIrDir, module);
  if (o.printIrAfterAll) enableIrPrinting(pm);
  std::string diagnostics;
  mlir::ScopedDiagnosticHandler handler(context, [&](mlir::Diagnostic &d) {
    llvm::raw_string_ostream os(diagnostics);
    os << d.getLocation() << ": " << d.str() << "\n";
    for (auto &note : d.getNotes()) os << note.getLocation() << ": note: " << note.str() << "\n";
    return mlir::success();
  });
  if (mlir::failed(pm.run(module)) || mlir::failed(mlir::verify(module)))
    throw Error("compilation failed:\n" + diagnostics);
}

/// -emit=halide-stmt|llvm|asm of `entry` to `output` ('-': stdout).
void emitHalide(mlir::ModuleOp module, const std::string &entry, const std::string &emit,
                const std::string &output, const halide::Schedule &schedule) {
  halide::EmitKind kind = emit == "halide-stmt" ? halide::EmitKind::Stmt
                          : emit == "llvm"      ? halide::EmitKind::Llvm
                                                : halide::EmitKind::Assembly;
  // Halide writes a file: a temporary one, whose text then goes to `output`.
  tools::writeThroughTemporary(output, [&](const std::string &path) {
    halide::emitFunction(module, entry, kind, path, schedule);
  });
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"nablac: compile nabla models and emit them at any stage", "nablac"};
  Options o;
  std::string input, model, emit = "mlir", output = "-";
  app.add_option("input", input, "a .mlir or .onnx file ('-' for .mlir on stdin)");
  app.add_option("--model", model, "a library model instead of a file")
      ->check(CLI::IsMember(kModels));
  std::string stages;
  std::vector<std::string> stageNames;
  for (auto &[stage, what] : kStages) {
    stages += "\n  " + stage + ": " + what;
    stageNames.push_back(stage);
  }
  app.add_option("-e,--emit", emit, "what to emit:" + stages)->check(CLI::IsMember(stageNames));
  app.add_option("-o,--output", output, "output file ('-' for stdout)");
  app.add_option("--function", o.function,
                 "the loss function to differentiate (-emit=onnx: the function to export)")
      ->capture_default_str();
  app.add_option("--optimizer", o.optimizer, "optimizer of the training step: " + optimizerNames())
      ->capture_default_str();
  app.add_option("--entry", o.entry,
                 "function for halide-stmt/llvm/asm/jit (default: <function>_train_step, "
                 "forward or main)");
  app.add_option("--batch", o.batch,
                 "size of dynamic (batch) dimensions for mlir-planned and jit, and the batch "
                 "--scheduler's autoscheduler schedules for")
      ->capture_default_str()->check(cli::atLeast(1));
  app.add_option("--runs", o.runs, "jit: timed calls after the first")
      ->capture_default_str()->check(cli::atLeast(1));
  bool noFuse = false;
  app.add_flag("--no-fuse", noFuse, "skip --nabla-fuse-conv-bias-relu");
  bool noWinograd = false;
  app.add_flag("--no-winograd", noWinograd,
               "skip --nabla-select-winograd: every conv computed directly");
  app.add_flag("--im2col", o.im2col, "lower conv and pooling to im2col + GEMM (mlir-fused and the backend stages)");
  app.add_flag("--print-ir-after-all", o.printIrAfterAll, "print the module after every pass (stderr)");
  app.add_option("--dump-ir-dir", o.dumpIrDir, "write DIR/NN-<pass>.mlir after every pass");
  onnx_io::OnnxExportRequest onnxExport;
  app.add_option("--weights", onnxExport.weights,
                 "-emit=onnx|aot: parameter values from this checkpoint (default: a --model's "
                 "initial values for --seed, an .onnx input's initializers)");
  tools::AotCommandOptions aot;
  tools::addAotOptions(app, aot);
  std::string scheduler = "manual";
  app.add_option("--scheduler", scheduler,
                 "halide-stmt/llvm/asm/jit/aot: nabla's own CPU schedules (manual) or one of "
                 "Halide's autoschedulers (" + halide::autoSchedulerList() + ")")
      ->capture_default_str();
  try {
    app.parse(normalizeArguments(argc, argv));
  } catch (const CLI::ParseError &e) {
    return app.exit(e);
  }
  o.fuse = !noFuse;
  o.winograd = !noWinograd;

  try {
    if (input.empty() == model.empty()) throw Error("give either an input file or --model");
    mlir::DialectRegistry registry;
    registerNablaDialects(registry);
    mlir::MLIRContext fileContext(registry);
    LoadedModel loaded = loadModel(input, model, aot.seed, fileContext);
    mlir::ModuleOp module = *loaded.module;
    if (!loaded.defaults.source.empty()) {
      onnxExport.defaults = loaded.defaults.values;
      onnxExport.defaultsSource = loaded.defaults.source;
    }
    if (loaded.fromOnnx) onnxExport.function = "main";
    halide::Schedule schedule{halide::parseScheduler(scheduler), int(o.batch)};
    aot.schedule = schedule;
    bool aotRun = tools::aotRequested(app, emit, aot);
    if (!aotRun && output != "-") checkWritable(output);
    if (aotRun) {
      aot.entry = !o.entry.empty() ? o.entry : loaded.fromOnnx ? "main" : "forward";
      aot.weights = onnxExport.weights;
      aot.noFuse = !o.fuse;
      aot.noWinograd = !o.winograd;
      aot.im2col = o.im2col;
      tools::runAotCommand(module, model.empty() ? input : model, model.empty(), loaded.defaults,
                           output, aot);
      return 0;
    }

    // Options of other stages: said, not silently dropped.
    auto ignored = [&](const char *option, bool applies) {
      if (app.count(option) && !applies)
        std::cerr << "nablac: warning: " << option << " does nothing with -emit=" << emit << "\n";
    };
    ignored("--weights", emit == "onnx");
    ignored("--target", emit == "jit");
    ignored("--name", false);
    ignored("--runs", emit == "jit");
    ignored("--scheduler", emit == "halide-stmt" || emit == "llvm" || emit == "asm" || emit == "jit");

    // ONNX export writes the model as built: the backends' stages compile
    // the optimized pipeline (as the DSL does).
    std::string passStage = emit == "onnx" ? "mlir" : emitsMlir(emit) ? emit : "mlir-fused";
    bool hasLoss = bool(module.lookupSymbol<mlir::FuncOp>(o.function));
    runPasses(module, pipelineFor(passStage, o, hasLoss), o);

    if (emit == "onnx") {
      if (app.count("--function")) onnxExport.function = o.function;
      onnxExport.output = output;
      onnx_io::exportOnnxFile(module, onnxExport);
      return 0;
    }
    if (emitsMlir(emit)) {
      std::string text;
      llvm::raw_string_ostream os(text);
      module.print(os);
      writeText(os.str(), output);
      return 0;
    }
    std::string entry = o.entry.empty() ? defaultEntry(module, o) : o.entry;
    if (emit == "jit") {
      std::ostringstream report;
      tools::runJit(module, entry,
                    {.batch = o.batch, .runs = o.runs,
                     .target = aot.target.empty() ? "host" : aot.target,
                     .schedule = schedule},
                    report);
      writeText(report.str(), output);
      return 0;
    }
    emitHalide(module, entry, emit, output, schedule);
    return 0;
  } catch (const Error &e) {
    std::cerr << "nablac: error: " << e.what() << "\n";
    return 1;
  }
}
