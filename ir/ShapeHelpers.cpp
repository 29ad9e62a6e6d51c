#include "ir/ShapeHelpers.h"

#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace nabla::shape {

std::string str(Type type) {
  std::string s;
  llvm::raw_string_ostream os(s);
  type.print(os);
  return os.str();
}

std::string str(llvm::ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += shape[i] == kDynamic ? "?" : std::to_string(shape[i]);
  }
  return s + "]";
}

std::string list(llvm::ArrayRef<int64_t> values) {
  std::string s = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(values[i]);
  }
  return s + "]";
}

LogicalResult verifyAttributes(MLIRContext *context, llvm::Optional<Location> location,
                               AttributeVerifier verify) {
  if (location) return verify(*location);
  ScopedDiagnosticHandler silence(context, [](Diagnostic &) { return success(); });
  return verify(UnknownLoc::get(context));
}

LogicalResult Diag::fail(const llvm::Twine &message) const {
  return emitOptionalError(loc_, "'nabla.", opName_, "' op ", message.str());
}

FailureOr<RankedTensorType> Diag::ranked(Value value, llvm::StringRef name) const {
  auto type = value ? value.getType().dyn_cast<RankedTensorType>() : RankedTensorType();
  if (!type) {
    (void)fail(llvm::Twine(name) + " must be a ranked tensor, got " +
               (value ? str(value.getType()) : std::string("nothing")));
    return failure();
  }
  // Every product of its static dimensions (element counts, flattened
  // extents) then fits in int64_t.
  int64_t count = 1;
  for (int64_t d : type.getShape())
    if (d != kDynamic && __builtin_mul_overflow(count, d, &count)) {
      (void)fail(llvm::Twine(name) + " " + str(type) + " has more than 2^63 elements");
      return failure();
    }
  return type;
}

FailureOr<RankedTensorType> Diag::ranked(Value value, llvm::StringRef name, int64_t rank) const {
  auto type = ranked(value, name);
  if (failed(type)) return failure();
  if (type->getRank() != rank) {
    (void)fail(llvm::Twine(name) + " must have rank " + llvm::Twine(rank) + ", got " + str(*type));
    return failure();
  }
  return type;
}

FailureOr<llvm::SmallVector<int64_t>> Diag::ints(Attribute attr, llvm::StringRef name,
                                                 int64_t size) const {
  auto array = attr.dyn_cast_or_null<ArrayAttr>();
  if (!array) {
    (void)fail(llvm::Twine("attribute '") + name + "' must be an array of integers");
    return failure();
  }
  llvm::SmallVector<int64_t> values;
  for (Attribute element : array) {
    auto integer = element.dyn_cast<IntegerAttr>();
    if (!integer) {
      (void)fail(llvm::Twine("attribute '") + name + "' must be an array of integers");
      return failure();
    }
    values.push_back(integer.getInt());
  }
  if (size >= 0 && int64_t(values.size()) != size) {
    (void)fail(llvm::Twine("attribute '") + name + "' must have " + llvm::Twine(size) +
               " entries, got " + list(values));
    return failure();
  }
  return values;
}

FailureOr<int64_t> Diag::integer(Attribute attr, llvm::StringRef name) const {
  auto integer = attr.dyn_cast_or_null<IntegerAttr>();
  if (!integer) {
    (void)fail(llvm::Twine("attribute '") + name + "' must be an integer");
    return failure();
  }
  return integer.getInt();
}

FailureOr<int64_t> Diag::axis(int64_t axis, RankedTensorType type,
                              llvm::StringRef attrName) const {
  int64_t rank = type.getRank();
  if (axis < -rank || axis >= rank) {
    (void)fail("axis " + llvm::Twine(axis) + " (attribute '" + attrName +
               "') is out of range for rank-" + llvm::Twine(rank) + " " + str(type));
    return failure();
  }
  return axis < 0 ? axis + rank : axis;
}

