// --nabla-split-function: a long function becomes a chain of calls to
// parts of itself, which a backend may compile separately and in parallel.
#include "passes/PassDetail.h"
#include "passes/Passes.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/IR/BlockAndValueMapping.h"
#include "mlir/IR/Builders.h"

#include "llvm/ADT/SetVector.h"

#include <cmath>
#include <cstdint>
#include <optional>
#include <tuple>
#include <utility>

using namespace mlir;

namespace nabla {

namespace {

int64_t opWeight(Operation *op) {
  StringRef name = op->getName().stripDialect();
  bool tiled = name.contains("conv") || name.contains("matmul") || name.contains("pool");
  return tiled ? 10 : 1;
}

/// The ops of a function's body, its terminator left out, and which values
/// cross each gap between them.
class OpSequence {
public:
  explicit OpSequence(FuncOp func) : block_(func.getBody().front()) {
    for (Operation &op : block_.without_terminator()) ops_.push_back(&op);
    for (size_t i = 0; i < ops_.size(); ++i) index_[ops_[i]] = i;
  }

  size_t size() const { return ops_.size(); }
  Operation *op(size_t i) const { return ops_[i]; }

  /// The position of the top-level op that defines `v`, or nullopt for an
  /// argument of the function.
  std::optional<size_t> definedAt(Value v) const {
    Operation *def = v.getDefiningOp();
    if (!def) {
      Operation *owner = v.cast<BlockArgument>().getOwner()->getParentOp();
      if (owner == block_.getParentOp()) return std::nullopt;
      def = owner; // an argument of a region nested in a top-level op
    }
    return index_.lookup(block_.findAncestorOpInBlock(*def));
  }

  /// The position of the top-level op that reads through `use`, or size()
  /// for the terminator.
  size_t usedAt(OpOperand &use) const {
    Operation *user = block_.findAncestorOpInBlock(*use.getOwner());
    return user == block_.getTerminator() ? ops_.size() : index_.lookup(user);
  }

  /// Values defined by ops [begin, end) that an op at or after `end` (or the
  /// terminator) reads, in definition order.
  llvm::SetVector<Value> liveOut(size_t begin, size_t end) const {
    llvm::SetVector<Value> out;
    for (size_t i = begin; i < end; ++i)
      for (Value v : ops_[i]->getResults())
        for (OpOperand &use : v.getUses())
          if (usedAt(use) >= end) out.insert(v);
    return out;
  }

  /// Values that ops [begin, end) read (nested regions included) and that
  /// are defined before `begin` or are the function's arguments.
  llvm::SetVector<Value> liveIn(size_t begin, size_t end) const {
    llvm::SetVector<Value> in;
    for (size_t i = begin; i < end; ++i)
      ops_[i]->walk([&](Operation *nested) {
        for (Value v : nested->getOperands()) {
          std::optional<size_t> at = definedAt(v);
          if (!at || *at < begin) in.insert(v);
        }
      });
    return in;
  }

