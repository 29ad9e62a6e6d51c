#include "passes/UpdateBuilder.h"

#include "passes/Cleanup.h"
#include "passes/gradients/OptimizerUpdate.h"
#include "runtime/Error.h"

using namespace mlir;

namespace nabla {

FailureOr<UpdateSource> findUpdateSource(ModuleOp module, const std::string &function,
                                         const std::string &optimizer, const std::string &newName,
                                         llvm::StringRef passFlag) {
  UpdateSource source;
  try {
    source.kind = parseOptimizer(optimizer);
  } catch (const Error &e) {
    return LogicalResult(emitError(module.getLoc(), passFlag) << ": " << e.what());
  }
  std::string gradName = function + "_grad";
  source.grad = module.lookupSymbol<FuncOp>(gradName);
  source.original = module.lookupSymbol<FuncOp>(function);
  if (!source.grad || !source.original)
    return LogicalResult(emitError(module.getLoc(), passFlag)
                         << ": needs @" << function << " and @" << gradName
                         << " (run --nabla-autodiff first)");
  if (module.lookupSymbol(newName))
    return LogicalResult(emitError(module.getLoc(), passFlag)
                         << ": @" << newName << " already exists");

  FuncOp grad = source.grad;
  llvm::StringMap<unsigned> argByName;
  for (unsigned i = 0; i < grad.getNumArguments(); ++i) {
    auto name = grad.getArgAttrOfType<StringAttr>(i, "nabla.name");
    argByName[name ? name.getValue().str() : "arg" + std::to_string(i)] = i; // autodiff's fallback
  }
  for (unsigned r = source.original.getNumResults(); r < grad.getNumResults(); ++r) {
    auto label = grad.getResultAttrOfType<StringAttr>(r, "nabla.name");
    if (!label || !label.getValue().startswith("grad:") ||
        !argByName.count(label.getValue().drop_front(5)))
      return LogicalResult(grad.emitError(passFlag) << ": result " << r << " of @" << grad.getName()
                                                    << " is not named grad:<argument name>");
    std::string name = label.getValue().drop_front(5).str();
    source.gradients.push_back({name, argByName[name], r});
  }
  return source;
}

NamedValues buildOptimizerStep(FuncOp function, ReturnOp ret,
                               const std::vector<ParameterGradient> &params, OptimizerKind kind) {
  MLIRContext *context = function.getContext();
  auto addArg = [&](Type type, const std::string &name, const char *role) {
    unsigned index = function.getNumArguments();
    function.insertArgument(index, type, DictionaryAttr::get(context, {}), function.getLoc());
    function.setArgAttr(index, "nabla.name", StringAttr::get(context, name));
    function.setArgAttr(index, "nabla.role", StringAttr::get(context, role));
    return function.getArgument(index);
  };
  std::vector<std::vector<Value>> slots;
  for (const ParameterGradient &p : params) {
    slots.emplace_back();
    for (const std::string &slot : optimizerSlots(kind))
      slots.back().push_back(addArg(p.param.getType(), p.name + "/" + slot, "opt_state"));
  }
  auto scalarType = RankedTensorType::get({}, Float32Type::get(context));
  std::map<std::string, Value> hypers;
  for (const std::string &h : optimizerHyperparameters(kind))
    hypers[h] = addArg(scalarType, h, "hyper");

  OpBuilder builder(ret);
  NamedValues updatedParams, updatedSlots;
  for (size_t i = 0; i < params.size(); ++i) {
    grad::GradientBuilder b(builder, params[i].param.getLoc());
    grad::UpdateResult u =
        grad::buildOptimizerUpdate(b, kind, params[i].param, params[i].grad, slots[i], hypers);
    updatedParams.values.push_back(u.param);
    updatedParams.names.push_back(params[i].name);
    for (size_t s = 0; s < u.slots.size(); ++s) {
      updatedSlots.values.push_back(u.slots[s]);
      updatedSlots.names.push_back(params[i].name + "/" + optimizerSlots(kind)[s]);
    }
  }
  updatedParams.values.append(updatedSlots.values);
  updatedParams.names.append(updatedSlots.names);
  return updatedParams;
}

void replaceResults(FuncOp function, ReturnOp ret, const NamedValues &results) {
  MLIRContext *context = function.getContext();
  OpBuilder(ret).create<ReturnOp>(ret.getLoc(), results.values);
  ret.erase();
  eraseDeadOps(function.getBody().front());
  llvm::SmallVector<Type> types;
  for (Value v : results.values) types.push_back(v.getType());
  function.setType(FunctionType::get(context, function.getType().getInputs(), types));
  for (unsigned r = 0; r < results.names.size(); ++r) {
    function.setResultAttrs(r, DictionaryAttr::get(context, {}));
    if (!results.names[r].empty())
      function.setResultAttr(r, "nabla.name", StringAttr::get(context, results.names[r]));
  }
}

} // namespace nabla
