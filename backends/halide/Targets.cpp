#include "backends/halide/Targets.h"

#include "runtime/Error.h"

#include <dlfcn.h>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace nabla::halide {

namespace {

bool cpuHasAvxVnni() {
#if defined(__x86_64__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  return __get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx) && (eax & (1u << 4));
#else
  return false;
#endif
}

} // namespace

Halide::Target hostTarget() {
  Halide::Target host = Halide::get_host_target();
  if (host.has_feature(Halide::Target::AVX512_SapphireRapids) && !cpuHasAvxVnni())
    host = host.without_feature(Halide::Target::AVX512_SapphireRapids);
  return host;
}

Halide::Target parseTarget(const std::string &name, const std::string &what) {
  if (name == "host") return hostTarget();
  if (name == "host-cuda")
    return hostTarget()
        .with_feature(Halide::Target::CUDA)
        .with_feature(Halide::Target::CUDACapability61);
  if (!Halide::Target::validate_target_string(name))
    throw Error("unknown " + what + " '" + name +
                "' (use host, host-cuda or a Halide target string such as x86-64-linux-avx2)");
  return Halide::Target(name);
}

std::string deviceInterfaceOf(const Halide::Target &target) {
  if (target.has_feature(Halide::Target::CUDA)) return "halide_cuda_device_interface";
  if (target.has_feature(Halide::Target::OpenCL)) return "halide_opencl_device_interface";
  if (target.has_gpu_feature())
    throw Error("target " + target.to_string() +
                ": only CPU, CUDA and OpenCL targets are supported");
  return "";
}

void preloadDeviceApi(const Halide::Target &target) {
  // RTLD_GLOBAL: the runtime first looks its symbols up in the whole process.
  if (target.has_feature(Halide::Target::CUDA)) dlopen("libcuda.so.1", RTLD_NOW | RTLD_GLOBAL);
  if (target.has_feature(Halide::Target::OpenCL)) dlopen("libOpenCL.so.1", RTLD_NOW | RTLD_GLOBAL);
}

} // namespace nabla::halide
