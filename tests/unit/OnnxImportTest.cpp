// The ONNX importer on models built with the protobuf API: errors that name
// the node, its op type and the attribute; malformed files; and small models
// that import and run on the reference interpreter to hand-computed values.
#include "FileTestSupport.h"
#include "TestSupport.h"

#include "frontend/onnx/OnnxFiles.h"
#include "frontend/onnx/OnnxImporter.h"

#include "mlir/IR/BuiltinOps.h"

using namespace nabla;
using nabla::testing::expectError;

namespace {

/// A tiny builder for ModelProtos in tests.
struct ModelMaker {
  onnx::ModelProto model;
  onnx::GraphProto &graph = *model.mutable_graph();

  explicit ModelMaker(int64_t opset = 13) {
    model.set_ir_version(8);
    model.add_opset_import()->set_version(opset);
    graph.set_name("test");
  }
  void input(const std::string &name, std::vector<int64_t> dims,
             int elemType = onnx::TensorProto::FLOAT) {
    auto *tensor = graph.add_input()->mutable_type()->mutable_tensor_type();
    graph.mutable_input(graph.input_size() - 1)->set_name(name);
    tensor->set_elem_type(elemType);
    for (int64_t d : dims) {
      auto *dim = tensor->mutable_shape()->add_dim();
      if (d < 0) dim->set_dim_param("batch");
      else dim->set_dim_value(d);
    }
  }
  void output(const std::string &name) { graph.add_output()->set_name(name); }
  void initializer(const std::string &name, std::vector<int64_t> dims, std::vector<float> values) {
    auto *t = graph.add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims) t->add_dims(d);
    for (float v : values) t->add_float_data(v);
  }
  onnx::NodeProto &node(const std::string &op, std::vector<std::string> inputs,
                        std::vector<std::string> outputs, const std::string &name = "") {
    auto *n = graph.add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (auto &i : inputs) n->add_input(i);
    for (auto &o : outputs) n->add_output(o);
    return *n;
  }
};

void setInt(onnx::NodeProto &node, const std::string &name, int64_t value) {
  auto *a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}

void setFloat(onnx::NodeProto &node, const std::string &name, float value) {
  auto *a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(value);
}

void setInts(onnx::NodeProto &node, const std::string &name, std::vector<int64_t> values) {
  auto *a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t v : values) a->add_ints(v);
}

std::string attrString(mlir::FuncOp func, unsigned arg, llvm::StringRef name) {
  return func.getArgAttrOfType<mlir::StringAttr>(arg, name).getValue().str();
}

std::vector<float> values(const Tensor &t) {
  return {t.span<float>().begin(), t.span<float>().end()};
}

} // namespace

TEST(OnnxImport, UnsupportedOpNamesNodeIndexNameAndOpType) {
  ModelMaker m;
  m.input("x", {2, 2});
  m.node("Relu", {"x"}, {"h"}, "first");
  m.node("Einsum", {"h"}, {"y"}, "mystery");
  m.output("y");
  mlir::MLIRContext context;
  std::string message = expectError([&] { onnx_io::importOnnx(m.model, context); },
                                    {"node 1", "'mystery'", "Einsum", "unsupported"});
  EXPECT_THROW(onnx_io::importOnnx(m.model, context), onnx_io::UnsupportedError) << message;
}

TEST(OnnxImport, NewerOperatorSetIsUnsupported) {
  ModelMaker m(onnx_io::kNewestImportOpset + 1);
  m.input("x", {2});
  m.node("Relu", {"x"}, {"y"});
  m.output("y");
  mlir::MLIRContext context;
  EXPECT_THROW(
      {
        try {
          onnx_io::importOnnx(m.model, context);
        } catch (const onnx_io::UnsupportedError &e) {
          EXPECT_NE(std::string(e.what()).find("version 18 of the default ONNX operator set"),
                    std::string::npos)
              << e.what();
          throw;
        }
      },
      onnx_io::UnsupportedError);
}

TEST(OnnxImport, UnsupportedAttributeValueIsNamed) {
  ModelMaker m;
  m.input("x", {1, 1, 4, 4});
  auto &pool = m.node("MaxPool", {"x"}, {"y"}, "pool");
  setInts(pool, "kernel_shape", {2, 2});
  setInt(pool, "storage_order", 1);
  m.output("y");
  mlir::MLIRContext context;
  expectError([&] { onnx_io::importOnnx(m.model, context); },
              {"node 0", "'pool'", "MaxPool", "storage_order=1", "unsupported"});
}

