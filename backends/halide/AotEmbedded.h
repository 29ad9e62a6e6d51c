// Files nablac carries inside itself, so an installed nablac needs nothing
// next to it to write AOT libraries: the nabla AOT runtime's two static
// archives (copied into every library) and its public C header (copied into
// every generated header). Embedded at build time by cmake/EmbedFiles.cmake.
#pragma once

#include <cstddef>
#include <string_view>

extern const unsigned char nabla_embedded_aot_weights_archive[];
extern const std::size_t nabla_embedded_aot_weights_archive_size;
extern const unsigned char nabla_embedded_aot_runtime_archive[];
extern const std::size_t nabla_embedded_aot_runtime_archive_size;
extern const unsigned char nabla_embedded_aot_runtime_header[];
extern const std::size_t nabla_embedded_aot_runtime_header_size;

namespace nabla::halide::embedded {

inline std::string_view view(const unsigned char *data, std::size_t size) {
  return {reinterpret_cast<const char *>(data), size};
}
/// libnabla_aot_weights.a: the .weights reader/writer and error reporting.
inline std::string_view aotWeightsArchive() {
  return view(nabla_embedded_aot_weights_archive, nabla_embedded_aot_weights_archive_size);
}
/// libnabla_aot_runtime.a: create / predict / destroy over a Halide kernel.
inline std::string_view aotRuntimeArchive() {
  return view(nabla_embedded_aot_runtime_archive, nabla_embedded_aot_runtime_archive_size);
}
/// runtime/aot/NablaAot.h.
inline std::string_view aotRuntimeHeader() {
  return view(nabla_embedded_aot_runtime_header, nabla_embedded_aot_runtime_header_size);
}

} // namespace nabla::halide::embedded
