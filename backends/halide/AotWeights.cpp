// The .weights file from named tensors (a checkpoint's parameters, a
// trainer's store), written by the C writer the AOT runtime reads with.
#include "backends/halide/Aot.h"
#include "backends/halide/AotSignature.h"
#include "runtime/Error.h"
#include "runtime/aot/AotError.h"
#include "runtime/aot/WeightsFile.h"

#include <cstring>

namespace nabla::halide {

void writeAotWeights(mlir::ModuleOp module, const std::string &entry,
                     const std::map<std::string, Tensor> &values, const std::string &path) {
  auto func = module.lookupSymbol<mlir::FuncOp>(entry);
  if (!func) throw Error("no function @" + entry + " in the module");
  AotSignature signature = aotSignature(func);
  std::vector<nabla_weights_tensor> tensors;
  std::string missing;
  for (const AotArgument *arg : signature.ofKind(AotKind::Weight)) {
    auto it = values.find(arg->name);
    if (it == values.end()) {
      missing += (missing.empty() ? "" : ", ") + arg->name;
      continue;
    }
    const Tensor &t = it->second;
    if (t.dtype() != DType::F32 || t.shape() != arg->shape)
      throw Error("weight '" + arg->name + "' is " + t.describe() + "; @" + entry + " needs f32 " +
                  shapeToString(arg->shape));
    nabla_weights_tensor w{};
    w.name = arg->name.c_str();
    w.rank = int32_t(t.rank());
    for (int64_t d = 0; d < t.rank(); ++d) w.dims[d] = t.dim(d);
    w.count = t.numel();
    w.data = static_cast<const float *>(t.rawData());
    tensors.push_back(w);
  }
  if (!missing.empty())
    throw Error("no values for the weights of @" + entry + ": " + missing +
                " (the checkpoint or parameter set does not hold them; an argument without a "
                "nabla.name attribute is called arg<i>)");
  if (nabla_weights_write(path.c_str(), int32_t(tensors.size()), tensors.data()) != 0)
    throw Error(nabla_aot_last_error());
}

} // namespace nabla::halide
