#include "ir/Signature.h"

#include "runtime/Error.h"

using namespace mlir;

namespace nabla {

namespace {
ArgumentInfo describe(Type type, DictionaryAttr attrs, const std::string &fallbackName) {
  auto tensor = type.dyn_cast<RankedTensorType>();
  if (!tensor) throw Error("function arguments and results must be ranked tensors");
  ArgumentInfo info;
  auto name = attrs ? attrs.getAs<StringAttr>("nabla.name") : StringAttr();
  auto role = attrs ? attrs.getAs<StringAttr>("nabla.role") : StringAttr();
  info.name = name ? name.getValue().str() : fallbackName;
  info.role = role ? role.getValue().str() : "";
  for (int64_t d : tensor.getShape()) info.shape.push_back(d == ShapedType::kDynamicSize ? -1 : d);
  Type element = tensor.getElementType();
  info.dtype = element.isF32()         ? DType::F32
               : element.isF64()       ? DType::F64
               : element.isInteger(32) ? DType::I32
               : element.isInteger(64) ? DType::I64
                                       : throw Error("unsupported element type in a function signature");
  return info;
}
} // namespace

std::vector<ArgumentInfo> functionInputs(FuncOp func) {
  std::vector<ArgumentInfo> out;
  for (unsigned i = 0; i < func.getNumArguments(); ++i)
    out.push_back(describe(func.getArgument(i).getType(), func.getArgAttrDict(i), "arg" + std::to_string(i)));
  return out;
}

std::vector<ArgumentInfo> functionOutputs(FuncOp func) {
  std::vector<ArgumentInfo> out;
  for (unsigned i = 0; i < func.getNumResults(); ++i)
    out.push_back(describe(func.getType().getResult(i), func.getResultAttrDict(i), "result" + std::to_string(i)));
  return out;
}

} // namespace nabla
