#include "examples/GraphCall.h"

#include "passes/Pipelines.h"
#include "runtime/Error.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"

namespace nabla::examples {

NamedTensors CompiledGraph::call(const std::string &name, const NamedTensors &args) const {
  auto it = functions.find(name);
  if (it == functions.end()) throw Error("function @" + name + " was not compiled");
  return callByName(*it->second, args);
}

NamedTensors callByName(const CompiledFunction &f, const NamedTensors &args) {
  std::vector<Tensor> inputs;
  for (const ArgumentInfo &arg : f.inputs()) {
    auto value = args.find(arg.name);
    if (value == args.end()) throw Error("a compiled function needs argument '" + arg.name + "'");
    inputs.push_back(value->second);
  }
  std::vector<Tensor> outputs = f.allocateOutputs(inputs);
  f.runInto(inputs, outputs);
  NamedTensors results;
  for (size_t i = 0; i < outputs.size(); ++i) results[f.outputs()[i].name] = outputs[i];
  return results;
}

CompiledGraph compileGraph(dsl::ModelBuilder &model, const std::vector<std::string> &functions,
                           dsl::Backend backend, bool differentiate, const std::string &optimizer) {
  CompiledGraph graph;
  graph.module = model.build();
  mlir::MLIRContext *context = graph.module->getContext();
  mlir::PassManager pm(context);
  PipelineOptions pipeline;
  pipeline.autodiff = differentiate;
  pipeline.optimizer = optimizer;
  buildPipeline(pm, pipeline);
  std::string diagnostics;
  mlir::ScopedDiagnosticHandler handler(context, [&](mlir::Diagnostic &d) {
    diagnostics += d.str() + "\n";
    return mlir::success();
  });
  if (mlir::failed(pm.run(*graph.module)))
    throw Error("compiling '" + model.name() + "' failed:\n" + diagnostics);
  for (const std::string &name : functions)
    graph.functions[name] = dsl::compileFunction(*graph.module, name, backend);
  return graph;
}

Tensor rows(const std::vector<std::vector<float>> &values) {
  if (values.empty()) throw Error("rows: no rows");
  std::vector<float> flat;
  for (const auto &row : values) {
    if (row.size() != values[0].size()) throw Error("rows: rows of different lengths");
    flat.insert(flat.end(), row.begin(), row.end());
  }
  return Tensor::fromVector<float>({int64_t(values.size()), int64_t(values[0].size())}, flat);
}

} // namespace nabla::examples
