// Shared pieces of result-type inference: reading operands and attributes
// defensively (inference runs before ODS checks the operand types), numpy
// broadcasting, convolution window arithmetic, and diagnostics that name the
// op, the shapes and the attribute at fault.
#pragma once

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/Value.h"
#include "mlir/Support/LogicalResult.h"

#include <string>

namespace nabla::shape {

constexpr int64_t kDynamic = mlir::ShapedType::kDynamicSize;

/// "tensor<?x10xf32>" for a type, for error messages.
std::string str(mlir::Type type);
/// "[?, 10]" for a shape: kDynamic prints as `?`.
std::string str(llvm::ArrayRef<int64_t> shape);
/// "[-1, 10]" for an attribute's integers, printed as written (kDynamic is -1,
/// so str() would show a -1 in `shape`, `pads` or `strides` as `?`).
std::string list(llvm::ArrayRef<int64_t> values);

/// Runs an op adaptor's ODS attribute checks (required attributes present,
/// each of its declared kind). The verifier runs inference before ODS's own
/// checks; without this, the getter of a required attribute asserts when it is
/// missing and the getter of a defaulted attribute silently replaces a mistyped
/// value by its default. Reports nothing when `location` is absent.
using AttributeVerifier = llvm::function_ref<mlir::LogicalResult(mlir::Location)>;
mlir::LogicalResult verifyAttributes(mlir::MLIRContext *context,
                                     llvm::Optional<mlir::Location> location,
                                     AttributeVerifier verify);

/// Emits errors for one op during inference: "'nabla.<op>' op <message>".
class Diag {
public:
  Diag(llvm::Optional<mlir::Location> loc, llvm::StringRef opName) : loc_(loc), opName_(opName) {}

  mlir::LogicalResult fail(const llvm::Twine &message) const;

  /// The operand as a ranked tensor, or an error naming it.
  mlir::FailureOr<mlir::RankedTensorType> ranked(mlir::Value value, llvm::StringRef name) const;
  /// Like ranked() and also requires the given rank.
  mlir::FailureOr<mlir::RankedTensorType> ranked(mlir::Value value, llvm::StringRef name,
                                                 int64_t rank) const;

  /// An I64ArrayAttr of `size` entries (any size when size < 0).
  mlir::FailureOr<llvm::SmallVector<int64_t>> ints(mlir::Attribute attr, llvm::StringRef name,
                                                   int64_t size = -1) const;
  /// An integer attribute.
  mlir::FailureOr<int64_t> integer(mlir::Attribute attr, llvm::StringRef name) const;

  /// Normalizes a possibly negative axis of `type` into [0, rank); `attrName`
  /// is the attribute it came from.
  mlir::FailureOr<int64_t> axis(int64_t axis, mlir::RankedTensorType type,
                                llvm::StringRef attrName) const;

  llvm::StringRef opName() const { return opName_; }

private:
  llvm::Optional<mlir::Location> loc_;
  llvm::StringRef opName_;
};

/// numpy broadcasting of two shapes; `?` broadcasts with anything.
mlir::FailureOr<llvm::SmallVector<int64_t>> broadcast(const Diag &diag, mlir::RankedTensorType lhs,
                                                      mlir::RankedTensorType rhs);

/// Whether `from` broadcasts to `to` (numpy rules, one direction).
bool broadcastsTo(llvm::ArrayRef<int64_t> from, llvm::ArrayRef<int64_t> to);

/// Kernel, stride, padding and dilation of a 2-D sliding window.
struct Window {
  int64_t kernel[2];
  int64_t stride[2];
  int64_t padBegin[2]; // top, left
  int64_t padEnd[2];   // bottom, right
  int64_t dilation[2];

  /// Output size along spatial axis i (0 = H, 1 = W) for input size `in`;
  /// kDynamic if `in` is, 0 if the window does not fit the padded input.
  int64_t outputSize(int i, int64_t in) const;
};

/// Reads and validates a window's attributes; `dilations` may be null.
mlir::FailureOr<Window> window(const Diag &diag, mlir::Attribute kernelShape,
                               mlir::Attribute strides, mlir::Attribute pads,
                               mlir::Attribute dilations);

/// Checks that a window fits the padded input [.., .., H, W] and returns the
/// output spatial sizes.
mlir::FailureOr<std::pair<int64_t, int64_t>> windowOutput(const Diag &diag, const Window &w,
                                                          mlir::RankedTensorType input);

/// Multiplies dimensions, propagating kDynamic.
int64_t product(llvm::ArrayRef<int64_t> dims);

/// Result type of a convolution (shared by conv2d and fused_conv2d).
mlir::FailureOr<mlir::RankedTensorType>
inferConv2D(const Diag &diag, mlir::MLIRContext *context, mlir::Value input, mlir::Value filter,
            mlir::Value bias, mlir::Attribute strides, mlir::Attribute pads,
            mlir::Attribute dilations, mlir::Attribute groups);

/// Result type of a 2-D matmul (shared by matmul and fused_matmul).
mlir::FailureOr<mlir::RankedTensorType> inferMatmul(const Diag &diag, mlir::Value lhs,
                                                    mlir::Value rhs, bool transposeLhs,
                                                    bool transposeRhs);

} // namespace nabla::shape

namespace nabla::shape {
/// Whether two dimension sizes can be equal at run time.
inline bool compatible(int64_t a, int64_t b) { return a == b || a == kDynamic || b == kDynamic; }
/// The more static of two compatible dimension sizes.
inline int64_t merge(int64_t a, int64_t b) { return a == kDynamic ? b : a; }
} // namespace nabla::shape

/// Defines Op::inferReturnTypes with the MLIR 14 signature; the body sees
/// `context`, `location`, `operands`, `attributes`, `inferred`, and `diag`.
#define NABLA_INFER_RETURN_TYPES(Op)                                                               \
  static mlir::LogicalResult infer##Op(mlir::MLIRContext *context,                                 \
                                       const nabla::shape::Diag &diag, mlir::ValueRange operands,  \
                                       mlir::DictionaryAttr attributes, Op##Adaptor adaptor,       \
                                       llvm::SmallVectorImpl<mlir::Type> &inferred);               \
  mlir::LogicalResult Op::inferReturnTypes(                                                        \
      mlir::MLIRContext *context, llvm::Optional<mlir::Location> location,                         \
      mlir::ValueRange operands, mlir::DictionaryAttr attributes, mlir::RegionRange regions,       \
      llvm::SmallVectorImpl<mlir::Type> &inferred) {                                               \
    nabla::shape::Diag diag(location, getOperationName().drop_front(6));                           \
    Op##Adaptor adaptor(operands, attributes, regions);                                            \
    if (mlir::failed(nabla::shape::verifyAttributes(                                              \
            context, location, [&](mlir::Location loc) { return adaptor.verify(loc); })))          \
      return mlir::failure();                                                                      \
    return infer##Op(context, diag, operands, attributes, adaptor, inferred);                      \
  }                                                                                                \
  static mlir::LogicalResult infer##Op(                                                            \
      [[maybe_unused]] mlir::MLIRContext *context, [[maybe_unused]] const nabla::shape::Diag &diag, \
      [[maybe_unused]] mlir::ValueRange operands, [[maybe_unused]] mlir::DictionaryAttr attributes, \
      [[maybe_unused]] Op##Adaptor adaptor, llvm::SmallVectorImpl<mlir::Type> &inferred)
