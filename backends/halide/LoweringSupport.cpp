// Shared helpers of the op lowerings and the lowering table itself.
#include "backends/halide/Lowering.h"

#include "runtime/Error.h"

#include "llvm/Support/raw_ostream.h"

namespace nabla::halide {

using Halide::Expr;

Expr LoweredTensor::at(const std::vector<Expr> &index) const {
  if (int(index.size()) != rank())
    throw Error("internal: rank-" + std::to_string(rank()) + " tensor indexed with " +
                std::to_string(index.size()) + " indices");
  Halide::FuncRef ref = func(std::vector<Expr>(index.rbegin(), index.rend()));
  if (tupleElement >= 0) return ref[tupleElement];
  return ref;
}

Halide::Func makeFunc(const std::string &name) {
  return Halide::Func(Halide::Internal::unique_name(name));
}

LoweredTensor checkedIndices(const LoweredTensor &indices, Halide::Expr bound,
                             const std::string &message) {
  auto v = makeVars(indices.rank());
  Halide::Expr raw = Halide::cast<int32_t>(indices.at(toExprs(v)));
  Halide::Func f = makeFunc("checked_indices");
  // require() returns its first argument and prints all of them.
  defineAt(f, v) = Halide::require(raw >= 0 && raw < bound, raw, message, bound);
  return {f, indices.shape, ScheduleKind::HostCheck};
}

std::vector<Halide::Var> makeVars(int rank, const std::string &prefix) {
  std::vector<Halide::Var> vars;
  for (int i = 0; i < rank; ++i) vars.emplace_back(prefix + std::to_string(i));
  return vars;
}

std::vector<Expr> toExprs(const std::vector<Halide::Var> &vars) {
  return std::vector<Expr>(vars.begin(), vars.end());
}

Halide::FuncRef defineAt(Halide::Func &func, const std::vector<Halide::Var> &vars) {
  return func(std::vector<Halide::Var>(vars.rbegin(), vars.rend()));
}

Expr product(const std::vector<Expr> &extents) {
  Expr p = 1;
  for (const Expr &e : extents) p = p * e;
  return Halide::Internal::simplify(p);
}

std::vector<Expr> refineShape(mlir::Type type, std::vector<Expr> shape) {
  auto ranked = type.cast<mlir::RankedTensorType>();
  for (int64_t i = 0; i < ranked.getRank() && i < int64_t(shape.size()); ++i)
    if (!ranked.isDynamicDim(i)) shape[i] = Expr(int32_t(ranked.getDimSize(i)));
  return shape;
}

Halide::Type halideType(mlir::Type elementType) {
  if (elementType.isF32()) return Halide::Float(32);
  if (elementType.isF64()) return Halide::Float(64);
  if (elementType.isInteger(32)) return Halide::Int(32);
  if (elementType.isInteger(64)) return Halide::Int(64);
  std::string s;
  llvm::raw_string_ostream os(s);
  elementType.print(os);
  throw Error("the Halide backend does not support element type " + os.str());
}

LoweredTensor padSpatial(const LoweredTensor &tensor, Expr fill) {
  auto v = makeVars(4, "p");
  Expr inside = v[2] >= 0 && v[2] < tensor.shape[2] && v[3] >= 0 && v[3] < tensor.shape[3];
  // Clamp the read so bounds inference never asks the producer for the halo.
  Expr h = Halide::clamp(v[2], 0, tensor.shape[2] - 1);
  Expr w = Halide::clamp(v[3], 0, tensor.shape[3] - 1);
  Halide::Func padded = makeFunc("padded");
  defineAt(padded, v) = Halide::select(inside, tensor.at({v[0], v[1], h, w}),
                                       Halide::cast(tensor.type(), fill));
  // Inlined into the consumer: the select costs less than a padded copy.
  return {padded, tensor.shape, ScheduleKind::Pointwise};
}

int64_t constantValue(const Expr &e) {
  // as_const_int points into the Expr: keep the simplified one alive.
  Expr simplified = Halide::Internal::simplify(e);
  const int64_t *value = Halide::Internal::as_const_int(simplified);
  return value ? *value : 0;
}

LoweredTensor epilogue(const std::string &name, LoweredTensor acc,
                       const std::function<Expr(Expr)> &fn) {
  auto v = makeVars(acc.rank());
  Halide::Func f = makeFunc(name);
  defineAt(f, v) = fn(acc.at(toExprs(v)));
  std::vector<Expr> shape = acc.shape;
  return {f, shape, ScheduleKind::Epilogue, {std::move(acc)}};
}

const OpLowering *LoweringTable::find(mlir::Operation *op) const {
  auto info = op->getName().getRegisteredInfo();
  if (!info) return nullptr;
  auto it = lowerings_.find(info->getTypeID());
  return it == lowerings_.end() ? nullptr : &it->second;
}

const LoweringTable &LoweringTable::instance() {
  static const LoweringTable table = [] {
    LoweringTable t;
    registerElementwiseLowerings(t);
    registerTensorLowerings(t);
    registerReductionLowerings(t);
    registerLossLowerings(t);
    registerConvLowerings(t);
    registerPoolLowerings(t);
    registerNormalizationLowerings(t);
    registerFusedLowerings(t);
    return t;
  }();
  return table;
}

std::string describeOp(mlir::Operation *op) {
  std::string loc;
  llvm::raw_string_ostream os(loc);
  op->getLoc().print(os);
  return "'" + op->getName().getStringRef().str() + "' at " + os.str();
}

void loweringError(mlir::Operation *op, const std::string &message) {
  throw Error(describeOp(op) + ": " + message);
}

std::vector<int64_t> ints(mlir::Attribute attr) {
  std::vector<int64_t> out;
  if (auto array = attr.dyn_cast_or_null<mlir::ArrayAttr>())
    for (mlir::Attribute a : array) out.push_back(a.cast<mlir::IntegerAttr>().getInt());
  return out;
}

std::vector<int64_t> filterKernel(mlir::Value filter) {
  auto type = filter.getType().cast<mlir::RankedTensorType>();
  return {type.getDimSize(2), type.getDimSize(3)}; // static: shape inference requires it
}

WindowAttrs windowAttrs(const std::vector<int64_t> &k, mlir::Attribute strides,
                        mlir::Attribute pads, mlir::Attribute dilations) {
  // The verifier (shape inference) has validated sizes; defaults as in ODS.
  std::vector<int64_t> s = ints(strides), p = ints(pads), d = ints(dilations);
  if (s.empty()) s = {1, 1};
  if (p.empty()) p = {0, 0, 0, 0};
  if (d.empty()) d = {1, 1};
  WindowAttrs w;
  for (int i = 0; i < 2; ++i) {
    w.kernel[i] = k.at(i);
    w.stride[i] = s.at(i);
    w.padBegin[i] = p.at(i);
    w.padEnd[i] = p.at(i + 2);
    w.dilation[i] = d.at(i);
  }
  return w;
}

Expr WindowAttrs::outputSize(int i, Expr in) const {
  int64_t span = dilation[i] * (kernel[i] - 1) + 1;
  return (in + int32_t(padBegin[i] + padEnd[i] - span)) / int32_t(stride[i]) + 1;
}

Expr windowInput(const WindowAttrs &w, int i, Expr o, Expr k) {
  return o * int32_t(w.stride[i]) - int32_t(w.padBegin[i]) + k * int32_t(w.dilation[i]);
}

WindowSource windowSource(const WindowAttrs &w, int i, Expr x, Expr k, Expr outputExtent) {
  Expr t = x + int32_t(w.padBegin[i]) - k * int32_t(w.dilation[i]); // = o * stride
  int32_t stride = int32_t(w.stride[i]);
  Expr o = stride == 1 ? t : t / stride;
  Expr valid = t >= 0 && o < outputExtent;
  if (stride != 1) valid = valid && t % stride == 0;
  return {Halide::clamp(o, 0, outputExtent - 1), valid};
}

} // namespace nabla::halide
