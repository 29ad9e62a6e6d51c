#include "passes/Pipelines.h"

#include "ir/Dialect.h"
#include "passes/Passes.h"
#include "runtime/Error.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <filesystem>

namespace nabla {

void buildPipeline(mlir::PassManager &pm, const PipelineOptions &o) {
  if (o.autodiff) pm.addPass(createAutodiffPass(o.lossFunction));
  if (!o.optimizer.empty()) pm.addPass(createTrainStepPass(o.lossFunction, o.optimizer));
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

/// After each pass, writes the module to dir/NN-<flag>.mlir.
class IrDumper : public mlir::PassInstrumentation {
public:
  explicit IrDumper(std::string dir) : dir_(std::move(dir)) {}
  void runAfterPass(mlir::Pass *pass, mlir::Operation *op) override {
    std::string flag = pass->getArgument().str();
    if (flag.empty()) flag = pass->getName().str();
    // A function pass runs once per function: keep the last (whole-module) dump.
    if (flag == last_) --counter_;
    last_ = flag;
    char prefix[8];
    std::snprintf(prefix, sizeof prefix, "%02d-", ++counter_);
    writeModule(op, dir_ + "/" + prefix + flag + ".mlir");
  }

private:
  std::string dir_, last_;
  int counter_ = 0;
};
} // namespace

void enableIrDumps(mlir::PassManager &pm, const std::string &dir, mlir::ModuleOp input) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) throw Error("cannot create IR dump directory " + dir + ": " + error.message());
  writeModule(input, dir + "/00-input.mlir");
  pm.addInstrumentation(std::make_unique<IrDumper>(dir));
}

} // namespace nabla
