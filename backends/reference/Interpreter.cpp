#include "backends/reference/Interpreter.h"

#include "backends/reference/Kernels.h"
#include "ir/Dialect.h"
#include "runtime/Error.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace nabla::reference {

namespace {
std::string typeString(Type type) {
  std::string s;
  llvm::raw_string_ostream os(s);
  type.print(os);
  return os.str();
}

/// Checks a run-time value against a declared (possibly dynamic) type.
void checkArgument(FuncOp func, unsigned index, const RefTensor &value) {
  auto type = func.getType().getInput(index).dyn_cast<RankedTensorType>();
  if (!type) throw Error("@" + func.getName().str() + ": argument " + std::to_string(index) +
                         " has unsupported type " + typeString(func.getType().getInput(index)));
  bool ok = type.getRank() == value.rank();
  for (int64_t i = 0; ok && i < type.getRank(); ++i)
    ok = type.isDynamicDim(i) || type.getDimSize(i) == value.dim(i);
  if (!ok)
    throw Error("@" + func.getName().str() + ": argument " + std::to_string(index) + " expects " +
                typeString(type) + ", got shape " + value.describe());
}
} // namespace

DType dtypeOf(Type elementType) {
  if (elementType.isF32()) return DType::F32;
  if (elementType.isF64()) return DType::F64;
  if (elementType.isInteger(32)) return DType::I32;
  if (elementType.isInteger(64)) return DType::I64;
  throw Error("unsupported element type " + typeString(elementType));
}

std::vector<RefTensor> Interpreter::call(llvm::StringRef function,
                                         std::vector<RefTensor> args) const {
  auto func = module_.lookupSymbol<FuncOp>(function);
  if (!func) throw Error("no function @" + function.str() + " in the module");
  return callFunc(func, std::move(args));
}

std::vector<Tensor> Interpreter::run(llvm::StringRef function,
                                     const std::vector<Tensor> &args) const {
  auto func = module_.lookupSymbol<FuncOp>(function);
  if (!func) throw Error("no function @" + function.str() + " in the module");
  std::vector<RefTensor> refArgs;
  for (const Tensor &arg : args) refArgs.push_back(RefTensor::fromTensor(arg));
  std::vector<RefTensor> results = callFunc(func, std::move(refArgs));
  std::vector<Tensor> out;
  for (size_t i = 0; i < results.size(); ++i) {
    auto type = func.getType().getResult(i).cast<ShapedType>();
    out.push_back(results[i].toTensor(dtypeOf(type.getElementType())));
  }
  return out;
}

std::vector<RefTensor> Interpreter::callFunc(FuncOp func, std::vector<RefTensor> args) const {
  if (func.isExternal()) throw Error("function @" + func.getName().str() + " has no body");
  if (args.size() != func.getNumArguments())
    throw Error("@" + func.getName().str() + " takes " + std::to_string(func.getNumArguments()) +
                " arguments, got " + std::to_string(args.size()));
  llvm::DenseMap<Value, RefTensor> values;
  for (unsigned i = 0; i < args.size(); ++i) {
    checkArgument(func, i, args[i]);
    auto type = func.getType().getInput(i).cast<ShapedType>();
    args[i].isInteger = type.getElementType().isa<IntegerType>();
    values[func.getArgument(i)] = std::move(args[i]);
  }
  const KernelTable &kernels = KernelTable::instance();
  for (Operation &op : func.getBody().front()) {
    std::vector<RefTensor> operands;
    for (Value operand : op.getOperands()) operands.push_back(values.lookup(operand));
    if (auto ret = dyn_cast<ReturnOp>(op)) return operands;
    std::vector<RefTensor> results;
    if (auto callOp = dyn_cast<CallOp>(op)) {
      auto callee = module_.lookupSymbol<FuncOp>(callOp.getCallee());
      if (!callee) kernelError(&op, "calls unknown function @" + callOp.getCallee().str());
      results = callFunc(callee, std::move(operands));
    } else if (const Kernel *kernel = kernels.find(&op)) {
      results = (*kernel)(&op, operands);
    } else {
      kernelError(&op, "has no reference kernel");
    }
    if (results.size() != op.getNumResults())
      kernelError(&op, "kernel returned " + std::to_string(results.size()) + " values for " +
                           std::to_string(op.getNumResults()) + " results");
    for (unsigned i = 0; i < results.size(); ++i) {
      auto type = op.getResult(i).getType().cast<ShapedType>();
      results[i].isInteger = type.getElementType().isa<IntegerType>();
      values[op.getResult(i)] = std::move(results[i]);
    }
  }
  throw Error("function @" + func.getName().str() + " has no return");
}

const Kernel *KernelTable::find(Operation *op) const {
  auto info = op->getName().getRegisteredInfo();
  if (!info) return nullptr;
  auto it = kernels_.find(info->getTypeID());
  return it == kernels_.end() ? nullptr : &it->second;
}

const KernelTable &KernelTable::instance() {
  static const KernelTable table = [] {
    KernelTable t;
    registerElementwiseKernels(t);
    registerTensorKernels(t);
    registerReductionKernels(t);
    registerLossKernels(t);
    registerConvKernels(t);
    registerPoolKernels(t);
    registerNormalizationKernels(t);
    return t;
  }();
  return table;
}

void kernelError(Operation *op, const std::string &message) {
  std::string loc;
  llvm::raw_string_ostream os(loc);
  op->getLoc().print(os);
  throw Error("'" + op->getName().getStringRef().str() + "' at " + os.str() + ": " + message);
}

RefTensor applyActivation(llvm::StringRef activation, RefTensor value) {
  if (activation == "relu")
    for (double &v : value.data) v = v > 0 ? v : 0.0;
  else if (activation != "none")
    throw Error("unknown activation '" + activation.str() + "'");
  return value;
}

std::vector<int64_t> intsAttr(Attribute attr) {
  std::vector<int64_t> out;
  for (Attribute a : attr.cast<ArrayAttr>()) out.push_back(a.cast<IntegerAttr>().getInt());
  return out;
}

} // namespace nabla::reference
