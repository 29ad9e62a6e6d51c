// The pieces every op lowering shares: how a nabla tensor is represented as a
// Halide Func, the table of per-op lowerings (one file per op family, as in
// backends/reference/*Kernels.cpp) and small index helpers.
//
// Index convention: nabla shapes are row-major NCHW; Halide's dimension 0 is
// the innermost one. A LoweredTensor's Func therefore takes its arguments in
// reverse NCHW order, and lowerings never call it directly but through at(),
// which takes indices in NCHW order. Shapes are Halide Exprs: a static
// dimension is a constant, a dynamic one (the batch) is derived from the input
// buffers' extents, so one compiled pipeline serves every batch size.
#pragma once

#include "Halide.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"
#include "mlir/Support/TypeID.h"
#include "llvm/ADT/DenseMap.h"

#include <algorithm>
#include <array>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace nabla::halide {

/// How the CPU schedule treats a Func (the lowerings only write algorithms).
enum class ScheduleKind {
  Input,     // an ImageParam: nothing to schedule
  Pointwise, // one pure definition, computed at root
  Reduction, // pure init + updates `f(vars) op= g(vars, rdom)`, gather-style
  Matmul,    // pure init + one update over the contraction RDom: tiled schedule
  Convolution, // NCHW conv2d accumulation: register tiles of (ow, output channel)
  Epilogue,  // pointwise over its single stage, a Reduction or Matmul that is
             // computed tile by tile inside this Func's loops (never stored whole)
  HostCheck, // an input validated by require() (labels in range): computed at root
             // on the host under every schedule, since GPU code cannot report errors
  Transpose, // copy(j, i) = source(i, j) of a 2-D source (a transposed matmul
             // operand): moved in square blocks through registers
  Winograd,  // the output of a Winograd conv (WinogradLowering.cpp): its
             // stages are the bordered input, the transforms (two passes
             // each) and the products (accumulated, stored); WinogradSchedule.cpp
};

/// Convolutions whose vectors may run across output channels (channelLanes):
/// kConvChannelLanes channels per vector (an AVX-512 register of floats),
/// tiles of whole rows, at most kChannelLanePixels output pixels (one
/// accumulator register each), written out in square blocks of
/// kChannelLaneBlock, so rows must be at least that wide.
constexpr int64_t kConvChannelLanes = 16, kChannelLanePixels = 28, kChannelLaneBlock = 8;