  /// Whether a cut before position `p` keeps every `nabla.inline` value with
  /// its readers and every loop group whole; its cost is first how many
  /// crossing values an elementwise or other light op computes (the backend
  /// would compute those inside their readers; across a cut each is stored
  /// and read back), then how many values cross it.
  std::optional<std::pair<size_t, size_t>> cutCost(size_t p) const {
    llvm::SetVector<Value> crossing = liveOut(0, p);
    size_t light = 0;
    for (Value v : crossing) {
      if (v.getDefiningOp()->hasAttr("nabla.inline")) return std::nullopt;
      light += opWeight(v.getDefiningOp()) == 1;
    }
    llvm::SmallDenseSet<int64_t> before;
    for (size_t i = 0; i < p; ++i)
      if (auto group = ops_[i]->getAttrOfType<IntegerAttr>("nabla.loop_group"))
        before.insert(group.getInt());
    for (size_t i = p; i < ops_.size(); ++i)
      if (auto group = ops_[i]->getAttrOfType<IntegerAttr>("nabla.loop_group"))
        if (before.count(group.getInt())) return std::nullopt;
    return std::pair{light, crossing.size()};
  }

private:
  Block &block_;
  std::vector<Operation *> ops_;
  llvm::DenseMap<Operation *, size_t> index_;
};

/// Cut positions (each the first op of a part after the first): the k-th
/// within half a part's weight of where the weight before it is k / parts of
/// the whole, at the valid gap that the fewest light values cross (see
/// cutCost), preferring gaps within a tenth of a part, then the fewest
/// crossing values, then the nearest. Fewer cuts when no valid gap is that
/// near.
std::vector<size_t> chooseCuts(const OpSequence &ops, int parts) {
  std::vector<int64_t> before(ops.size() + 1, 0); // weight of ops [0, i)
  for (size_t i = 0; i < ops.size(); ++i) before[i + 1] = before[i] + opWeight(ops.op(i));
  double part = double(before.back()) / parts;
  std::vector<size_t> cuts;
  for (int k = 1; k < parts; ++k) {
    double target = part * k;
    std::optional<std::tuple<size_t, bool, size_t, double>> best;
    size_t bestAt = 0;
    for (size_t p = cuts.empty() ? 1 : cuts.back() + 1; p < ops.size(); ++p) {
      double distance = std::abs(double(before[p]) - target);
      if (distance > part / 2) continue;
      auto cost = ops.cutCost(p);
      if (!cost) continue;
      std::tuple score{cost->first, distance > part / 10, cost->second, distance};
      if (!best || score < *best) best = score, bestAt = p;
    }
    if (best) cuts.push_back(bestAt);
  }
  return cuts;
}

/// An outlined run of ops: its function, and the caller's values that its
/// arguments and results stand for.
struct Part {
  FuncOp func;
  llvm::SetVector<Value> inputs, outputs;
};

/// Copies ops [begin, end) of `func` into a new function `name`, placed
/// before `func` (the originals stay until the caller erases them).
Part outline(FuncOp func, const OpSequence &ops, size_t begin, size_t end, StringRef name) {
  Part part{nullptr, ops.liveIn(begin, end), ops.liveOut(begin, end)};
  auto ret = cast<ReturnOp>(func.getBody().front().getTerminator());
  SmallVector<Type> inputTypes, outputTypes;
  for (Value v : part.inputs) inputTypes.push_back(v.getType());
  for (Value v : part.outputs) outputTypes.push_back(v.getType());
  OpBuilder b(func);
  part.func = b.create<FuncOp>(func.getLoc(), name, b.getFunctionType(inputTypes, outputTypes));
  // The function's own arguments and results keep their names and roles.
  // A value of an earlier part is an "intermediate" argument that names the
  // op computing it: the backend trusts a max pool's taps that come from
  // max_pool2d_with_indices instead of checking each on every call.
  for (unsigned i = 0; i < part.inputs.size(); ++i) {
    Value v = part.inputs[i];
    if (Operation *def = v.getDefiningOp()) {
      part.func.setArgAttr(i, "nabla.role", b.getStringAttr("intermediate"));
      part.func.setArgAttr(i, "nabla.computed_by", b.getStringAttr(def->getName().getStringRef()));
    } else if (DictionaryAttr attrs = func.getArgAttrDict(v.cast<BlockArgument>().getArgNumber())) {
      part.func.setArgAttrs(i, attrs);
    }
  }
  for (unsigned i = 0; i < part.outputs.size(); ++i)
    for (OpOperand &use : part.outputs[i].getUses())
      if (use.getOwner() == ret.getOperation()) {
        if (DictionaryAttr attrs = func.getResultAttrDict(use.getOperandNumber()))
          part.func.setResultAttrs(i, attrs);
        break;
      }

  Block *body = part.func.addEntryBlock();
  BlockAndValueMapping map;
  for (auto [v, arg] : llvm::zip(part.inputs, body->getArguments())) map.map(v, arg);
  OpBuilder inside = OpBuilder::atBlockEnd(body);
  for (size_t i = begin; i < end; ++i) inside.clone(*ops.op(i), map);
  SmallVector<Value> results;
  for (Value v : part.outputs) results.push_back(map.lookup(v));
  inside.create<ReturnOp>(func.getLoc(), results);
  return part;
}

class SplitFunctionPass : public SplitFunctionBase<SplitFunctionPass> {
public:
  SplitFunctionPass() = default;
  SplitFunctionPass(const std::string &function, int partCount) {
    functionName = function;
    parts = partCount;
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto func = module.lookupSymbol<FuncOp>(functionName);
    if (!func || func.isExternal()) {
      module.emitError("--nabla-split-function: no function @") << functionName << " to split";
      return signalPassFailure();
    }
    if (parts < 1) {
      func.emitError("--nabla-split-function: parts must be at least 1, got ") << int(parts);
      return signalPassFailure();
    }
    for (int k = 0; k < parts && parts > 1; ++k)
      if (module.lookupSymbol(functionName + "_part" + std::to_string(k))) {
        func.emitError("--nabla-split-function: @")
            << functionName << "_part" << k << " exists already (split twice?)";
        return signalPassFailure();
      }
    if (parts > 1) split(func);
  }

private:
  void split(FuncOp func) {
    OpSequence ops(func);
    std::vector<size_t> bounds = chooseCuts(ops, parts);
    if (bounds.empty()) return; // no valid cut: one part, the function as it is
    bounds.insert(bounds.begin(), 0);
    bounds.push_back(ops.size());

    // Outlined from the original body, which stays until all parts exist;
    // then the body becomes the calls.
    std::vector<Part> outlined;
    for (size_t k = 0; k + 1 < bounds.size(); ++k)
      outlined.push_back(
          outline(func, ops, bounds[k], bounds[k + 1], functionName + "_part" + std::to_string(k)));
    Block &body = func.getBody().front();
    auto ret = cast<ReturnOp>(body.getTerminator());
    OpBuilder b(ret);
    BlockAndValueMapping map;
    for (Part &part : outlined) {
      SmallVector<Value> operands;
      for (Value v : part.inputs) operands.push_back(map.lookupOrDefault(v));
      auto call = b.create<CallOp>(func.getLoc(), part.func, operands);
      for (auto [v, result] : llvm::zip(part.outputs, call.getResults())) map.map(v, result);
    }
    for (OpOperand &operand : ret->getOpOperands()) operand.set(map.lookupOrDefault(operand.get()));
    for (size_t i = ops.size(); i-- > 0;) ops.op(i)->erase();
  }
};

} // namespace

std::unique_ptr<Pass> createSplitFunctionPass() { return std::make_unique<SplitFunctionPass>(); }
std::unique_ptr<Pass> createSplitFunctionPass(const std::string &function, int parts) {
  return std::make_unique<SplitFunctionPass>(function, parts);
}

} // namespace nabla