FailureOr<llvm::SmallVector<int64_t>> broadcast(const Diag &diag, RankedTensorType lhs,
                                                RankedTensorType rhs) {
  auto a = lhs.getShape(), b = rhs.getShape();
  size_t rank = std::max(a.size(), b.size());
  llvm::SmallVector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t x = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t y = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (x == 1) out[i] = y;
    else if (y == 1) out[i] = x;
    else if (x == kDynamic) out[i] = y;
    else if (y == kDynamic || x == y) out[i] = x;
    else {
      (void)diag.fail("operands do not broadcast: " + str(lhs) + " and " + str(rhs) +
                      " differ in dimension " + llvm::Twine(i) + " of the broadcast shape (" +
                      llvm::Twine(x) + " vs " + llvm::Twine(y) + ")");
      return failure();
    }
  }
  return out;
}

bool broadcastsTo(llvm::ArrayRef<int64_t> from, llvm::ArrayRef<int64_t> to) {
  if (from.size() > to.size()) return false;
  size_t offset = to.size() - from.size();
  for (size_t i = 0; i < from.size(); ++i) {
    int64_t f = from[i], t = to[offset + i];
    if (f != 1 && f != t && f != kDynamic && t != kDynamic) return false;
  }
  return true;
}

int64_t Window::outputSize(int i, int64_t in) const {
  if (in == kDynamic) return kDynamic;
  int64_t span = dilation[i] * (kernel[i] - 1) + 1;
  int64_t padded = in + padBegin[i] + padEnd[i];
  // Checked before dividing: division truncates toward zero, so a window that
  // overhangs by less than a stride would otherwise count as one output, and
  // an overhang giving exactly -1 would read as kDynamic.
  if (padded < span) return 0;
  return (padded - span) / stride[i] + 1;
}

FailureOr<Window> window(const Diag &diag, Attribute kernelShape, Attribute strides,
                         Attribute pads, Attribute dilations) {
  auto k = diag.ints(kernelShape, "kernel_shape", 2);
  auto s = diag.ints(strides, "strides", 2);
  auto p = diag.ints(pads, "pads", 4);
  if (failed(k) || failed(s) || failed(p)) return failure();
  llvm::SmallVector<int64_t> d = {1, 1};
  if (dilations) {
    auto parsed = diag.ints(dilations, "dilations", 2);
    if (failed(parsed)) return failure();
    d = *parsed;
  }
  for (int i = 0; i < 2; ++i) {
    if ((*k)[i] < 1) return (void)diag.fail("kernel_shape must be positive, got " + list(*k)), failure();
    if ((*s)[i] < 1) return (void)diag.fail("strides must be positive, got " + list(*s)), failure();
    if (d[i] < 1) return (void)diag.fail("dilations must be positive, got " + list(d)), failure();
  }
  for (int64_t pad : *p)
    if (pad < 0) return (void)diag.fail("pads must be non-negative, got " + list(*p)), failure();
  Window w;
  for (int i = 0; i < 2; ++i) {
    w.kernel[i] = (*k)[i];
    w.stride[i] = (*s)[i];
    w.padBegin[i] = (*p)[i];
    w.padEnd[i] = (*p)[i + 2];
    w.dilation[i] = d[i];
  }
  return w;
}

FailureOr<std::pair<int64_t, int64_t>> windowOutput(const Diag &diag, const Window &w,
                                                    RankedTensorType input) {
  int64_t h = input.getDimSize(2), wd = input.getDimSize(3);
  int64_t oh = w.outputSize(0, h), ow = w.outputSize(1, wd);
  if ((oh != kDynamic && oh < 1) || (ow != kDynamic && ow < 1)) {
    (void)diag.fail("window " + list({w.dilation[0] * (w.kernel[0] - 1) + 1,
                                      w.dilation[1] * (w.kernel[1] - 1) + 1}) +
                    " does not fit the padded input " + str(input) + " (pads " +
                    list({w.padBegin[0], w.padBegin[1], w.padEnd[0], w.padEnd[1]}) + ")");
    return failure();
  }
  return std::make_pair(oh, ow);
}

int64_t product(llvm::ArrayRef<int64_t> dims) {
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d == kDynamic) return kDynamic;
    n *= d;
  }
  return n;
}

} // namespace nabla::shape
