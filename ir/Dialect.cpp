#include "ir/Dialect.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Transforms/InliningUtils.h"

using namespace mlir;

#include "ir/NablaDialect.cpp.inc"

namespace {
/// Every nabla op is pure and region-free, so any of them may be inlined.
struct NablaInlinerInterface : public DialectInlinerInterface {
  using DialectInlinerInterface::DialectInlinerInterface;
  bool isLegalToInline(Operation *, Operation *, bool) const final { return true; }
  bool isLegalToInline(Operation *, Region *, bool, BlockAndValueMapping &) const final {
    return true;
  }
};
} // namespace

void nabla::NablaDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "ir/NablaOps.cpp.inc"
      >();
  addInterfaces<NablaInlinerInterface>();
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
