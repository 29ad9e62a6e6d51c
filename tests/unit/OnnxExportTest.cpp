// The ONNX exporter on the textbook's nets: each exports, passes ONNX's own
// checker and strict shape inference, re-imports through the importer, and
// computes exactly what the DSL model computes on the reference interpreter.
//
// Exact equality (not a tolerance) is the right bar: every op exports to ONNX
// ops that import back as the same nabla op with the same attributes (or, for
// inference dropout, as the identity it is), parameters travel as their f32
// bits, and the reference interpreter is deterministic. The two functions
// therefore perform the same double-precision arithmetic in the same order;
// any difference is an exporter or importer bug, not rounding.
#include "FileTestSupport.h"
#include "TestSupport.h"

#include "frontend/Nets.h"
#include "frontend/Ops.h"
#include "frontend/onnx/OnnxExportFile.h"
#include "frontend/onnx/OnnxExporter.h"
#include "frontend/onnx/OnnxFiles.h"
#include "frontend/onnx/OnnxImporter.h"
#include "passes/Passes.h"
#include "runtime/Checkpoint.h"

#include <onnx/checker.h>
#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <set>

using namespace nabla;
using nabla::reference::RefTensor;
using nabla::testing::expectError;

namespace {

using Values = std::map<std::string, Tensor>;

/// Every param and state of `m`: its initial values for `seed` plus seeded
/// noise, so zero biases and unit batch-norm scales are not special cases
/// that would hide a swapped or dropped initializer. Running variances stay
/// positive.
Values seededParameters(const dsl::ModelBuilder &m, uint64_t seed) {
  Values values = m.initialParameters(seed);
  for (auto &[name, value] : values) {
    Tensor noise = dsl::init::normal(0.1).sample(value.shape(), seed + 1, name);
    std::span<float> v = value.span<float>();
    for (size_t i = 0; i < v.size(); ++i) {
      v[i] += noise.span<float>()[i];
      if (name.ends_with("running_var")) v[i] = 0.5f + std::abs(v[i]);
    }
  }
  return values;
}

Tensor randomInput(const Shape &shape, uint64_t seed) {
  return dsl::init::normal(1.0).sample(shape, seed, "input");
}

/// Runs `function` with each argument taken from `values` by its nabla.name.
std::vector<RefTensor> runByName(mlir::ModuleOp module, const std::string &function,
                                 const Values &values) {
  auto func = module.lookupSymbol<mlir::FuncOp>(function);
  EXPECT_TRUE(func) << "no @" << function;
  if (!func) return {};
  std::vector<RefTensor> args;
  for (unsigned k = 0; k < func.getNumArguments(); ++k) {
    std::string name = func.getArgAttrOfType<mlir::StringAttr>(k, "nabla.name").getValue().str();
    auto value = values.find(name);
    EXPECT_NE(value, values.end()) << "no value for argument '" << name << "'";
    if (value == values.end()) return {};
    args.push_back(RefTensor::fromTensor(value->second));
  }
  return reference::Interpreter(module).call(function, std::move(args));
}

/// The op names of `function` in order, without `skip` and the return.
std::vector<std::string> opNames(mlir::ModuleOp module, const std::string &function,
                                 const std::set<std::string> &skip = {}) {
  std::vector<std::string> names;
  module.lookupSymbol<mlir::FuncOp>(function).walk([&](mlir::Operation *op) {
    std::string name = op->getName().getStringRef().str();
    if (!llvm::isa<mlir::FuncOp>(op) && name != "std.return" && !skip.count(name))
      names.push_back(name);
  });
  return names;
}

/// ONNX's checker and its strict, type-checking shape inference: what
/// onnx.checker.check_model(model, full_check=True) runs.
void expectOnnxAccepts(const onnx::ModelProto &model) {
  try {
    onnx::checker::check_model(model);
    onnx::ModelProto inferred = model;
    onnx::shape_inference::InferShapes(inferred, onnx::OpSchemaRegistry::Instance(),
                                       onnx::ShapeInferenceOptions(/*check_type=*/true,
                                                                   /*strict_mode=*/1));
  } catch (const std::exception &e) {
    ADD_FAILURE() << "ONNX rejects the exported model: " << e.what();
  }
}

/// An exported model, written to a file and imported back from it.
struct RoundTrip {
  onnx::ModelProto model;
  onnx_io::OnnxImport imported;
  Values importedValues; // the imported initializers, by name
};

RoundTrip exportAndImport(mlir::ModuleOp module, const Values &params, mlir::MLIRContext &context,
                          const onnx_io::ExportOptions &options = {}) {
  nabla::testing::TempDir dir;
  RoundTrip rt;
  rt.model = onnx_io::exportOnnx(module, params, options);
  expectOnnxAccepts(rt.model);
  onnx_io::saveModel(rt.model, dir.file("model.onnx"));
  rt.imported = onnx_io::importOnnx(dir.file("model.onnx"), context);
  for (auto &[name, value] : rt.imported.params) rt.importedValues[name] = value;
  return rt;
}

/// Equal shapes and bit-identical values, reported as one failure (the
/// first differing element and the count) rather than one per element.
void expectIdentical(const RefTensor &actual, const RefTensor &expected) {
  ASSERT_EQ(actual.shape, expected.shape);
  int64_t differing = 0, first = -1;
  for (int64_t i = 0; i < actual.numel(); ++i)
    if (actual[i] != expected[i] && differing++ == 0) first = i;
  if (differing > 0)
    ADD_FAILURE() << differing << " of " << actual.numel() << " elements differ; element "
                  << first << " is " << actual[first] << ", expected " << expected[first];
}

/// The DSL function on `params` and the imported @main on its own
/// initializers, both fed `inputs`, give identical results.
void expectIdenticalOutputs(mlir::ModuleOp module, const std::string &function,
                            const Values &params, const RoundTrip &rt, const Values &inputs) {
  Values dslArgs = params, importedArgs = rt.importedValues;
  for (auto &[name, value] : inputs) dslArgs[name] = importedArgs[name] = value;
  std::vector<RefTensor> expected = runByName(module, function, dslArgs);
  std::vector<RefTensor> actual = runByName(*rt.imported.module, "main", importedArgs);
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t k = 0; k < expected.size(); ++k) {
    SCOPED_TRACE("result " + std::to_string(k));
    expectIdentical(actual[k], expected[k]);
  }
}

