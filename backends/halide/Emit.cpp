#include "backends/halide/Emit.h"

#include "backends/halide/FunctionLowering.h"
#include "backends/halide/Targets.h"
#include "runtime/Error.h"

#include <cerrno>
#include <cstring>
#include <fstream>

namespace nabla::halide {

void emitFunction(mlir::ModuleOp module, const std::string &name, EmitKind kind,
                  const std::string &path, const Schedule &schedule) {
  auto func = module.lookupSymbol<mlir::FuncOp>(name);
  if (!func) throw Error("no function @" + name + " in the module");
  checkLowerable(func);
  if (!std::ofstream(path)) throw Error("cannot write " + path + ": " + std::strerror(errno));
  Halide::Target target = hostTarget();
  try {
    LoweredFunction lowered = lowerFunction(func, target, schedule);
    std::vector<Halide::Argument> args(lowered.inputs.begin(), lowered.inputs.end());
    switch (kind) {
    case EmitKind::Stmt:
      lowered.pipeline.compile_to_lowered_stmt(path, args, Halide::Text, target);
      break;
    case EmitKind::Llvm:
      lowered.pipeline.compile_to_llvm_assembly(path, args, name, target);
      break;
    case EmitKind::Assembly:
      lowered.pipeline.compile_to_assembly(path, args, name, target);
      break;
    }
  } catch (const Halide::Error &e) {
    throw Error("@" + name + ": Halide compile error: " + e.what());
  }
}

} // namespace nabla::halide
