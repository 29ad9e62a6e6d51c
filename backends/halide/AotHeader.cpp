#include "backends/halide/AotHeader.h"

#include "backends/halide/AotEmbedded.h"

#include <cctype>
#include <cstdio>
#include <sstream>

namespace nabla::halide {

namespace {

std::string upper(const std::string &s) {
  std::string out = s;
  for (char &c : out) c = char(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string shapeText(const Shape &shape, bool batch) {
  std::string out = "[";
  for (size_t d = 0; d < shape.size(); ++d) {
    if (d) out += ", ";
    out += shape[d] < 0 && batch ? "batch" : std::to_string(shape[d]);
  }
  return out + "]";
}

int64_t perSample(const AotArgument &a) {
  int64_t n = 1;
  for (int64_t d : a.shape)
    if (d >= 0) n *= d;
  return n;
}

/// A C string literal (names come from the IR and may hold any character).
std::string quoted(const std::string &s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') out += std::string("\\") + char(c);
    else if (std::isprint(c)) out += char(c);
    else {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\%03o", c);
      out += escape;
    }
  }
  return out + "\"";
}

const char *kindName(AotKind kind) {
  switch (kind) {
  case AotKind::Input: return "NABLA_AOT_INPUT";
  case AotKind::Weight: return "NABLA_AOT_WEIGHT";
  case AotKind::Output: return "NABLA_AOT_OUTPUT";
  }
  return "";
}

void writeDocumentation(std::ostringstream &h, const AotSignature &sig, const AotHeaderInfo &info) {
  const std::string &n = info.name;
  auto inputs = sig.ofKind(AotKind::Input), outputs = sig.ofKind(AotKind::Output);
  h << "/* " << n << ".h: C API of the nabla model '" << n << "' (function @" << sig.entry
    << "),\n * compiled ahead of time by nablac for the Halide target\n *   "
    << info.halideTarget << "\n * Generated; do not edit.\n *\n"
    << " * Link " << n << ".a with -lpthread -ldl. The library holds the kernels, one Halide\n"
    << " * runtime and the nabla AOT runtime (C): no libHalide, LLVM, MLIR or protobuf.\n"
    << " * The header needs C99 or C++.\n *\n"
    << " * Usage:\n"
    << " *   " << n << "_model *model = " << n << "_create(\"" << n << ".weights\");\n"
    << " *   if (!model) { fprintf(stderr, \"%s\\n\", " << n << "_last_error()); exit(1); }\n"
    << " *   if (" << n << "_predict(model, batch";
  for (const AotArgument *a : inputs) h << ", " << a->identifier;
  for (const AotArgument *a : outputs) h << ", " << a->identifier;
  h << ") != 0) { ...error... }\n *   " << n << "_destroy(model);\n *\n"
    << " * Inputs and outputs: row-major float32 arrays, `batch` given to predict:\n";
  for (const AotArgument *a : inputs)
    h << " *   input  " << a->identifier << " ('" << a->name << "') " << shapeText(a->shape, true)
      << "\n";
  for (const AotArgument *a : outputs)
    h << " *   output " << a->identifier << " ('" << a->name << "') " << shapeText(a->shape, true)
      << "\n";
  h << " * Weights, read by name and shape-checked from the .weights file:\n";
  for (const AotArgument *a : sig.ofKind(AotKind::Weight))
    h << " *   " << a->name << " " << shapeText(a->shape, false) << "\n";
  if (!info.deviceInterface.empty())
    h << " *\n * GPU target: create copies the weights to the device and fails with \"no CUDA\n"
      << " * device available ...\" when there is none; predict copies inputs and outputs.\n";
  h << " */\n";
}

void writeSpec(std::ostringstream &h, const AotSignature &sig, const AotHeaderInfo &info) {
  const std::string &n = info.name;
  h << "/* The model as the runtime sees it (kernel arguments in order). */\n"
    << "int " << info.kernelSymbol << "_argv(void **args);\n";
  if (!info.deviceInterface.empty())
    h << "const struct halide_device_interface_t *" << info.deviceInterface << "(void);\n";
  h << "static const nabla_aot_tensor_spec " << n << "_arguments_[" << sig.arguments.size()
    << "] = {\n";
  for (const AotArgument &a : sig.arguments) {
    h << "    {" << quoted(a.name) << ", " << kindName(a.kind) << ", " << a.shape.size() << ", {";
    for (size_t d = 0; d < a.shape.size(); ++d) h << (d ? ", " : "") << a.shape[d];
    h << "}},\n";
  }
  h << "};\nstatic const nabla_aot_model_spec " << n << "_spec_ = {\n"
    << "    NABLA_AOT_ABI_VERSION, " << quoted(n) << ",\n    " << quoted(info.halideTarget)
    << ",\n    " << info.kernelSymbol << "_argv, "
    << (info.deviceInterface.empty() ? "NULL" : info.deviceInterface) << ", "
    << sig.arguments.size() << ", " << n << "_arguments_};\n\n";
}

void writeWrappers(std::ostringstream &h, const AotSignature &sig, const AotHeaderInfo &info) {
  const std::string &n = info.name;
  auto inputs = sig.ofKind(AotKind::Input), outputs = sig.ofKind(AotKind::Output);
  h << "typedef nabla_aot_model " << n << "_model;\n\n";
  for (const AotArgument *a : inputs)
    h << "#define " << upper(n + "_" + a->identifier) << "_SIZE " << perSample(*a)
      << " /* floats per sample of input " << a->identifier << " */\n";
  for (const AotArgument *a : outputs)
    h << "#define " << upper(n + "_" + a->identifier) << "_SIZE " << perSample(*a)
      << " /* floats per sample of output " << a->identifier << " */\n";
  h << "\n/* Loads and checks the weights file (every weight above, by name, with its\n"
    << " * exact shape). NULL on failure; " << n << "_last_error() says why. */\n"
    << "static inline " << n << "_model *" << n << "_create(const char *weights_path) {\n"
    << "  return nabla_aot_create(&" << n << "_spec_, weights_path);\n}\n\n";

  auto arrays = [&](bool shaped) {
    std::ostringstream body;
    body << "  const float *inputs[" << inputs.size() << "] = {";
    for (size_t i = 0; i < inputs.size(); ++i) body << (i ? ", " : "") << inputs[i]->identifier;
    body << "};\n  float *outputs[" << outputs.size() << "] = {";
    for (size_t i = 0; i < outputs.size(); ++i) body << (i ? ", " : "") << outputs[i]->identifier;
    body << "};\n";
    if (shaped) {
      size_t total = inputs.size() + outputs.size();
      body << "  const int64_t *shapes[" << total << "] = {";
      std::string ranks;
      size_t k = 0;
      for (const auto *list : {&inputs, &outputs})
        for (const AotArgument *a : *list) {
          body << (k ? ", " : "") << a->identifier << "_shape";
          ranks += (k++ ? ", " : "") + a->identifier + "_rank";
        }
      body << "};\n  const int32_t ranks[" << total << "] = {" << ranks << "};\n";
    }
    return body.str();
  };

  h << "/* Runs the model on `batch` samples (arrays as described at the top).\n"
    << " * Returns 0, or non-zero with " << n << "_last_error() set. */\n"
    << "static inline int " << n << "_predict(" << n << "_model *model, int64_t batch";
  for (const AotArgument *a : inputs) h << ",\n    const float *" << a->identifier;
  for (const AotArgument *a : outputs) h << ",\n    float *" << a->identifier;
  h << ") {\n" << arrays(false) << "  return nabla_aot_predict(model, batch, inputs, outputs);\n}\n\n";

  h << "/* As " << n << "_predict, with each array's shape (the batch taken from them):\n"
    << " * fails, naming the array, when a shape does not match the model. */\n"
    << "static inline int " << n << "_predict_shaped(" << n << "_model *model";
  for (const AotArgument *a : inputs)
    h << ",\n    const float *" << a->identifier << ", const int64_t *" << a->identifier
      << "_shape, int32_t " << a->identifier << "_rank";
  for (const AotArgument *a : outputs)
    h << ",\n    float *" << a->identifier << ", const int64_t *" << a->identifier
      << "_shape, int32_t " << a->identifier << "_rank";
  h << ") {\n"
    << arrays(true) << "  return nabla_aot_predict_shaped(model, inputs, outputs, shapes, ranks);\n}\n\n";

  h << "/* Frees the model and its weights (NULL is allowed). */\n"
    << "static inline void " << n << "_destroy(" << n << "_model *model) { nabla_aot_destroy(model); }\n\n"
    << "/* The calling thread's last error message (\"\" when none). */\n"
    << "static inline const char *" << n << "_last_error(void) { return nabla_aot_last_error(); }\n";
}

} // namespace

std::string aotHeaderText(const AotSignature &signature, const AotHeaderInfo &info) {
  std::ostringstream h;
  std::string guard = upper(info.name) + "_H";
  writeDocumentation(h, signature, info);
  h << "#ifndef " << guard << "\n#define " << guard << "\n\n#include <stddef.h>\n#include <stdint.h>\n\n"
    << "/* ---- the nabla AOT runtime (runtime/aot/NablaAot.h, the same in every library) ---- */\n"
    << embedded::aotRuntimeHeader() << "\n/* ---- " << info.name << " ---- */\n\n"
    << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  writeSpec(h, signature, info);
  writeWrappers(h, signature, info);
  h << "\n#ifdef __cplusplus\n}\n#endif\n\n#endif\n";
  return h.str();
}

} // namespace nabla::halide
