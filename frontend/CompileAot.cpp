#include "frontend/Compile.h"

#include "runtime/Error.h"

#include "mlir/IR/Diagnostics.h"

namespace nabla::dsl {

halide::AotOutput compileAOT(ModelBuilder &model, const AotCompileOptions &options) {
  mlir::OwningOpRef<mlir::ModuleOp> module = model.build();
  mlir::PassManager pm(module->getContext());
  PipelineOptions pipeline;
  pipeline.autodiff = false; // inference only: the training functions are not compiled
  pipeline.fuse = options.fuse;
  pipeline.im2col = options.im2col;
  buildPipeline(pm, pipeline);
  std::string diagnostics;
  mlir::ScopedDiagnosticHandler handler(module->getContext(), [&](mlir::Diagnostic &d) {
    diagnostics += d.str() + "\n";
    return mlir::success();
  });
  if (mlir::failed(pm.run(*module)))
    throw Error("compiling model '" + model.name() + "' failed:\n" + diagnostics);
  halide::AotOptions aot{options.outDir, options.name.empty() ? model.name() : options.name,
                         options.target};
  return halide::compileAot(*module, options.entry, aot, options.weights);
}

} // namespace nabla::dsl
