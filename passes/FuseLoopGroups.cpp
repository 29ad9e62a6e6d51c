// --nabla-fuse-loop-groups: multi-output loop fusion of the elementwise
// values a function returns. An optimizer's update of one parameter is a
// component of elementwise ops over the parameter's shape with several
// stored values: the regularized gradient (read by both moments), the new
// moments (returned, and read by the new parameter) and the new parameter.
// Stored one by one, every step of Adam writes and re-reads each of them.
//
// A component qualifies when every value of it that --nabla-fuse-elementwise
// left stored is either returned or read only by elementwise ops of the
// component. Its values read by several members are then marked
// `nabla.inline` too (each reader recomputes a few flops per element instead
// of a tensor's store and reload), and its returned values, when there are
// two or more, get one `nabla.loop_group` id: the backend computes them in a
// single loop, each member that another one reads recomputed inside it.
// Run after --nabla-fuse-elementwise; components need one static shape.
// A component of more than kMaxInlineDepth members forms no loop group, and
// chains inlined here are cut like --nabla-fuse-elementwise's
// (InlineDepth.h): an optimizer update has a dozen members, and a longer
// component inlined whole would make an expression too deep to compile fast.
#include "passes/InlineDepth.h"
#include "passes/PassDetail.h"
#include "passes/Passes.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "llvm/ADT/EquivalenceClasses.h"
#include "llvm/ADT/MapVector.h"

using namespace mlir;

namespace nabla {
namespace {

constexpr llvm::StringLiteral kLoopGroup = "nabla.loop_group";

/// An op that can belong to a component: pointwise, one result of a static
/// shape of rank at least 1 (a scalar hyperparameter is not a loop).
bool isMember(Operation *op) {
  if (!isPointwise(op) || op->getNumResults() != 1) return false;
  auto type = op->getResult(0).getType().dyn_cast<RankedTensorType>();
  return type && type.hasStaticShape() && type.getRank() > 0;
}

/// How a component member's value is read.
enum class Reads { Inlined, Returned, ByMembersOnly, Elsewhere };

Reads readsOf(Operation *op) {
  if (op->hasAttr("nabla.inline")) return Reads::Inlined;
  Value v = op->getResult(0);
  bool returned = false;
  for (Operation *user : v.getUsers()) {
    if (isa<ReturnOp>(user)) returned = true;
    else if (!isElementwise(user) || !isMember(user) || user->getResult(0).getType() != v.getType())
      return Reads::Elsewhere;
  }
  return returned ? Reads::Returned : Reads::ByMembersOnly;
}

struct FuseLoopGroups : FuseLoopGroupsBase<FuseLoopGroups> {
  void runOnOperation() override {
    FuncOp func = getOperation();
    llvm::EquivalenceClasses<Operation *> components;
    llvm::SmallVector<Operation *> members; // in op order: group ids follow it
    func.walk([&](Operation *op) {
      op->removeAttr(kLoopGroup);
      if (!isMember(op)) return;
      members.push_back(op);
      components.insert(op);
      for (Value operand : op->getOperands())
        if (Operation *producer = operand.getDefiningOp())
          if (isMember(producer) && operand.getType() == op->getResult(0).getType())
            components.unionSets(producer, op);
    });
    llvm::MapVector<Operation *, llvm::SmallVector<Operation *>> byComponent;
    for (Operation *op : members) byComponent[components.getLeaderValue(op)].push_back(op);

    Builder b(&getContext());
    int64_t nextGroup = 0;
    llvm::DenseSet<Operation *> groupMembers; // their marks stay: the group needs them
    for (auto &[leader, component] : byComponent) {
      llvm::SmallVector<Operation *> returned, readByMembers;
      bool qualifies = true;
      for (Operation *op : component) {
        switch (readsOf(op)) {
        case Reads::Inlined: break;
        case Reads::Returned: returned.push_back(op); break;
        case Reads::ByMembersOnly: readByMembers.push_back(op); break;
        case Reads::Elsewhere: qualifies = false; break;
        }
      }
      bool grouped = returned.size() >= 2;
      if (!qualifies || (grouped && component.size() > size_t(kMaxInlineDepth))) continue;
      for (Operation *op : readByMembers) op->setAttr("nabla.inline", b.getUnitAttr());
      if (!grouped) continue;
      for (Operation *op : returned) op->setAttr(kLoopGroup, b.getI64IntegerAttr(nextGroup));
      ++nextGroup;
      groupMembers.insert(component.begin(), component.end());
    }
    capInlineDepth(func, groupMembers);
  }
};

} // namespace

std::unique_ptr<Pass> createFuseLoopGroupsPass() { return std::make_unique<FuseLoopGroups>(); }

} // namespace nabla