struct LoweredTensor {
  Halide::Func func;
  std::vector<Halide::Expr> shape; // NCHW order
  ScheduleKind kind = ScheduleKind::Pointwise;
  /// Intermediate Funcs of this op that the schedule must place too (e.g.
  /// softmax's row maximum and row sum); inlined helpers are not listed.
  std::vector<LoweredTensor> stages = {};
  /// Reductions only: how many pure dims after the innermost (all with
  /// static extents) the schedule keeps in registers inside the reduction.
  int registerTile = 0;
  /// Reductions with a register tile only: this many pure dims after the
  /// tile's run inside the outermost reduction loop (over the images of a
  /// batch) instead of outside all of it, so what one image contributes is
  /// read from cache by each of them.
  int pureDimsInsideReduction = 0;
  /// Reductions with pure dims inside the reduction only: what it reads one
  /// image at a time in its outermost reduction loop (over the images of a
  /// batch), computed inside that loop, an image at a time, so it never
  /// leaves the cache (a conv's filter gradient reading its output gradient):
  /// one of its `stages`, into which the schedule inlines a pointwise listed
  /// tensor that nothing else reads; or such a listed tensor itself.
  std::vector<Halide::Func> imageOperands = {};
  /// Reinterpretations (reshape, flatten) only: the shorter of the input's
  /// and the output's innermost static extents when it divides the longer.
  /// The schedule splits the innermost loop by it, so the unraveled index
  /// folds into contiguous loads instead of a division, a modulo and a gather
  /// per element.
  int64_t rowBlock = 0;
  /// Reshapes and flattens: the tensor they reinterpret (one element), so a
  /// consumer can read the data through its shape instead (see multiply()).
  std::vector<LoweredTensor> reinterpreted = {};
  /// Reshapes that only split dims: every input index is linear in the
  /// output's, so a consumer reads through it as cheaply as from a stored
  /// copy. The CPU schedule never stores one (unless it is an output).
  bool view = false;
  /// Set from the op's `nabla.inline` (--nabla-fuse-elementwise): the schedule
  /// may compute this tensor inside its consumer instead of storing it.
  bool inlineIntoConsumer = false;
  /// Set from the op's `nabla.loop_group` (--nabla-fuse-loop-groups): the
  /// CPU schedule computes the pipeline outputs of one group in one loop.
  /// -1: none.
  int64_t loopGroup = -1;
  /// Max pools whose windows tile their input only (stride = kernel, no
  /// padding): the window [KH, KW]. The CPU schedule may then compute the
  /// convolution it reads tile by tile inside it (--nabla-fuse-conv-pool).
  std::array<int64_t, 2> tilingWindow = {0, 0};
  /// Convolutions only, when defined: the accumulation over flattened output
  /// planes (n, o, oh * OW + ow) that `func` only views as NCHW; the schedule
  /// computes this one. Its tiles span `flatTileRows` rows, whole vectors.
  Halide::Func flatAccumulation = {};
  int flatTileRows = 0;
  /// Convolutions only: stages[0] is the input with a zero border, which
  /// the CPU schedule may compute image by image inside the convolution.
  bool borderedInput = false;
  /// Convolutions only: the accumulation reads the filter from stages[1],
  /// a copy with the output channels innermost, so the CPU schedule may run
  /// its vectors across kConvChannelLanes output channels (ConvSchedule.cpp).
  bool channelLanes = false;
  /// max_pool2d_indices_backward over windows that tile the image only, with
  /// indices from the forward pool: {indices, pooled gradient}, and the
  /// window [KH, KW]. A conv's filter gradient that reads the routed tensor
  /// sums over the windows' winning pixels alone (filterGradientFromPool)
  /// instead of over every pixel, most of which receive zero.
  std::vector<LoweredTensor> routedFrom = {};
  std::array<int64_t, 2> routingWindow = {0, 0};
  /// Matmuls only: the Funcs its update reads as A and B, which the GPU
  /// schedule stages through shared memory tile by tile.
  std::vector<Halide::Func> operands = {};

  /// Ops with several results computed together (max_pool2d_with_indices):
  /// this result is field `tupleElement` of the Tuple-valued `func`, which
  /// its sibling results share; -1: `func` has one value.
  int tupleElement = -1;

  int rank() const { return int(shape.size()); }
  /// The element at NCHW indices `index`.
  Halide::Expr at(const std::vector<Halide::Expr> &index) const;
  Halide::Type type() const { return func.output_types().at(size_t(std::max(tupleElement, 0))); }
};

/// A Func with a pipeline-unique name derived from `name` (Halide requires
/// distinct names, and an op family lowers many Funcs of the same kind).
Halide::Func makeFunc(const std::string &name);
/// `rank` fresh Vars, in NCHW order.
std::vector<Halide::Var> makeVars(int rank, const std::string &prefix = "d");
std::vector<Halide::Expr> toExprs(const std::vector<Halide::Var> &vars);
/// The definition site `func(vars reversed)` for NCHW-ordered `vars`.
Halide::FuncRef defineAt(Halide::Func &func, const std::vector<Halide::Var> &vars);
/// The value of `e` when it simplifies to a constant, else 0 (extents are
/// positive, so 0 means "not static").
int64_t constantValue(const Halide::Expr &e);
/// The identity, as an Epilogue's activation.
inline Halide::Expr identity(Halide::Expr x) { return x; }
/// Product of extents (1 for none).
Halide::Expr product(const std::vector<Halide::Expr> &extents);