// An ignore_index inside 0..C-1 is a class weight of 0; outside, its labels
// would reach one_hot, so it is reported with the attribute's value.
TEST(OnnxImport, IgnoreIndexOutsideTheClassesIsNamed) {
  ModelMaker m;
  m.input("scores", {3, 5});
  m.input("labels", {3}, onnx::TensorProto::INT64);
  setInt(m.node("SoftmaxCrossEntropyLoss", {"scores", "labels"}, {"loss"}, "sce"),
         "ignore_index", -1);
  m.output("loss");
  mlir::MLIRContext context;
  expectError([&] { onnx_io::importOnnx(m.model, context); },
              {"node 0", "'sce'", "SoftmaxCrossEntropyLoss", "ignore_index=-1", "unsupported"});
}

TEST(OnnxImport, NodeOfAnotherDomainIsUnsupported) {
  ModelMaker m;
  m.model.mutable_opset_import(0)->set_domain("ai.onnx.preview.training");
  m.input("x", {2});
  m.node("Adagrad", {"x"}, {"y"}, "step").set_domain("ai.onnx.preview.training");
  m.output("y");
  mlir::MLIRContext context;
  EXPECT_THROW(onnx_io::importOnnx(m.model, context), onnx_io::UnsupportedError);
  expectError([&] { onnx_io::importOnnx(m.model, context); },
              {"node 0", "Adagrad", "domain 'ai.onnx.preview.training'"});
}

TEST(OnnxImport, IntegerOperandsOfAnF32OpAreUnsupportedNotInvalidIr) {
  // Max's builder accepts any element type; the verifier does not. The
  // importer verifies what each node built, so this is a named "unsupported".
  ModelMaker m;
  m.input("a", {3}, onnx::TensorProto::INT32);
  m.input("b", {3}, onnx::TensorProto::INT32);
  m.node("Max", {"a", "b"}, {"y"});
  m.output("y");
  mlir::MLIRContext context;
  EXPECT_THROW(onnx_io::importOnnx(m.model, context), onnx_io::UnsupportedError);
  expectError([&] { onnx_io::importOnnx(m.model, context); },
              {"node 0", "Max", "tensor<3xi32>", "f32 only"});
}

TEST(OnnxImport, UnknownAttributeIsRejectedNotIgnored) {
  ModelMaker m;
  m.input("x", {2});
  setFloat(m.node("Relu", {"x"}, {"y"}), "alpha", 0.1f);
  m.output("y");
  mlir::MLIRContext context;
  expectError([&] { onnx_io::importOnnx(m.model, context); }, {"Relu", "attribute alpha"});
}

TEST(OnnxImport, GarbageAndTruncatedFilesGiveErrors) {
  nabla::testing::TempDir dir;
  mlir::MLIRContext context;
  nabla::testing::writeBytes(dir.file("garbage.onnx"), {0xff, 0xff, 0xff, 0xff, 0x07, 0x13, 0x00});
  expectError([&] { onnx_io::importOnnx(dir.file("garbage.onnx"), context); },
              {"garbage.onnx", "not a valid ONNX model"});

  ModelMaker m;
  m.input("x", {2});
  m.node("Relu", {"x"}, {"y"});
  m.output("y");
  std::string bytes = m.model.SerializeAsString();
  // Dropping the last byte always cuts the last field short.
  for (size_t keep : {bytes.size() / 2, bytes.size() - 1}) {
    nabla::testing::writeBytes(dir.file("cut.onnx"),
                               std::vector<uint8_t>(bytes.begin(), bytes.begin() + keep));
    expectError([&] { onnx_io::importOnnx(dir.file("cut.onnx"), context); },
                {"cut.onnx", "not a valid ONNX model"});
  }
  expectError([&] { onnx_io::importOnnx(dir.file("missing.onnx"), context); },
              {"missing.onnx", "cannot open"});
}

// Found by mutating the conformance models: a zero stride with ceil_mode
// divided by zero before the op's verifier could object.
TEST(OnnxImport, ZeroStrideIsAnErrorThatNamesTheNodeOnce) {
  ModelMaker m;
  m.input("x", {1, 1, 4, 4});
  auto &pool = m.node("MaxPool", {"x"}, {"y"}, "pool");
  setInts(pool, "kernel_shape", {3, 3});
  setInts(pool, "strides", {0, 1});
  setInt(pool, "ceil_mode", 1);
  m.output("y");
  mlir::MLIRContext context;
  std::string message = expectError([&] { onnx_io::importOnnx(m.model, context); },
                                    {"node 0 'pool' (MaxPool): ", "strides"});
  EXPECT_EQ(message.find("(MaxPool)"), message.rfind("(MaxPool)")) << message;
}