/// The initializers are the parameters, bit for bit, and nothing else.
void expectInitializersAre(const onnx::ModelProto &model, const Values &params) {
  ASSERT_EQ(size_t(model.graph().initializer_size()), params.size());
  for (const onnx::TensorProto &init : model.graph().initializer()) {
    SCOPED_TRACE(init.name());
    ASSERT_TRUE(params.count(init.name()));
    Tensor exported = onnx_io::tensorFromProto(init, init.name());
    const Tensor &original = params.at(init.name());
    ASSERT_EQ(exported.shape(), original.shape());
    EXPECT_EQ(std::memcmp(exported.rawData(), original.rawData(), original.bytes()), 0);
  }
}

/// Exports @forward of `m` with seeded parameters and checks the round trip:
/// the initializers are the parameters, the graph input is "x", import gives
/// back the DSL's ops (but dropout, which imports as the identity it is in
/// inference) and identical outputs for each of `xs`. Returns the model.
onnx::ModelProto expectForwardRoundTrips(dsl::ModelBuilder &m, uint64_t seed,
                                         const std::vector<Tensor> &xs) {
  auto module = m.build();
  Values params = seededParameters(m, seed);
  mlir::MLIRContext context;
  RoundTrip rt = exportAndImport(*module, params, context);
  expectInitializersAre(rt.model, params);
  EXPECT_EQ(rt.imported.inputNames, std::vector<std::string>{"x"});
  EXPECT_EQ(opNames(*rt.imported.module, "main"), opNames(*module, "forward", {"nabla.dropout"}));
  for (const Tensor &x : xs) expectIdenticalOutputs(*module, "forward", params, rt, {{"x", x}});
  return rt.model;
}

