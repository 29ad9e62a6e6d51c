#include "ir/OpBuild.h"

#include "runtime/Error.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace nabla {

std::string describeLocation(Location loc) {
  if (auto file = loc.dyn_cast<FileLineColLoc>())
    return (file.getFilename().str() + ":" + std::to_string(file.getLine()) + ":" +
            std::to_string(file.getColumn()));
  if (auto named = loc.dyn_cast<NameLoc>()) return named.getName().str(); // an ONNX node's
  std::string s;
  llvm::raw_string_ostream os(s);
  loc.print(os);
  return os.str();
}

Operation *buildOp(OpBuilder &builder, Location loc, llvm::StringRef name, ValueRange operands,
                   llvm::ArrayRef<NamedAttribute> attributes) {
  MLIRContext *context = builder.getContext();
  auto opName = RegisteredOperationName::lookup(name, context);
  if (!opName) throw Error("unknown op '" + name.str() + "'");
  OperationState state(loc, name);
  state.addOperands(operands);
  state.addAttributes(attributes);

  std::string message;
  SmallVector<Type> types;
  {
    ScopedDiagnosticHandler capture(context, [&](Diagnostic &diag) {
      message += (message.empty() ? "" : "; ") + diag.str();
      return success();
    });
    auto infer = opName->getInterface<InferTypeOpInterface>();
    if (!infer) throw Error("op '" + name.str() + "' does not infer its result types");
    if (failed(infer->inferReturnTypes(context, loc, operands,
                                       state.attributes.getDictionary(context), {}, types)))
      throw Error(describeLocation(loc) + ": " +
                  (message.empty() ? "'" + name.str() + "' op is invalid" : message));
  }
  state.addTypes(types);
  return builder.createOperation(state);
}

} // namespace nabla
