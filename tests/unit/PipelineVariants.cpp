#include "tests/unit/PipelineVariants.h"

#include "passes/Pipelines.h"
#include "tests/unit/GradCheck.h"

#include <gtest/gtest.h>

namespace nabla::testing {

using reference::RefTensor;

const char *name(Pipeline p) {
  switch (p) {
  case Pipeline::None: return "none";
  case Pipeline::Fusion: return "fusion";
  case Pipeline::Im2col: return "im2col";
  case Pipeline::All: return "all";
  }
  return "?";
}

mlir::OwningOpRef<mlir::ModuleOp> compile(dsl::ModelBuilder &m, Pipeline pipeline,
                                          int64_t planMemoryBatch) {
  auto module = m.build();
  mlir::PassManager pm(module->getContext());
  PipelineOptions options;
  options.fuse = pipeline == Pipeline::Fusion || pipeline == Pipeline::All;
  options.im2col = pipeline == Pipeline::Im2col || pipeline == Pipeline::All;
  options.planMemoryBatch = planMemoryBatch;
  buildPipeline(pm, options);
  EXPECT_TRUE(mlir::succeeded(pm.run(*module))) << name(pipeline);
  return module;
}

Arguments randomArguments(dsl::ModelBuilder &m, const Shape &input, int64_t classes, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Arguments a;
  for (const dsl::ArgSpec &spec : m.arguments()) {
    RefTensor v;
    if (spec.role == dsl::Role::Input) v = randomTensor(input, rng);
    else if (spec.role == dsl::Role::Label) {
      v = RefTensor({input[0]});
      for (double &x : v.data) x = double(rng() % uint64_t(classes));
      v.isInteger = true;
    } else if (spec.role == dsl::Role::Step) {
      v = RefTensor::scalar(3);
      v.isInteger = true;
    } else {
      v = randomTensor(spec.shape, rng, -0.3, 0.3);
    }
    a.loss.push_back(v);
    if (spec.role != dsl::Role::Label && spec.role != dsl::Role::Step) a.forward.push_back(v);
  }
  return a;
}

} // namespace nabla::testing
