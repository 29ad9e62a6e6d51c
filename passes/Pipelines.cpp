#include "passes/Pipelines.h"

#include "ir/Dialect.h"
#include "passes/Passes.h"
#include "runtime/Error.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <map>

namespace nabla {

void buildPipeline(mlir::PassManager &pm, const PipelineOptions &o) {
  if (o.autodiff) pm.addPass(createAutodiffPass(o.lossFunction));
  if (!o.optimizer.empty()) pm.addPass(createTrainStepPass(o.lossFunction, o.optimizer));
  if (!o.optimizer.empty() && o.applyGradientShards > 0)
    pm.addPass(createApplyGradientsPass(o.lossFunction, o.optimizer, o.applyGradientShards));
  auto &funcs = pm.nest<mlir::FuncOp>();
  if (o.fuse) funcs.addPass(createFuseConvBiasReluPass());
  if (o.im2col) {
    funcs.addPass(createLowerConvToIm2colPass());
    funcs.addPass(createLowerPoolToIm2colPass());
  }
  if (o.cleanup) {
    funcs.addPass(mlir::createCSEPass());
    funcs.addPass(mlir::createCanonicalizerPass());
  }
  // After cleanup: CSE changes how many users a value has.
  if (o.fuse) {
    funcs.addPass(createPoolIndicesPass());
    funcs.addPass(createFuseElementwisePass());
    funcs.addPass(createFuseLoopGroupsPass());
    funcs.addPass(createFuseConvPoolPass());
  }
  if (o.winograd) funcs.addPass(createSelectWinogradPass());
  if (o.planMemoryBatch > 0) {
    // Through the registered pass so its option is set like on the command line.
    auto plan = createPlanMemoryPass();
    if (mlir::failed(plan->initializeOptions("batch=" + std::to_string(o.planMemoryBatch))))
      throw Error("invalid memory planning batch " + std::to_string(o.planMemoryBatch));
    funcs.addPass(std::move(plan));
  }
}

void enableIrPrinting(mlir::PassManager &pm) {
  pm.getContext()->disableMultithreading();
  pm.enableIRPrinting([](mlir::Pass *, mlir::Operation *) { return false; },
                      [](mlir::Pass *, mlir::Operation *) { return true; },
                      /*printModuleScope=*/true, /*printAfterOnlyOnChange=*/false);
}

namespace {
void writeModule(mlir::Operation *op, const std::string &path) {
  std::error_code error;
  llvm::raw_fd_ostream out(path, error, llvm::sys::fs::OF_Text);
  if (error) throw Error("cannot write IR dump " + path + ": " + error.message());
  // Passes on functions see a FuncOp; dump the whole module around it.
  mlir::Operation *top = op;
  while (top->getParentOp()) top = top->getParentOp();
  top->print(out);
}

/// After each pass, writes the module to dir/NN-<flag>.mlir. A pass nested
/// on functions runs once per function, interleaved with its pipeline
/// neighbours: each keeps one number, and its file ends up holding the module
/// after the pass ran on the last function. The adaptor that runs the nested
/// pipeline is not a pass of its own and gets no file.
class IrDumper : public mlir::PassInstrumentation {
public:
  explicit IrDumper(std::string dir) : dir_(std::move(dir)) {}
  void runAfterPass(mlir::Pass *pass, mlir::Operation *op) override {
    std::string flag = pass->getArgument().str();
    if (flag.empty()) flag = pass->getName().str();
    if (flag.find("OpToOpPassAdaptor") != std::string::npos) {
      nested_.clear();
      return;
    }
    int number;
    if (llvm::isa<mlir::ModuleOp>(op)) {
      number = ++counter_;
    } else {
      auto it = nested_.find(flag);
      number = it != nested_.end() ? it->second : (nested_[flag] = ++counter_);
    }
    char prefix[8];
    std::snprintf(prefix, sizeof prefix, "%02d-", number);
    writeModule(op, dir_ + "/" + prefix + flag + ".mlir");
  }

private:
  std::string dir_;
  std::map<std::string, int> nested_; // flag -> number, within one nested run
  int counter_ = 0;
};
/// Whether `name` is what IrDumper writes: NN-<pass>.mlir.
bool isIrDump(llvm::StringRef name) {
  return name.size() > 8 && std::isdigit(static_cast<unsigned char>(name[0])) &&
         std::isdigit(static_cast<unsigned char>(name[1])) && name[2] == '-' && name.endswith(".mlir");
}
} // namespace

void enableIrDumps(mlir::PassManager &pm, const std::string &dir, mlir::ModuleOp input) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) throw Error("cannot create IR dump directory " + dir + ": " + error.message());
  // The dumps of an earlier run (NN-<pass>.mlir) would read as this run's
  // later passes: they go, and nothing else in the directory does.
  for (const auto &entry : std::filesystem::directory_iterator(dir, error))
    if (entry.is_regular_file() && isIrDump(entry.path().filename().string()))
      std::filesystem::remove(entry.path(), error);
  writeModule(input, dir + "/00-input.mlir");
  pm.addInstrumentation(std::make_unique<IrDumper>(dir));
}

} // namespace nabla
