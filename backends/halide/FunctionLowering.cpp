#include "backends/halide/FunctionLowering.h"

#include "backends/halide/AutoSchedule.h"
#include "backends/halide/CpuSchedule.h"
#include "backends/halide/GpuSchedule.h"
#include "backends/halide/LlvmOptions.h"
#include "backends/halide/Lowering.h"
#include "runtime/Error.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallPtrSet.h"

#include <set>

namespace nabla::halide {

namespace {

mlir::FuncOp calleeOf(mlir::CallOp call) {
  auto module = call->getParentOfType<mlir::ModuleOp>();
  auto callee = module ? module.lookupSymbol<mlir::FuncOp>(call.getCallee()) : mlir::FuncOp();
  if (!callee || callee.isExternal())
    loweringError(call, "calls @" + call.getCallee().str() + ", which has no body in the module");
  return callee;
}

void collectUnsupported(mlir::FuncOp func, llvm::SmallPtrSetImpl<mlir::Operation *> &visited,
                        std::vector<std::string> &missing) {
  if (!visited.insert(func).second) return;
  const LoweringTable &table = LoweringTable::instance();
  for (mlir::Operation &op : func.getBody().front()) {
    if (llvm::isa<mlir::ReturnOp>(op)) continue;
    if (auto call = llvm::dyn_cast<mlir::CallOp>(op)) {
      collectUnsupported(calleeOf(call), visited, missing);
      continue;
    }
    if (!table.find(&op)) missing.push_back(describeOp(&op));
  }
}

/// Lowers a function body given its lowered arguments; calls are inlined by
/// lowering the callee's body on the caller's values. Every produced tensor
/// is appended to `all` for the scheduler.
std::vector<LoweredTensor> lowerBody(mlir::FuncOp func, const std::vector<LoweredTensor> &args,
                                     std::vector<LoweredTensor> &all, int depth) {
  if (depth > 64) throw Error("@" + func.getName().str() + ": call nesting deeper than 64 (recursion?)");
  llvm::DenseMap<mlir::Value, LoweredTensor> values;
  for (unsigned i = 0; i < args.size(); ++i) values[func.getArgument(i)] = args[i];
  const LoweringTable &table = LoweringTable::instance();
  for (mlir::Operation &op : func.getBody().front()) {
    std::vector<LoweredTensor> operands;
    for (mlir::Value v : op.getOperands()) {
      auto it = values.find(v);
      if (it == values.end()) loweringError(&op, "uses a value defined outside its block");
      operands.push_back(it->second);
    }
    if (llvm::isa<mlir::ReturnOp>(op)) return operands;
    std::vector<LoweredTensor> results;
    if (auto call = llvm::dyn_cast<mlir::CallOp>(op)) {
      results = lowerBody(calleeOf(call), operands, all, depth + 1);
    } else {
      const OpLowering *lowering = table.find(&op);
      if (!lowering) loweringError(&op, "has no Halide lowering");
      try {
        results = (*lowering)(&op, operands);
      } catch (const Halide::Error &e) {
        loweringError(&op, std::string("Halide rejected the lowering: ") + e.what());
      }
      for (LoweredTensor &r : results) {
        r.inlineIntoConsumer = op.hasAttr("nabla.inline");
        if (auto group = op.getAttrOfType<mlir::IntegerAttr>("nabla.loop_group"))
          r.loopGroup = group.getInt();
        all.push_back(r);
      }
    }
    if (results.size() != op.getNumResults())
      loweringError(&op, "lowering returned " + std::to_string(results.size()) + " values for " +
                             std::to_string(op.getNumResults()) + " results");
    for (unsigned i = 0; i < results.size(); ++i) {
      results[i].shape = refineShape(op.getResult(i).getType(), results[i].shape);
      values[op.getResult(i)] = results[i];
    }
  }
  throw Error("@" + func.getName().str() + " has no return");
}

/// An output's buffer starts at 0 in every dimension and has the result
/// type's static extents, as the arguments' do (the runtime wraps tensors
/// so and checks their shapes before each call). Without this, Halide
/// bounds every producer of an output by the buffer's symbolic min and
/// extent: where a pipeline returns activations or their gradients, as the
/// parts of a split training step do, the convolutions that feed them ran
/// with dynamic row ranges and tile counts (the residual net's 64->64 conv
/// 2.3x slower than inside the whole step).
void constrainOutputBuffer(const LoweredTensor &result) {
  Halide::OutputImageParam buffer = result.func.output_buffer();
  for (int d = 0; d < result.rank(); ++d) {
    int hd = result.rank() - 1 - d; // Halide dim of NCHW dim d
    buffer.dim(hd).set_min(0);
    if (int64_t extent = constantValue(result.shape[d]); extent > 0)
      buffer.dim(hd).set_extent(int32_t(extent));
  }
}

} // namespace

void checkLowerable(mlir::FuncOp func) {
  llvm::SmallPtrSet<mlir::Operation *, 8> visited;
  std::vector<std::string> missing;
  collectUnsupported(func, visited, missing);
  if (missing.empty()) return;
  std::string message = "@" + func.getName().str() + ": " + std::to_string(missing.size()) +
                        " op(s) have no Halide lowering:";
  for (const std::string &m : missing) message += "\n  " + m;
  throw Error(message);
}

LoweredFunction lowerFunction(mlir::FuncOp func, const Halide::Target &target,
                              const Schedule &schedule) {
  if (func.isExternal()) throw Error("@" + func.getName().str() + " has no body");
  if (func.getNumResults() == 0)
    throw Error("@" + func.getName().str() + " returns nothing: there is nothing to compute");
  checkLowerable(func);
  configureLlvmCodegen(); // before anything of it is compiled
  LoweredFunction lowered;
  std::vector<LoweredTensor> args;
  for (unsigned i = 0; i < func.getNumArguments(); ++i) {
    auto type = func.getArgument(i).getType().dyn_cast<mlir::RankedTensorType>();
    if (!type)
      throw Error("@" + func.getName().str() + ": argument " + std::to_string(i) +
                  " must be a ranked tensor");
    int rank = int(type.getRank());
    Halide::ImageParam param(halideType(type.getElementType()), rank, "arg" + std::to_string(i));
    std::vector<Halide::Expr> shape;
    for (int d = 0; d < rank; ++d) {
      int hd = rank - 1 - d; // Halide dim of NCHW dim d
      param.dim(hd).set_min(0);
      if (type.isDynamicDim(d)) {
        shape.push_back(param.dim(hd).extent());
      } else {
        // Static extents let Halide fold index arithmetic; it checks them at run time.
        param.dim(hd).set_extent(int32_t(type.getDimSize(d)));
        shape.push_back(int32_t(type.getDimSize(d)));
      }
    }
    lowered.inputs.push_back(param);
    args.push_back({Halide::Func(param), shape, ScheduleKind::Input});
  }

  std::vector<LoweredTensor> all;
  std::vector<LoweredTensor> results = lowerBody(func, args, all, 0);

  // A pipeline output must be a distinct Func defined in the pipeline: copy
  // returned arguments, values returned twice and fields of a Tuple. On the
  // CPU a loop group's outputs are copies too: the values themselves are
  // then inlined, into the copy and into the group's other members that
  // read them, and the copies run in one loop (scheduleLoopGroup).
  bool cpu = !target.has_gpu_feature();
  std::set<std::string> used;
  std::vector<LoweredTensor> outputs;
  for (size_t i = 0; i < results.size(); ++i) {
    LoweredTensor r = results[i];
    bool grouped = cpu && r.loopGroup >= 0 && r.kind == ScheduleKind::Pointwise;
    bool field = r.tupleElement >= 0; // an output is a Func of one value
    if (r.kind == ScheduleKind::Input || used.count(r.func.name()) || grouped || field) {
      auto v = makeVars(r.rank());
      Halide::Func copy = makeFunc("result" + std::to_string(i));
      defineAt(copy, v) = r.at(toExprs(v));
      int64_t group = grouped ? r.loopGroup : -1;
      r = {copy, r.shape, ScheduleKind::Pointwise};
      r.loopGroup = group;
      all.push_back(r);
    }
    used.insert(r.func.name());
    constrainOutputBuffer(r);
    outputs.push_back(r);
    lowered.outputs.push_back(r.func);
  }
  if (schedule.automatic()) autoSchedule(lowered.inputs, outputs, schedule, target);
  else if (target.has_gpu_feature()) scheduleForGpu(all, lowered.outputs, target);
  else scheduleForCpu(all, lowered.outputs, target);
  lowered.pipeline = Halide::Pipeline(lowered.outputs);
  return lowered;
}

} // namespace nabla::halide
