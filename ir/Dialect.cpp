#include "ir/Dialect.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;

#include "ir/NablaDialect.cpp.inc"

void nabla::NablaDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "ir/NablaOps.cpp.inc"
      >();
}

Operation *nabla::NablaDialect::materializeConstant(OpBuilder &builder, Attribute value, Type type,
                                                    Location loc) {
  auto elements = value.dyn_cast<ElementsAttr>();
  if (!elements || elements.getType() != type) return nullptr;
  return builder.create<ConstantOp>(loc, elements);
}

OpFoldResult nabla::ConstantOp::fold(ArrayRef<Attribute>) { return getValueAttr(); }

void nabla::registerNablaDialects(DialectRegistry &registry) {
  registry.insert<NablaDialect, StandardOpsDialect>();
}

#define GET_OP_CLASSES
#include "ir/NablaOps.cpp.inc"
