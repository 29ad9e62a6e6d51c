#include "backends/halide/Targets.h"

#include "runtime/Error.h"

#include <dlfcn.h>

namespace nabla::halide {

Halide::Target parseTarget(const std::string &name, const std::string &what) {
  if (name == "host") return Halide::get_host_target();
  if (name == "host-cuda")
    return Halide::get_host_target()
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
