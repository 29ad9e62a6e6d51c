#include "frontend/CompileInParts.h"

#include "ir/Signature.h"
#include "passes/Passes.h"
#include "runtime/ChainedFunction.h"
#include "runtime/Error.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/ADT/DenseMap.h"

#include <vector>

namespace nabla::dsl {

namespace {

/// The calls of a split function's body: which part each is, and the
/// numbered values (ChainLink) it reads and writes.
struct Wiring {
  std::vector<std::string> callees;
  std::vector<ChainLink> links; // parts filled in once compiled
  std::vector<int> results;
};

Wiring wiringOf(mlir::FuncOp func) {
  Wiring w;
  llvm::DenseMap<mlir::Value, int> ids;
  for (mlir::BlockArgument arg : func.getArguments()) ids[arg] = int(arg.getArgNumber());
  int next = int(func.getNumArguments());
  for (mlir::Operation &op : func.getBody().front()) {
    if (auto call = llvm::dyn_cast<mlir::CallOp>(op)) {
      ChainLink link;
      for (mlir::Value v : call.getOperands()) link.reads.push_back(ids.lookup(v));
      for (mlir::Value v : call.getResults()) link.writes.push_back(ids[v] = next++);
      w.callees.push_back(call.getCallee().str());
      w.links.push_back(std::move(link));
    } else if (auto ret = llvm::dyn_cast<mlir::ReturnOp>(op)) {
      for (mlir::Value v : ret.getOperands()) w.results.push_back(ids.lookup(v));
    } else {
      throw Error("@" + func.getName().str() + " after --nabla-split-function holds a '" +
                  op.getName().getStringRef().str() + "', not only calls of its parts");
    }
  }
  return w;
}

} // namespace

std::future<std::shared_ptr<const CompiledFunction>>
compileInParts(mlir::ModuleOp module, const std::string &name, int parts, const CompileOne &compile,
               std::launch policy) {
  auto whole = [=] { return std::async(policy, [=] { return compile(name); }); };
  if (parts < 2) return whole();
  std::string diagnostics;
  mlir::ScopedDiagnosticHandler handler(module.getContext(), [&](mlir::Diagnostic &d) {
    diagnostics += d.str() + "\n";
    return mlir::success();
  });
  mlir::PassManager pm(module.getContext());
  pm.addPass(createSplitFunctionPass(name, parts));
  if (mlir::failed(pm.run(module)))
    throw Error("splitting @" + name + " into " + std::to_string(parts) + " parts failed:\n" +
                diagnostics);
  auto func = module.lookupSymbol<mlir::FuncOp>(name);
  Wiring wiring = wiringOf(func);
  if (wiring.links.empty()) return whole(); // no place to cut: still one pipeline

  // Every part starts compiling now, on threads of their own under async.
  std::vector<std::future<std::shared_ptr<const CompiledFunction>>> compiling;
  for (const std::string &callee : wiring.callees)
    compiling.push_back(std::async(policy, [=] { return compile(callee); }));
  auto inputs = functionInputs(func);
  auto outputs = functionOutputs(func);
  return std::async(
      std::launch::deferred,
      [wiring = std::move(wiring), compiling = std::move(compiling), inputs, outputs]() mutable {
        for (size_t k = 0; k < compiling.size(); ++k) wiring.links[k].part = compiling[k].get();
        return std::shared_ptr<const CompiledFunction>(std::make_shared<ChainedFunction>(
            inputs, outputs, std::move(wiring.links), std::move(wiring.results)));
      });
}

} // namespace nabla::dsl
