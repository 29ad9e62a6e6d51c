#include "backends/halide/AotSignature.h"

#include "ir/ShapeSpecialization.h"
#include "ir/Signature.h"
#include "runtime/Error.h"

#include <cctype>
#include <set>

namespace nabla::halide {

namespace {

std::string cIdentifier(const std::string &name) {
  std::string id;
  for (char c : name) id += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  if (id.empty() || std::isdigit(static_cast<unsigned char>(id[0]))) id = "t_" + id;
  return id;
}

AotKind kindOf(const ArgumentInfo &info, const std::string &where) {
  if (info.role == "input") return AotKind::Input;
  if (info.role == "param" || info.role == "state") return AotKind::Weight;
  if (!info.role.empty())
    throw Error(where + " has role '" + info.role +
                "'; an AOT entry takes only inputs, parameters and state (compile the "
                "inference function, e.g. @forward)");
  for (int64_t d : info.shape)
    if (d < 0) return AotKind::Input;
  return AotKind::Weight;
}

void checkBatched(const AotArgument &arg, const std::string &where) {
  bool ok = !arg.shape.empty() && arg.shape[0] == -1;
  for (size_t d = 1; ok && d < arg.shape.size(); ++d) ok = arg.shape[d] >= 0;
  if (!ok)
    throw Error(where + " has type " + shapeToString(arg.shape) +
                "; AOT inputs and outputs need a dynamic batch dimension first and static "
                "dimensions after it");
}

/// Every output's dim 0 must follow the batch: shape inference at batch 1 and 3.
void checkOutputsFollowBatch(mlir::FuncOp func, const AotSignature &sig) {
  for (int64_t batch : {1, 3}) {
    std::vector<ConcreteShape> argShapes;
    for (const AotArgument &a : sig.arguments) {
      if (a.kind == AotKind::Output) continue;
      ConcreteShape s = a.shape;
      for (int64_t &d : s)
        if (d < 0) d = batch;
      argShapes.push_back(s);
    }
    std::vector<ConcreteShape> results = inferResultShapes(func, argShapes);
    size_t r = 0;
    for (const AotArgument &a : sig.arguments) {
      if (a.kind != AotKind::Output) continue;
      if (results.at(r).empty() || results[r][0] != batch)
        throw Error("@" + sig.entry + ": result '" + a.name + "' has shape " +
                    shapeToString(results[r]) + " for batch " + std::to_string(batch) +
                    "; AOT outputs must have the batch as their first dimension");
      ++r;
    }
  }
}

} // namespace

std::vector<const AotArgument *> AotSignature::ofKind(AotKind kind) const {
  std::vector<const AotArgument *> out;
  for (const AotArgument &a : arguments)
    if (a.kind == kind) out.push_back(&a);
  return out;
}

AotSignature aotSignature(mlir::FuncOp func) {
  AotSignature sig;
  sig.entry = func.getName().str();
  std::string fn = "@" + sig.entry;
  std::vector<ArgumentInfo> inputs = functionInputs(func), outputs = functionOutputs(func);
  auto add = [&](const ArgumentInfo &info, bool result) {
    std::string where = fn + (result ? ": result '" : ": argument '") + info.name + "'";
    AotKind kind = result ? AotKind::Output : kindOf(info, where); // roles first: clearer
    if (info.dtype != DType::F32)
      throw Error(where + " is " + dtypeName(info.dtype) + "; AOT libraries take f32 tensors only");
    AotArgument arg{info.name, cIdentifier(info.name), kind, info.shape};
    if (arg.kind != AotKind::Weight) checkBatched(arg, where);
    sig.arguments.push_back(arg);
  };
  for (const ArgumentInfo &info : inputs) add(info, false);
  for (const ArgumentInfo &info : outputs) add(info, true);
  if (sig.ofKind(AotKind::Input).empty())
    throw Error(fn + " has no input with a batch dimension to feed at run time");
  if (sig.ofKind(AotKind::Output).empty()) throw Error(fn + " has no results");

  std::set<std::string> names, identifiers;
  for (const AotArgument &a : sig.arguments) {
    if (!names.insert(a.name).second)
      throw Error(fn + ": two arguments or results are named '" + a.name + "'");
    if (a.kind != AotKind::Weight && !identifiers.insert(a.identifier).second)
      throw Error(fn + ": inputs/outputs '" + a.name + "' and another one map to the same C "
                  "identifier '" + a.identifier + "'");
  }
  checkOutputsFollowBatch(func, sig);
  return sig;
}

} // namespace nabla::halide