/// The tensor's shape with every dimension that `type` knows statically
/// replaced by the constant: it simplifies the Exprs that Halide sees.
std::vector<Halide::Expr> refineShape(mlir::Type type, std::vector<Halide::Expr> shape);

/// The Halide element type of an MLIR element type (f32, f64, i32, i64).
Halide::Type halideType(mlir::Type elementType);

/// Reads an NCHW `tensor` with `fill` outside [0, extent) in dims H and W:
/// the padding of convolutions and pools (callers step outside only there).
LoweredTensor padSpatial(const LoweredTensor &tensor, Halide::Expr fill);

/// Reads `tensor` (of MLIR type `type`) at output indices `out` under numpy
/// broadcasting: leading output dims are dropped, size-1 dims read index 0.
Halide::Expr broadcastRead(const LoweredTensor &tensor, mlir::Type type,
                           const std::vector<Halide::Var> &out);
/// The numpy-broadcast shape of two operands.
std::vector<Halide::Expr> broadcastShape(const LoweredTensor &a, mlir::Type aType,
                                         const LoweredTensor &b, mlir::Type bType);

/// Stable softmax (or log_softmax) of `x` along `axis`: subtracts the
/// maximum along the axis first. Shared by the softmax and loss lowerings.
LoweredTensor softmaxAlong(const LoweredTensor &x, int64_t axis, bool log);

/// `indices` as int32, each required to lie in [0, bound): an index outside
/// stops the pipeline with "<index> <message> <bound>". A HostCheck stage:
/// list it in the consumer's stages.
LoweredTensor checkedIndices(const LoweredTensor &indices, Halide::Expr bound,
                             const std::string &message);

/// Lowers one op given its lowered operands; returns one tensor per result.
using OpLowering = std::function<std::vector<LoweredTensor>(mlir::Operation *,
                                                            const std::vector<LoweredTensor> &)>;

class LoweringTable {
public:
  template <typename OpT, typename Fn> void add(Fn fn) {
    lowerings_[mlir::TypeID::get<OpT>()] = [fn](mlir::Operation *op,
                                                const std::vector<LoweredTensor> &operands) {
      return fn(llvm::cast<OpT>(op), operands);
    };
  }
  /// A single-result lowering `fn(OpT, operands) -> LoweredTensor`.
  template <typename OpT, typename Fn> void add1(Fn fn) {
    add<OpT>([fn](OpT op, const std::vector<LoweredTensor> &operands) {
      return std::vector<LoweredTensor>{fn(op, operands)};
    });
  }
  const OpLowering *find(mlir::Operation *op) const;

  /// The table with every family registered.
  static const LoweringTable &instance();

private:
  llvm::DenseMap<mlir::TypeID, OpLowering> lowerings_;
};

void registerElementwiseLowerings(LoweringTable &table);
void registerTensorLowerings(LoweringTable &table);
void registerReductionLowerings(LoweringTable &table);
void registerLossLowerings(LoweringTable &table);
void registerConvLowerings(LoweringTable &table);
void registerPoolLowerings(LoweringTable &table);
void registerNormalizationLowerings(LoweringTable &table);
void registerFusedLowerings(LoweringTable &table);

/// "'nabla.<op>' at <loc>" for messages.
std::string describeOp(mlir::Operation *op);
/// Throws nabla::Error "'nabla.<op>' at <loc>: <message>".
[[noreturn]] void loweringError(mlir::Operation *op, const std::string &message);
/// An I64ArrayAttr as a vector.
std::vector<int64_t> ints(mlir::Attribute attr);

/// Window attributes of conv/pool-like ops, read once.
struct WindowAttrs {
  int64_t kernel[2], stride[2], padBegin[2], padEnd[2], dilation[2];
  /// The size of the output along spatial axis i (0 = H, 1 = W) for input
  /// extent `in`, as shape inference computes it.
  Halide::Expr outputSize(int i, Halide::Expr in) const;
  /// Stride 1 and dilation 1 along both axes.
  bool unitSteps() const {
    return stride[0] == 1 && stride[1] == 1 && dilation[0] == 1 && dilation[1] == 1;
  }
};
/// The input row/column that window tap `k` of output position `o` reads
/// along spatial axis i: o * stride - pad_begin + k * dilation.
Halide::Expr windowInput(const WindowAttrs &w, int i, Halide::Expr o, Halide::Expr k);

