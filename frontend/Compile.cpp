#include "frontend/Compile.h"

#include "backends/halide/HalideFunction.h"
#include "backends/reference/ReferenceFunction.h"
#include "frontend/CompileInParts.h"
#include "runtime/BatchShardedFunction.h"
#include "runtime/DataParallelStep.h"
#include "runtime/Error.h"

#include "mlir/IR/Diagnostics.h"

#include <chrono>
#include <future>

namespace nabla::dsl {

std::shared_ptr<const CompiledFunction> compileFunction(mlir::ModuleOp module, const std::string &name,
                                                        Backend backend, const std::string &target,
                                                        const halide::Schedule &schedule) {
  switch (backend) {
  case Backend::Reference:
    if (target != "host")
      throw Error("the reference backend runs on the host only, not on target '" + target + "'");
    if (schedule.automatic())
      throw Error(std::string("the reference backend has no schedules: scheduler '") +
                  halide::schedulerName(schedule.scheduler) + "' is for the halide backend");
    return std::make_shared<reference::ReferenceFunction>(module, name);
  case Backend::Halide:
    return std::make_shared<halide::HalideFunction>(module, name, target, schedule);
  }
  throw Error("unknown backend");
}

namespace {

/// `options.replicas` instances of function `name`, whose calls can overlap.
std::vector<std::shared_ptr<const CompiledFunction>>
instances(mlir::ModuleOp module, const std::string &name, const CompileOptions &options) {
  std::vector<std::shared_ptr<const CompiledFunction>> replicas;
  for (int r = 0; r < options.replicas; ++r) {
    if (options.backend == Backend::Reference)
      replicas.push_back(std::make_shared<reference::ReferenceFunction>(module, name));
    else
      replicas.push_back(std::make_shared<halide::HalideFunction>(
          module, name, options.target, options.schedule, halide::Instance::Replica));
  }
  return replicas;
}

} // namespace

CompiledModel compileModel(ModelBuilder &model, const CompileOptions &options) {
  if (options.replicas < 1)
    throw Error("compiling model '" + model.name() + "': replicas must be at least 1, got " +
                std::to_string(options.replicas));
  if (options.stepParts < 1)
    throw Error("compiling model '" + model.name() + "': stepParts must be at least 1, got " +
                std::to_string(options.stepParts));
  auto start = std::chrono::steady_clock::now();
  CompiledModel compiled;
  compiled.module = model.build();
  mlir::MLIRContext *context = compiled.module->getContext();
  mlir::PassManager pm(context);
  PipelineOptions pipeline;
  pipeline.optimizer = optimizerName(options.optimizer);
  pipeline.fuse = options.fuse;
  pipeline.im2col = options.im2col;
  pipeline.winograd = options.winograd;
  if (options.replicas > 1) pipeline.applyGradientShards = options.replicas;
  buildPipeline(pm, pipeline);
  if (!options.dumpIrDir.empty()) enableIrDumps(pm, options.dumpIrDir, *compiled.module);
  if (options.printIrAfterAll) enableIrPrinting(pm);
  std::string diagnostics;
  mlir::ScopedDiagnosticHandler handler(context, [&](mlir::Diagnostic &d) {
    diagnostics += d.str() + "\n";
    return mlir::success();
  });
  if (mlir::failed(pm.run(*compiled.module)))
    throw Error("compiling model '" + model.name() + "' failed:\n" + diagnostics);
  // Halide lowers a pipeline on one thread, so the training step compiles
  // on a thread of its own while the forward pass compiles here (cold, on
  // two cores: 3.4-3.7 -> 3.0-3.1 s for SimpleConvNet). Host targets only,
  // and only where the MLIR context may be read from two threads.
  bool overlap = options.backend == Backend::Halide && context->isMultithreadingEnabled() &&
                 !halide::Executable::targetIsDevice(options.target);
  std::launch policy = overlap ? std::launch::async : std::launch::deferred;
  if (options.replicas > 1) {
    // The small update first: it says whether the target is a device.
    auto apply = compileFunction(*compiled.module, "loss_apply_gradients", options.backend,
                                 options.target, options.schedule);
    if (apply->onDevice())
      throw Error("data-parallel training runs on the host CPU, not on target '" + options.target +
                  "'");
    auto grads =
        std::async(policy, [&] { return instances(*compiled.module, "loss_grad", options); });
    compiled.forward =
        std::make_shared<BatchShardedFunction>(instances(*compiled.module, "forward", options));
    compiled.trainStep = std::make_shared<DataParallelStep>(grads.get(), std::move(apply));
  } else {
    // In parts (CompileOptions::stepParts), each compiled on a thread of its own.
    auto trainStep = compileInParts(
        *compiled.module, "loss_train_step", options.stepParts,
        [&](const std::string &name) {
          return compileFunction(*compiled.module, name, options.backend, options.target,
                                 options.schedule);
        },
        policy);
    compiled.forward = compileFunction(*compiled.module, "forward", options.backend, options.target,
                                       options.schedule); // its errors first, as before
    compiled.trainStep = trainStep.get();
  }
  compiled.compileSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return compiled;
}

} // namespace nabla::dsl