// A shape error from building the op (the verifier's message) names the node
// once too, and prints no MLIR location.
TEST(OnnxImport, OpShapeErrorNamesTheNodeOnce) {
  ModelMaker m;
  m.input("a", {2, 3});
  m.input("b", {4, 5});
  m.node("MatMul", {"a", "b"}, {"y"});
  m.output("y");
  mlir::MLIRContext context;
  std::string message = expectError([&] { onnx_io::importOnnx(m.model, context); },
                                    {"node 0 (MatMul): ", "contracts 3 with 4"});
  EXPECT_EQ(message.find("(MatMul)"), message.rfind("(MatMul)")) << message;
  EXPECT_EQ(message.find("loc("), std::string::npos) << message;
}

TEST(OnnxImport, UndefinedInputIsAnError) {
  ModelMaker m;
  m.input("x", {2});
  m.node("Add", {"x", "nowhere"}, {"y"}, "add");
  m.output("y");
  mlir::MLIRContext context;
  expectError([&] { onnx_io::importOnnx(m.model, context); }, {"node 0", "Add", "'nowhere'"});
}

// Found by the onnx_import fuzzer: a Reshape of opset >= 5 without its shape
// input read past the node's input list.
TEST(OnnxImport, ReshapeWithoutItsShapeInputIsAnError) {
  ModelMaker m;
  m.input("x", {2, 3});
  m.node("Reshape", {"x"}, {"y"}, "reshape");
  m.output("y");
  mlir::MLIRContext context;
  expectError([&] { onnx_io::importOnnx(m.model, context); },
              {"node 0 'reshape' (Reshape)", "the target shape (input 1) is missing"});
}

// Found by the onnx_import fuzzer: an int64 shape read through double
// (undefined past int64's range, inexact past 2^53). It is read exactly and
// then rejected by shape inference, naming the dimension.
TEST(OnnxImport, ReshapeTargetsAreReadAsExactIntegers) {
  ModelMaker m;
  m.input("x", {2, 3});
  setInts(m.node("Constant", {}, {"shape"}), "value_ints", {INT64_MAX, -1});
  m.node("Reshape", {"x", "shape"}, {"y"}, "reshape");
  m.output("y");
  mlir::MLIRContext context;
  expectError([&] { onnx_io::importOnnx(m.model, context); },
              {"reshape", "[9223372036854775807, -1]"});
}

// y = relu(2 * x W + b) with W, b initializers and a dynamic batch.
TEST(OnnxImport, GemmReluModelImportsAndRunsToHandComputedValues) {
  ModelMaker m;
  m.input("x", {-1, 2});
  m.initializer("W", {2, 3}, {1, 2, 3, 4, 5, 6});
  m.initializer("b", {3}, {-1, 0, 1});
  setFloat(m.node("Gemm", {"x", "W", "b"}, {"h"}, "fc"), "alpha", 2.0f);
  m.node("Relu", {"h"}, {"y"}, "act");
  m.output("y");

  mlir::MLIRContext context;
  onnx_io::OnnxImport imported = onnx_io::importOnnx(m.model, context);
  auto func = imported.module->lookupSymbol<mlir::FuncOp>("main");
  ASSERT_TRUE(func);
  ASSERT_EQ(func.getNumArguments(), 3u);
  EXPECT_EQ(attrString(func, 0, "nabla.name"), "x");
  EXPECT_EQ(attrString(func, 0, "nabla.role"), "input");
  EXPECT_EQ(attrString(func, 1, "nabla.role"), "param");
  EXPECT_EQ(attrString(func, 2, "nabla.name"), "b");
  EXPECT_TRUE(func.getArgument(0).getType().cast<mlir::RankedTensorType>().isDynamicDim(0));
  EXPECT_EQ(func.getResultAttrOfType<mlir::StringAttr>(0, "nabla.name").getValue(), "y");
  ASSERT_EQ(imported.params.size(), 2u);
  EXPECT_EQ(imported.params[0].first, "W");
  EXPECT_EQ(imported.inputNames, std::vector<std::string>{"x"});

  // Row 0: 2*[1-4, 2-5, 3-6] + b = [-7, -6, -5] -> relu 0.
  // Row 1: 2*[0.5+8, 1+10, 1.5+12] + b = [16, 22, 28].
  Tensor x = Tensor::fromVector<float>({2, 2}, {1, -1, 0.5f, 2});
  std::vector<Tensor> out =
      reference::Interpreter(*imported.module)
          .run("main", {x, imported.params[0].second, imported.params[1].second});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].shape(), (Shape{2, 3}));
  EXPECT_EQ(values(out[0]), (std::vector<float>{0, 0, 0, 16, 22, 28}));
}