/// The inverse, for gather-style backward ops: the output position whose
/// tap `k` reads input position `x` along axis i, clamped into [0, extent)
/// so reads stay in bounds, and whether that position really exists.
struct WindowSource {
  Halide::Expr position; // clamped
  Halide::Expr valid;
};
WindowSource windowSource(const WindowAttrs &w, int i, Halide::Expr x, Halide::Expr k,
                          Halide::Expr outputExtent);

/// `kernel` is [KH, KW]; absent strides/pads/dilations take the ODS defaults.
WindowAttrs windowAttrs(const std::vector<int64_t> &kernel, mlir::Attribute strides,
                        mlir::Attribute pads, mlir::Attribute dilations);
/// The static [KH, KW] of an OIHW filter value.
std::vector<int64_t> filterKernel(mlir::Value filter);

/// Direct convolution of in = {input, filter[, bias]}, bias as the initial
/// value of the accumulation (shared by conv2d and fused_conv2d, which wrap
/// it in an Epilogue: the schedule accumulates each register tile in a
/// buffer of its own); with `winograd` (the op's `nabla.winograd`), by
/// Winograd F(4x4, 3x3) where winogradApplies.
LoweredTensor convolve(const std::vector<LoweredTensor> &in, const WindowAttrs &w, int32_t groups,
                       bool winograd = false);
/// Whether --nabla-select-winograd marked `op` (`nabla.winograd`).
inline bool markedWinograd(mlir::Operation *op) { return op->hasAttr("nabla.winograd"); }
/// Whether convolve() can compute this conv by Winograd F(4x4, 3x3): a
/// stride-1, undilated, ungrouped 3x3 conv of static shape, multiples of
/// kChannelLaneBlock input and kConvChannelLanes output channels (its stages
/// run their vectors across them), at least 4 rows and rows of at least
/// kChannelLaneBlock outputs (written in blocks that wide).
bool winogradApplies(const LoweredTensor &input, const LoweredTensor &filter, const WindowAttrs &w,
                     int32_t groups);
/// That conv of in = {input, filter[, bias]}: a tensor of kind Winograd.
LoweredTensor convolveWinograd(const std::vector<LoweredTensor> &in, const WindowAttrs &w);
/// A Func `name` = `fn(acc)` elementwise, of kind Epilogue over `acc`: the
/// schedule computes `acc` tile by tile inside it.
LoweredTensor epilogue(const std::string &name, LoweredTensor acc,
                       const std::function<Halide::Expr(Halide::Expr)> &fn);
/// The filter gradient of a stride-1, undilated, ungrouped conv over
/// `input` from `routed`, its output gradient, when a tiling max pool routed
/// it (LoweredTensor::routedFrom) and the filter is 5 to 8 taps wide; else
/// nothing (the caller lowers the general case).
std::optional<LoweredTensor> filterGradientFromPool(const LoweredTensor &input,
                                                    const LoweredTensor &routed,
                                                    const WindowAttrs &w, int64_t groups);
/// `activation`(op(lhs) x op(rhs)), the sum starting from `bias` per column
/// when given (shared by matmul and fused_matmul). Always an Epilogue, the
/// identity by default: the CPU schedule then accumulates each register tile
/// in a small buffer of its own, which LLVM keeps in registers.
LoweredTensor multiply(const LoweredTensor &lhs, const LoweredTensor &rhs, bool transposeLhs,
                       bool transposeRhs, const LoweredTensor *bias, const std::string &name,
                       const std::function<Halide::Expr(Halide::Expr)> &activation = identity);

} // namespace nabla::halide
