// ir/ShapeSpecialization: static result shapes from concrete input shapes,
// through calls, with the ops' own diagnostics for bad shapes.
#include "tests/unit/TestSupport.h"

#include "ir/ShapeSpecialization.h"
#include "runtime/Error.h"

using namespace nabla;
using namespace nabla::testing;

namespace {
const char *kSource = R"(
  func @f(%x: tensor<?x3xf32>, %w: tensor<3x5xf32>, %t: tensor<?xi64>) -> (tensor<?x5xf32>, tensor<f32>) {
    %y = call @g(%x, %w) : (tensor<?x3xf32>, tensor<3x5xf32>) -> tensor<?x5xf32>
    %l = nabla.softmax_cross_entropy %y, %t : (tensor<?x5xf32>, tensor<?xi64>) -> tensor<f32>
    return %y, %l : tensor<?x5xf32>, tensor<f32>
  }
  func private @g(%x: tensor<?x3xf32>, %w: tensor<3x5xf32>) -> tensor<?x5xf32> {
    %y = nabla.matmul %x, %w : (tensor<?x3xf32>, tensor<3x5xf32>) -> tensor<?x5xf32>
    return %y : tensor<?x5xf32>
  })";
} // namespace

TEST(ShapeSpecialization, InfersStaticResultShapesThroughCalls) {
  auto context = makeContext();
  auto module = parse(*context, kSource);
  auto func = module->lookupSymbol<mlir::FuncOp>("f");
  EXPECT_EQ(inferResultShapes(func, {{7, 3}, {3, 5}, {7}}),
            (std::vector<ConcreteShape>{{7, 5}, {}}));
  ShapeSpecializer cache(func);
  EXPECT_EQ(cache.resultShapes({{1, 3}, {3, 5}, {1}}), (std::vector<ConcreteShape>{{1, 5}, {}}));
  EXPECT_EQ(cache.resultShapes({{1, 3}, {3, 5}, {1}}), (std::vector<ConcreteShape>{{1, 5}, {}}));
  // The original function keeps its dynamic types.
  EXPECT_TRUE(func.getType().getResult(0).cast<mlir::RankedTensorType>().isDynamicDim(0));
}

TEST(ShapeSpecialization, BadShapesNameTheArgumentOrTheOp) {
  auto context = makeContext();
  auto module = parse(*context, kSource);
  auto func = module->lookupSymbol<mlir::FuncOp>("f");
  try {
    inferResultShapes(func, {{7, 4}, {3, 5}, {7}});
    FAIL() << "expected an error";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("argument 0 expects tensor<?x3xf32>, got shape [7, 4]"),
              std::string::npos) << e.what();
  }
  try {
    inferResultShapes(func, {{7, 3}, {3, 5}, {6}});
    FAIL() << "expected an error";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("softmax_cross_entropy"), std::string::npos) << e.what();
  }
  EXPECT_THROW(inferResultShapes(func, {{7, 3}}), Error);
}
