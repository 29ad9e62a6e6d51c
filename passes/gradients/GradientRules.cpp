#include "passes/gradients/GradientRules.h"

using namespace mlir;

namespace nabla::grad {

const Rule *RuleTable::find(Operation *op) const {
  auto info = op->getName().getRegisteredInfo();
  if (!info) return nullptr;
  auto it = rules_.find(info->getTypeID());
  return it == rules_.end() ? nullptr : &it->second;
}

const RuleTable &RuleTable::instance() {
  static const RuleTable table = [] {
    RuleTable t;
    registerElementwiseGradients(t);
    registerTensorGradients(t);
    registerLayerGradients(t);
    return t;
  }();
  return table;
}

} // namespace nabla::grad
