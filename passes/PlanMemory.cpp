// --nabla-plan-memory: intermediates whose lifetimes do not overlap share
// memory. A value lives from the op that defines it to its last user, in the
// function's op order (the order an executor running the ops one by one
// follows). Each op gets `nabla.offsets` (one arena offset per result, -1 for
// results the function returns, which go to the caller's buffers, and for
// values --nabla-fuse-elementwise computes inside their consumer), and the
// function gets `nabla.memory_plan` with the arena size, the bytes without
// planning (every intermediate in a buffer of its own) and the lower bound
// (the most bytes live at one op). Dynamic dimensions are the batch: they
// are planned at `batch`.
#include "passes/PassDetail.h"
#include "passes/Passes.h"
#include "runtime/MemoryPlan.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;

namespace nabla {
namespace {

/// The most bytes one planned buffer may take (256 TiB): far above any
/// machine, and low enough that the plan's sums of sizes, offsets and
/// alignment padding cannot overflow int64.
constexpr int64_t kMaxBufferBytes = int64_t(1) << 48;

/// Bytes of `type` with its dynamic dimensions at `batch`, or -1 when that
/// exceeds kMaxBufferBytes (a huge --batch would otherwise wrap around).
int64_t bytesOf(RankedTensorType type, int64_t batch) {
  int64_t bytes = int64_t((type.getElementTypeBitWidth() + 7) / 8);
  for (int64_t d : type.getShape())
    if (llvm::MulOverflow(bytes, ShapedType::isDynamic(d) ? batch : d, bytes) ||
        bytes > kMaxBufferBytes)
      return -1;
  return bytes;
}

/// The last step at which `user` reads its operands: an inlined op reads
/// them when its consumers run (--nabla-fuse-loop-groups inlines values into
/// several).
int64_t readStep(Block &body, const llvm::DenseMap<Operation *, int64_t> &step, Operation *user) {
  Operation *op = body.findAncestorOpInBlock(*user);
  if (!op->hasAttr("nabla.inline") || op->getNumResults() != 1 || op->getResult(0).use_empty())
    return step.lookup(op);
  int64_t last = 0;
  for (Operation *consumer : op->getResult(0).getUsers())
    last = std::max(last, readStep(body, step, consumer));
  return last;
}

struct PlanMemory : PlanMemoryBase<PlanMemory> {
  void runOnOperation() override {
    FuncOp func = getOperation();
    if (func.isExternal()) return;
    if (batch < 1) {
      func.emitError("--nabla-plan-memory: batch must be at least 1, got ") << batch.getValue();
      return signalPassFailure();
    }
    if (!llvm::hasSingleElement(func.getBody())) {
      func.emitError("--nabla-plan-memory plans single-block functions only");
      return signalPassFailure();
    }
    Block &body = func.getBody().front();
    llvm::DenseMap<Operation *, int64_t> step;
    for (Operation &op : body) step[&op] = int64_t(step.size());

    std::vector<BufferLifetime> lifetimes;
    std::vector<std::pair<Operation *, unsigned>> owners; // (op, result index)
    for (Operation &op : body) {
      for (OpResult result : op.getResults()) {
        auto type = result.getType().dyn_cast<RankedTensorType>();
        bool returned = llvm::any_of(result.getUsers(),
                                     [](Operation *user) { return isa<ReturnOp>(user); });
        // Returned values live in the caller's buffers; inlined ones nowhere.
        if (!type || returned || op.hasAttr("nabla.inline")) continue;
        int64_t bytes = bytesOf(type, batch);
        if (bytes < 0) {
          op.emitError("--nabla-plan-memory: result ")
              << result.getResultNumber() << " (" << type << ") at batch " << batch.getValue()
              << " needs more than 2^48 bytes";
          return signalPassFailure();
        }
        BufferLifetime lifetime{bytes, step[&op], step[&op]};
        for (Operation *user : result.getUsers())
          lifetime.lastStep = std::max(lifetime.lastStep, readStep(body, step, user));
        lifetimes.push_back(lifetime);
        owners.emplace_back(&op, result.getResultNumber());
      }
    }
    MemoryPlan plan = planMemory(lifetimes);

    OpBuilder b(func.getContext());
    llvm::DenseMap<Operation *, llvm::SmallVector<int64_t>> offsets;
    for (Operation &op : body)
      if (op.getNumResults() > 0) offsets[&op].assign(op.getNumResults(), -1);
    for (size_t i = 0; i < owners.size(); ++i)
      offsets[owners[i].first][owners[i].second] = plan.offsets[i];
    for (auto &[op, values] : offsets) op->setAttr("nabla.offsets", b.getI64ArrayAttr(values));
    func->setAttr("nabla.memory_plan",
                  b.getDictionaryAttr({
                      b.getNamedAttr("arena_bytes", b.getI64IntegerAttr(plan.arenaBytes)),
                      b.getNamedAttr("batch", b.getI64IntegerAttr(batch)),
                      b.getNamedAttr("buffers", b.getI64IntegerAttr(int64_t(lifetimes.size()))),
                      b.getNamedAttr("live_peak_bytes", b.getI64IntegerAttr(plan.liveBytesPeak)),
                      b.getNamedAttr("unplanned_bytes", b.getI64IntegerAttr(plan.unplannedBytes)),
                  }));
  }
};

} // namespace

std::unique_ptr<Pass> createPlanMemoryPass() { return std::make_unique<PlanMemory>(); }

} // namespace nabla
