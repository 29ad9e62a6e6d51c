// The targets nabla compiles for, by the names its users give them: "host"
// (this CPU), "host-cuda" (this CPU plus CUDA) or any Halide target string
// ("host-opencl" runs the GPU schedule on any OpenCL device, a CPU one too).
// Shared by the JIT and the AOT compiler so both accept the same names.
#pragma once

#include "Halide.h"

#include <string>

namespace nabla::halide {

/// This CPU as a Halide target: Halide 14's get_host_target() less what it
/// gets wrong. It takes any CPU with AVX-512 BF16 and VNNI for a Sapphire
/// Rapids, AMD's Zen 4 too; LLVM then encodes 128- and 256-bit integer dot
/// products as AVX-VNNI (VEX), which Zen 4 lacks: SIGILL. Without AVX-VNNI
/// (CPUID leaf 7.1, EAX bit 4) the Sapphire Rapids feature is dropped.
Halide::Target hostTarget();

/// The Halide target for `name`: "host", "host-cuda" (CUDA at compute
/// capability 6.1, whose PTX the driver compiles for newer GPUs) or a
/// validated Halide target string. Throws nabla::Error naming `what` (e.g.
/// "AOT target") for anything else.
Halide::Target parseTarget(const std::string &name, const std::string &what);

/// The runtime symbol of the target's GPU API ("halide_cuda_device_interface"),
/// or "" on the CPU. Throws nabla::Error for GPU APIs other than CUDA and OpenCL.
std::string deviceInterfaceOf(const Halide::Target &target);

/// Loads the GPU API's driver library into the process under its versioned
/// name (libcuda.so.1, libOpenCL.so.1) where the runtime can find it. Halide's
/// runtime dlopen()s only the unversioned libcuda.so / libOpenCL.so, which
/// only development packages install; drivers ship the versioned ones. A
/// failure here is silent: the first GPU call then reports the missing API.
void preloadDeviceApi(const Halide::Target &target);

} // namespace nabla::halide
