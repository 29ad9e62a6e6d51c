// Running small DSL graphs by name, for the lessons that are not a training
// loop: compile chosen functions of a model (after the autodiff pass, so
// @loss_grad exists) and call them with tensors looked up by argument name.
#pragma once

#include "frontend/Compile.h"
#include "frontend/ModelBuilder.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace nabla::examples {

/// Tensors keyed by argument or result name ("x", "W", "grad:W").
using NamedTensors = std::map<std::string, Tensor>;

/// Calls `f` with arguments taken from `args` by name; returns every result
/// by name. Extra entries in `args` are ignored, so one map of parameters can
/// feed several functions.
NamedTensors callByName(const CompiledFunction &f, const NamedTensors &args);

/// A model's module after the pipeline, with some of its functions compiled.
/// The ModelBuilder must outlive it (it owns the MLIR context).
struct CompiledGraph {
  mlir::OwningOpRef<mlir::ModuleOp> module;
  std::map<std::string, std::shared_ptr<const CompiledFunction>> functions;

  /// callByName on function `name`, one of those compiled.
  NamedTensors call(const std::string &name, const NamedTensors &args) const;
};

/// Builds `model`, runs --nabla-autodiff on @loss when `differentiate`,
/// --nabla-train-step with `optimizer` when one is named (and the cleanup
/// passes), then compiles `functions` with `backend`.
CompiledGraph compileGraph(dsl::ModelBuilder &model, const std::vector<std::string> &functions,
                           dsl::Backend backend, bool differentiate, const std::string &optimizer = {});

/// Rows of a [N, ...] f32 tensor, from nested values: one {..} per row.
Tensor rows(const std::vector<std::vector<float>> &values);

} // namespace nabla::examples
