#include "frontend/ModelBuilder.h"

#include "ir/Dialect.h"
#include "ir/OpBuild.h"
#include "runtime/Error.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/IR/BlockAndValueMapping.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/raw_ostream.h"

#include <fstream>

using namespace mlir;

namespace nabla::dsl {

const char *roleName(Role role) {
  switch (role) {
  case Role::Input: return "input";
  case Role::Label: return "label";
  case Role::Param: return "param";
  case Role::State: return "state";
  case Role::Step: return "step";
  }
  return "?";
}

ModelBuilder &Var::builder() const {
  if (!builder_) throw Error("use of an empty Var");
  return *builder_;
}

Shape Var::shape() const {
  auto type = value_.getType().cast<RankedTensorType>();
  Shape s;
  for (int64_t d : type.getShape()) s.push_back(d == ShapedType::kDynamicSize ? kBatch : d);
  return s;
}

namespace {
std::unique_ptr<MLIRContext> makeContext() {
  DialectRegistry registry;
  registerNablaDialects(registry);
  auto context = std::make_unique<MLIRContext>(registry);
  context->loadAllAvailableDialects();
  return context;
}

RankedTensorType tensorType(MLIRContext &context, const Shape &shape, DType dtype) {
  llvm::SmallVector<int64_t> dims;
  for (int64_t d : shape) dims.push_back(d == kBatch ? ShapedType::kDynamicSize : d);
  Type element = dtype == DType::F32   ? Type(Float32Type::get(&context))
                 : dtype == DType::I64 ? Type(IntegerType::get(&context, 64))
                                       : Type(IntegerType::get(&context, 32));
  return RankedTensorType::get(dims, element);
}
} // namespace

ModelBuilder::ModelBuilder(std::string name)
    : name_(std::move(name)), context_(makeContext()), builder_(context_.get()),
      graph_(std::make_unique<Block>()) {
  builder_.setInsertionPointToEnd(graph_.get());
}

ModelBuilder::~ModelBuilder() {
  // Ops in the staging block reference its arguments; drop them first.
  for (Operation &op : llvm::reverse(*graph_)) op.dropAllUses();
  graph_->clear();
}

Location ModelBuilder::location(const SourceLocation &loc) {
  return FileLineColLoc::get(context_.get(), loc.file, loc.line, loc.column);
}

Var ModelBuilder::addArgument(ArgSpec spec, Type type) {
  for (const ArgSpec &existing : args_)
    if (existing.name == spec.name)
      throw Error("model '" + name_ + "' already has an argument named '" + spec.name + "'");
  args_.push_back(std::move(spec));
  return wrap(graph_->addArgument(type, builder_.getUnknownLoc()));
}

Var ModelBuilder::input(const std::string &name, Shape shape, SourceLocation loc) {
  (void)loc;
  return addArgument({name, Role::Input, shape, DType::F32, {}},
                     tensorType(*context_, shape, DType::F32));
}

Var ModelBuilder::labels(const std::string &name, Shape shape, SourceLocation loc) {
  if (shape.size() != 1 && shape.size() != 2)
    throw Error(describeLocation(location(loc)) + ": labels '" + name +
                "' must be [batch] class indices or [batch, classes] one-hot rows, got shape " +
                shapeToString(shape));
  DType dtype = shape.size() == 1 ? DType::I64 : DType::F32;
  return addArgument({name, Role::Label, shape, dtype, {}}, tensorType(*context_, shape, dtype));
}

Var ModelBuilder::param(const std::string &name, Shape shape, Initializer init,
                        SourceLocation loc) {
  for (int64_t d : shape)
    if (d < 1)
      throw Error(describeLocation(location(loc)) + ": parameter '" + name +
                  "' needs a static positive shape, got " + shapeToString(shape));
  return addArgument({name, Role::Param, shape, DType::F32, init},
                     tensorType(*context_, shape, DType::F32));
}

Var ModelBuilder::state(const std::string &name, Shape shape, Initializer init,
                        SourceLocation loc) {
  (void)loc;
  return addArgument({name, Role::State, shape, DType::F32, init},
                     tensorType(*context_, shape, DType::F32));
}

Var ModelBuilder::step() {
  if (!step_) step_ = addArgument({"step", Role::Step, {}, DType::I64, {}},
                                  tensorType(*context_, {}, DType::I64));
  return step_;
}

Var ModelBuilder::constant(double value) {
  auto type = RankedTensorType::get({}, builder_.getF32Type());
  auto attr = DenseElementsAttr::get(type, builder_.getF32FloatAttr(float(value)).getValue());
  return wrap(buildOp<ConstantOp>(builder_, builder_.getUnknownLoc(), {},
                                  {builder_.getNamedAttr("value", attr)})
                  .getResult());
}

void ModelBuilder::output(const std::string &name, Var value) {
  outputs_.emplace_back(name, value.value());
}

void ModelBuilder::loss(Var value, SourceLocation loc) {
  auto type = value.value().getType().dyn_cast<RankedTensorType>();
  if (!type || type.getRank() != 0)
    throw Error(describeLocation(location(loc)) + ": the loss must be a scalar tensor<f32>, got " +
                shapeToString(value.shape()));
  loss_ = value.value();
}

void ModelBuilder::updateState(const std::string &name, Var value) {
  stateUpdates_.emplace_back(name, value.value());
}

namespace {
/// The ops of `block` that `roots` depend on, in block order.
llvm::SetVector<Operation *> backwardSlice(Block &block, llvm::ArrayRef<Value> roots) {
  llvm::DenseSet<Operation *> needed;
  llvm::SmallVector<Value> work(roots.begin(), roots.end());
  while (!work.empty()) {
    Value v = work.pop_back_val();
    Operation *def = v.getDefiningOp();
    if (!def || !needed.insert(def).second) continue;
    for (Value operand : def->getOperands()) work.push_back(operand);
  }
  llvm::SetVector<Operation *> ordered;
  for (Operation &op : block)
    if (needed.contains(&op)) ordered.insert(&op);
  return ordered;
}
} // namespace

FuncOp ModelBuilder::extract(ModuleOp module, const std::string &name,
                             llvm::ArrayRef<std::pair<std::string, Value>> results, bool training,
                             bool withLabels) {
  llvm::SmallVector<Value> roots;
  for (auto &[_, v] : results) roots.push_back(v);
  llvm::SetVector<Operation *> slice = backwardSlice(*graph_, roots);

  // Which arguments the function takes: everything but labels (and the step)
  // in inference mode.
  llvm::SmallVector<unsigned> argIndices;
  for (unsigned i = 0; i < args_.size(); ++i) {
    Role role = args_[i].role;
    if (!withLabels && (role == Role::Label || role == Role::Step)) continue;
    argIndices.push_back(i);
  }
  llvm::SmallVector<Type> argTypes, resultTypes;
  for (unsigned i : argIndices) argTypes.push_back(graph_->getArgument(i).getType());
  for (Value v : roots) resultTypes.push_back(v.getType());

  OpBuilder b(context_.get());
  b.setInsertionPointToEnd(module.getBody());
  auto func = b.create<FuncOp>(b.getUnknownLoc(), name, b.getFunctionType(argTypes, resultTypes));
  for (unsigned k = 0; k < argIndices.size(); ++k) {
    const ArgSpec &spec = args_[argIndices[k]];
    func.setArgAttr(k, "nabla.name", b.getStringAttr(spec.name));
    func.setArgAttr(k, "nabla.role", b.getStringAttr(roleName(spec.role)));
  }
  for (unsigned k = 0; k < results.size(); ++k)
    func.setResultAttr(k, "nabla.name", b.getStringAttr(results[k].first));

  Block *body = func.addEntryBlock();
  BlockAndValueMapping mapping;
  for (unsigned k = 0; k < argIndices.size(); ++k)
    mapping.map(graph_->getArgument(argIndices[k]), body->getArgument(k));
  b.setInsertionPointToEnd(body);
  for (Operation *op : slice) {
    // Inference-mode dropout is the identity and takes no step counter,
    // which @forward does not have.
    if (auto drop = dyn_cast<DropoutOp>(op); drop && !training && drop.getStep()) {
      llvm::SmallVector<NamedAttribute> attrs;
      for (NamedAttribute a : drop->getAttrs())
        if (a.getName() != "training") attrs.push_back(a);
      Operation *clone =
          buildOp<DropoutOp>(b, drop.getLoc(), {mapping.lookup(drop.getInput())}, attrs);
      mapping.map(drop->getResults(), clone->getResults());
      continue;
    }
    Operation *clone = b.clone(*op, mapping);
    // Batch norm and dropout change behaviour between training and inference.
    if (isa<BatchNormOp, DropoutOp>(clone)) {
      if (training) clone->setAttr("training", b.getUnitAttr());
      else clone->removeAttr("training");
    }
  }
  llvm::SmallVector<Value> mapped;
  for (Value v : roots) mapped.push_back(mapping.lookupOrDefault(v));
  for (Value v : mapped)
    if (auto arg = v.dyn_cast<BlockArgument>(); arg && arg.getOwner() != body)
      throw Error("function @" + name + " returns a value that needs an argument it does not take");
  b.create<ReturnOp>(b.getUnknownLoc(), mapped);
  return func;
}

OwningOpRef<ModuleOp> ModelBuilder::build() {
  OwningOpRef<ModuleOp> module = ModuleOp::create(builder_.getUnknownLoc(), StringRef(name_));
  if (!outputs_.empty()) extract(*module, "forward", outputs_, /*training=*/false, false);
  if (loss_) {
    std::vector<std::pair<std::string, Value>> results = {{"loss", loss_}};
    results.insert(results.end(), stateUpdates_.begin(), stateUpdates_.end());
    extract(*module, "loss", results, /*training=*/true, true);
  }
  if (failed(verify(*module))) throw Error("model '" + name_ + "' built invalid IR");
  return module;
}

std::string ModelBuilder::dumpIR() {
  auto module = build();
  std::string text;
  llvm::raw_string_ostream os(text);
  module->print(os);
  return os.str();
}

void ModelBuilder::dumpIR(const std::string &path) {
  std::string text = dumpIR();
  std::ofstream out(path);
  if (!out) throw Error("cannot write IR to " + path);
  out << text;
  if (!out.flush()) throw Error("failed writing IR to " + path);
}

std::map<std::string, Tensor> ModelBuilder::initialParameters(uint64_t seed) const {
  std::map<std::string, Tensor> values;
  for (const ArgSpec &spec : args_)
    if (spec.role == Role::Param || spec.role == Role::State)
      values[spec.name] = spec.init.sample(spec.shape, seed, spec.name);
  return values;
}

void ModelBuilder::weightDecay(double lambda, const std::string &suffix) {
  if (!loss_) throw Error("weightDecay() needs the loss to be set first");
  if (lambda == 0.0) return;
  Location loc = builder_.getUnknownLoc();
  Value total = loss_;
  for (unsigned i = 0; i < args_.size(); ++i) {
    const std::string &n = args_[i].name;
    if (args_[i].role != Role::Param || n.size() < suffix.size() ||
        n.compare(n.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    Value w = graph_->getArgument(i);
    Value sq = buildOp<SquareOp>(builder_, loc, {w}).getResult();
    Value sum = buildOp<ReduceSumOp>(builder_, loc, {sq}).getResult();
    Value scaled = buildOp<MulOp>(builder_, loc, {sum, constant(0.5 * lambda).value()}).getResult();
    total = buildOp<AddOp>(builder_, loc, {total, scaled}).getResult();
  }
  loss_ = total;
}

} // namespace nabla::dsl