std::vector<std::string> opTypes(const onnx::ModelProto &model) {
  std::vector<std::string> types;
  for (const onnx::NodeProto &node : model.graph().node()) types.push_back(node.op_type());
  return types;
}

std::string dimText(const onnx::TensorShapeProto::Dimension &dim) {
  return dim.has_dim_param() ? dim.dim_param() : std::to_string(dim.dim_value());
}

std::vector<std::string> shapeText(const onnx::ValueInfoProto &info) {
  std::vector<std::string> dims;
  for (const auto &dim : info.type().tensor_type().shape().dim()) dims.push_back(dimText(dim));
  return dims;
}

} // namespace

TEST(OnnxExport, SimpleConvNetRoundTripsToIdenticalOutputs) {
  dsl::ModelBuilder m("simple_convnet");
  dsl::defineSimpleConvNet(m);
  // Any batch size gives the same numbers: the batch stays dynamic.
  onnx::ModelProto model = expectForwardRoundTrips(
      m, 7, {randomInput({1, 1, 28, 28}, 12), randomInput({4, 1, 28, 28}, 15)});

  EXPECT_EQ(model.opset_import(0).version(), onnx_io::kExportOpset);
  const onnx::GraphProto &graph = model.graph();
  ASSERT_EQ(graph.input_size(), 1);
  EXPECT_EQ(shapeText(graph.input(0)), (std::vector<std::string>{"batch", "1", "28", "28"}));
  ASSERT_EQ(graph.output_size(), 1);
  EXPECT_EQ(graph.output(0).name(), "logits");
  EXPECT_EQ(shapeText(graph.output(0)), (std::vector<std::string>{"batch", "10"}));
  EXPECT_EQ(opTypes(model), (std::vector<std::string>{"Conv", "Relu", "MaxPool", "Flatten",
                                                      "MatMul", "Add", "Relu", "MatMul", "Add"}));
  // The source location of each op travels in its node's doc_string.
  EXPECT_NE(graph.node(0).doc_string().find("Nets.cpp:"), std::string::npos)
      << graph.node(0).doc_string();
}

TEST(OnnxExport, TwoLayerNetRoundTripsToIdenticalOutputs) {
  dsl::ModelBuilder m("two_layer_net");
  dsl::defineTwoLayerNet(m);
  expectForwardRoundTrips(m, 3, {randomInput({5, 784}, 4)});
}

// Sigmoid, inference batch norm (normalizing with the running statistics,
// which are initializers too) and inference dropout.
TEST(OnnxExport, MultiLayerNetWithBatchNormAndDropoutRoundTrips) {
  dsl::ModelBuilder m("mlp");
  dsl::defineMultiLayerNet(m, {.inputSize = 12, .hiddenSizes = {16, 8}, .outputSize = 5,
                               .activation = dsl::Activation::Sigmoid,
                               .useBatchNorm = true, .dropoutRatio = 0.3});
  onnx::ModelProto model = expectForwardRoundTrips(m, 5, {randomInput({6, 12}, 8)});
  std::vector<std::string> types = opTypes(model);
  EXPECT_EQ(std::count(types.begin(), types.end(), "Dropout"), 2);
  EXPECT_EQ(std::count(types.begin(), types.end(), "BatchNormalization"), 2);
}

TEST(OnnxExport, DeepConvNetRoundTripsToIdenticalOutputs) {
  dsl::ModelBuilder m("deep_convnet");
  dsl::defineDeepConvNet(m);
  expectForwardRoundTrips(m, 9, {randomInput({2, 1, 28, 28}, 10)});
}