// Softmax before opset 13 normalizes over the flattened block from axis 1;
// from opset 13 along the last axis only. On zeros of shape [1, 2, 2] that is
// 1/4 versus 1/2 everywhere.
TEST(OnnxImport, SoftmaxFollowsOpsetSemantics) {
  for (auto [opset, expected] : {std::pair{11, 0.25f}, std::pair{13, 0.5f}}) {
    ModelMaker m(opset);
    m.input("x", {1, 2, 2});
    m.node("Softmax", {"x"}, {"y"});
    m.output("y");
    mlir::MLIRContext context;
    onnx_io::OnnxImport imported = onnx_io::importOnnx(m.model, context);
    std::vector<Tensor> out =
        reference::Interpreter(*imported.module).run("main", {Tensor({1, 2, 2}, DType::F32)});
    EXPECT_EQ(values(out[0]), std::vector<float>(4, expected)) << "opset " << opset;
  }
}

// Reshape's shape from a Constant node, with 0 (copy) and -1 (infer).
TEST(OnnxImport, ReshapeTakesItsShapeFromAConstant) {
  ModelMaker m;
  m.input("x", {2, 3, 2});
  auto &shape = m.node("Constant", {}, {"shape"});
  auto *a = shape.add_attribute();
  a->set_name("value_ints");
  a->set_type(onnx::AttributeProto::INTS);
  a->add_ints(0);
  a->add_ints(-1);
  m.node("Reshape", {"x", "shape"}, {"y"});
  m.output("y");
  mlir::MLIRContext context;
  onnx_io::OnnxImport imported = onnx_io::importOnnx(m.model, context);
  auto func = imported.module->lookupSymbol<mlir::FuncOp>("main");
  EXPECT_EQ(func.getType().getResult(0).cast<mlir::RankedTensorType>().getShape(),
            llvm::ArrayRef<int64_t>({2, 6}));
}

// A corrupt TensorProto's dims must give an error before any allocation.
TEST(OnnxImport, TensorDimsThatTheDataDoesNotFillAreErrors) {
  onnx::TensorProto huge;
  huge.set_data_type(onnx::TensorProto::FLOAT);
  huge.add_dims(int64_t(1) << 40);
  huge.add_dims(int64_t(1) << 40);
  expectError([&] { onnx_io::tensorFromProto(huge, "t"); }, {"t", "too large"});

  onnx::TensorProto short_;
  short_.set_data_type(onnx::TensorProto::FLOAT);
  short_.add_dims(1000);
  short_.add_dims(1000);
  for (float v : {1.0f, 2.0f, 3.0f}) short_.add_float_data(v);
  expectError([&] { onnx_io::tensorFromProto(short_, "t"); },
              {"t", "has 3 values", "[1000, 1000]"});
  short_.set_raw_data(std::string(12, '\0'));
  expectError([&] { onnx_io::tensorFromProto(short_, "t"); }, {"t", "raw_data has 12 bytes"});
}

// A stack of matrices times a matrix broadcast over the stack, and a vector
// times the stack: numpy.matmul shapes [2, 2, 3] x [3, 1] -> [2, 2, 1] and
// [2] x [2, 2, 3] -> [2, 3].
TEST(OnnxImport, MatMulOfStacksAndVectorsFollowsNumpy) {
  ModelMaker m;
  m.input("a", {2, 2, 3});
  m.initializer("b", {3, 1}, {1, 10, 100});
  m.initializer("v", {2}, {1, -1});
  m.node("MatMul", {"a", "b"}, {"ab"});
  m.node("MatMul", {"v", "a"}, {"va"});
  m.output("ab");
  m.output("va");
  mlir::MLIRContext context;
  onnx_io::OnnxImport imported = onnx_io::importOnnx(m.model, context);
  Tensor a = Tensor::fromVector<float>({2, 2, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  std::vector<Tensor> out =
      reference::Interpreter(*imported.module)
          .run("main", {a, imported.params[0].second, imported.params[1].second});
  EXPECT_EQ(out[0].shape(), (Shape{2, 2, 1}));
  EXPECT_EQ(values(out[0]), (std::vector<float>{321, 654, 987, 1320}));
  EXPECT_EQ(out[1].shape(), (Shape{2, 3}));
  EXPECT_EQ(values(out[1]), (std::vector<float>{-3, -3, -3, -3, -3, -3}));
}