// After --nabla-fuse-conv-bias-relu the fused ops export as Conv/Gemm + Relu
// and compute what the unfused model computes.
TEST(OnnxExport, FusedOpsExportAsTheirParts) {
  dsl::ModelBuilder m("simple_convnet");
  dsl::defineSimpleConvNet(m);
  auto unfused = m.build();
  auto fused = m.build();
  mlir::PassManager pm(fused->getContext());
  pm.addNestedPass<mlir::FuncOp>(createFuseConvBiasReluPass());
  ASSERT_TRUE(mlir::succeeded(pm.run(*fused)));
  std::vector<std::string> fusedOps = opNames(*fused, "forward");
  ASSERT_EQ(std::count(fusedOps.begin(), fusedOps.end(), "nabla.fused_conv2d"), 1);
  ASSERT_GE(std::count(fusedOps.begin(), fusedOps.end(), "nabla.fused_matmul"), 1);

  Values params = seededParameters(m, 13);
  mlir::MLIRContext context;
  RoundTrip rt = exportAndImport(*fused, params, context);
  std::vector<std::string> onnxOps = opTypes(rt.model);
  ASSERT_GE(onnxOps.size(), 2u);
  EXPECT_EQ(onnxOps[0], "Conv");
  EXPECT_EQ(onnxOps[1], "Relu");
  EXPECT_NE(std::find(onnxOps.begin(), onnxOps.end(), "Gemm"), onnxOps.end());
  // Against the unfused model: the fused kernels add the bias and apply
  // the ReLU in the same order as the separate ops.
  expectIdenticalOutputs(*unfused, "forward", params, rt, {{"x", randomInput({3, 1, 28, 28}, 2)}});
}

// A training function exports too when its ops do: labels are an i64 graph
// input and softmax cross-entropy is SoftmaxCrossEntropyLoss.
TEST(OnnxExport, TwoLayerNetLossExportsWithIntegerLabels) {
  dsl::ModelBuilder m("two_layer_net");
  dsl::defineTwoLayerNet(m, {.inputSize = 20, .hiddenSize = 8, .outputSize = 4});
  auto module = m.build();
  Values params = seededParameters(m, 21);
  mlir::MLIRContext context;
  RoundTrip rt = exportAndImport(*module, params, context, {.function = "loss"});
  const onnx::GraphProto &graph = rt.model.graph();
  ASSERT_EQ(graph.input_size(), 2);
  EXPECT_EQ(graph.input(1).name(), "t");
  EXPECT_EQ(graph.input(1).type().tensor_type().elem_type(), onnx::TensorProto::INT64);
  EXPECT_EQ(graph.output(0).name(), "loss");
  Tensor labels = Tensor::fromVector<int64_t>({5}, {0, 3, 1, 2, 3});
  expectIdenticalOutputs(*module, "loss", params, rt,
                         {{"x", randomInput({5, 20}, 6)}, {"t", labels}});
}

// An argument returned as it is and a value returned twice need Identity
// nodes: ONNX outputs are names, and each name is defined once.
TEST(OnnxExport, ReturnedArgumentsAndRepeatedResultsGetIdentities) {
  dsl::ModelBuilder m("passthrough");
  dsl::Var x = m.input("x", {dsl::kBatch, 3});
  dsl::Var h = dsl::relu(x);
  m.output("x_again", x);
  m.output("h", h);
  m.output("h_again", h);
  auto module = m.build();
  mlir::MLIRContext context;
  RoundTrip rt = exportAndImport(*module, {}, context);
  std::vector<std::string> types = opTypes(rt.model);
  EXPECT_EQ(std::count(types.begin(), types.end(), "Identity"), 2);
  expectIdenticalOutputs(*module, "forward", {}, rt, {{"x", randomInput({2, 3}, 1)}});

  // A result may not take an argument's or another result's name.
  m.output("x", h);
  expectError([&] { onnx_io::exportOnnx(*m.build(), {}); },
              {"@forward result 3 'x': another argument or result has that name"});
}

TEST(OnnxExport, OpsWithoutOnnxFormAreAllNamedWithTheirLocations) {
  dsl::ModelBuilder m("odd");
  dsl::Var x = m.input("x", {dsl::kBatch, 4});
  m.output("classes", dsl::argmax(x));
  m.output("steps", dsl::step(x));
  auto module = m.build();
  expectError([&] { onnx_io::exportOnnx(*module, {}); },
              {"@forward has ops with no ONNX form", "'nabla.argmax' at ", "'nabla.step' at ",
               "OnnxExportTest.cpp:"});
}

TEST(OnnxExport, TrainingDropoutHasNoOnnxForm) {
  // DeepConvNet's @loss draws dropout masks that only nabla reproduces.
  dsl::ModelBuilder m("deep_convnet");
  dsl::defineDeepConvNet(m);
  auto module = m.build();
  expectError([&] { onnx_io::exportOnnx(*module, seededParameters(m, 1), {.function = "loss"}); },
              {"'nabla.dropout' at ", "Nets.cpp:", "training-mode dropout"});
}

TEST(OnnxExport, MissingOrMismatchedParametersAreNamed) {
  dsl::ModelBuilder m("two_layer_net");
  dsl::defineTwoLayerNet(m);
  auto module = m.build();
  Values params = seededParameters(m, 1);
  params.erase("affine2.b");
  expectError([&] { onnx_io::exportOnnx(*module, params, {.parameterSource = "my values"}); },
              {"'affine2.b'", "(a param) has no value in my values"});
  params = seededParameters(m, 1);
  params["affine1.W"] = Tensor({3, 3}, DType::F32);
  expectError([&] { onnx_io::exportOnnx(*module, params); },
              {"'affine1.W'", "is [784, 50] f32", "is [3, 3] f32"});
  expectError([&] { onnx_io::exportOnnx(*module, params, {.function = "predict"}); },
              {"no function @predict", "(it has @forward, @loss)"});
}

// nablac's path: values from a checkpoint the trainer's format holds, the
// model written atomically to a file.
TEST(OnnxExport, ExportFileTakesParametersFromACheckpoint) {
  dsl::ModelBuilder m("simple_convnet");
  dsl::defineSimpleConvNet(m);
  auto module = m.build();
  Values trained = seededParameters(m, 42);
  Checkpoint checkpoint;
  for (auto &[name, value] : trained) checkpoint.parameters.push_back({name, value});
  // Optimizer slots are in checkpoints too; they are not model parameters.
  checkpoint.optimizerState.push_back({"conv1.W/m", Tensor({30, 1, 5, 5}, DType::F32)});
  checkpoint.optimizer = "adam";
  nabla::testing::TempDir dir;
  saveCheckpoint(checkpoint, dir.file("checkpoint.pb"));

  onnx_io::exportOnnxFile(*module, {.weights = dir.file("checkpoint.pb"),
                                    .defaults = m.initialParameters(0),
                                    .output = dir.file("model.onnx")});
  onnx::ModelProto model = onnx_io::loadModel(dir.file("model.onnx"));
  expectInitializersAre(model, trained); // the checkpoint's, not the defaults

  // Without a checkpoint the defaults are exported.
  onnx_io::exportOnnxFile(*module, {.defaults = m.initialParameters(0),
                                    .output = dir.file("initial.onnx")});
  expectInitializersAre(onnx_io::loadModel(dir.file("initial.onnx")), m.initialParameters(0));

  std::string missing = checkpoint.parameters.back().name;
  checkpoint.parameters.pop_back();
  saveCheckpoint(checkpoint, dir.file("partial.pb"));
  expectError(
      [&] {
        onnx_io::exportOnnxFile(*module, {.weights = dir.file("partial.pb"),
                                          .output = dir.file("partial.onnx")});
      },
      {"'" + missing + "'", "has no value in checkpoint ", "partial.pb"});
  EXPECT_FALSE(std::filesystem::exists(dir.file("partial.onnx")));
  expectError([&] { onnx_io::exportOnnxFile(*module, {.defaults = trained, .output = "-"}); },
              {"binary", "-o"});
}
