// The oneDNN peer: conv_bias_relu (convolution with bias and a fused relu
// post-op, forward inference) on the shapes of PeerShapes.h. oneDNN at its
// best: it picks its own blocked layouts (`any`), the input is reordered into
// them once outside the timed loop, so only the convolution primitive is
// timed. Threads: OMP_NUM_THREADS (Debian's libdnnl uses OpenMP).
//
// --algorithm=direct (default) or winograd: oneDNN's F(4x4, 3x3) Winograd
// (jit_wino_4x3, AVX-512 machines), 1.1-1.6x faster than its direct conv on
// DeepConvNet's 3x3 shapes here; shapes it does not support (5x5) are
// skipped with an error that the results omit.
#include "benchmarks/BenchStats.h"
#include "benchmarks/peers/PeerShapes.h"

#include <dnnl.hpp>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

using namespace nabla;
using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

namespace {

dnnl::memory randomMemory(const dnnl::memory::desc &desc, const dnnl::engine &engine,
                          unsigned seed) {
  dnnl::memory m(desc, engine);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> value(-1, 1);
  auto *data = static_cast<float *>(m.get_data_handle());
  for (size_t i = 0; i < desc.get_size() / sizeof(float); ++i) data[i] = value(rng);
  return m;
}

void convBiasRelu(benchmark::State &state, peers::ConvShape s, dnnl::algorithm algorithm) {
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  dnnl::memory::dims src = {s.batch, s.inChannels, s.size, s.size};
  dnnl::memory::dims weights = {s.outChannels, s.inChannels, s.kernel, s.kernel};
  dnnl::memory::dims bias = {s.outChannels};
  dnnl::memory::dims dst = {s.batch, s.outChannels, s.outSize(), s.outSize()};
  dnnl::convolution_forward::desc desc(
      dnnl::prop_kind::forward_inference, algorithm,
      {src, dt::f32, tag::any}, {weights, dt::f32, tag::any}, {bias, dt::f32, tag::x},
      {dst, dt::f32, tag::any}, {1, 1}, {s.pad, s.pad}, {s.pad, s.pad});
  dnnl::post_ops relu;
  relu.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
  dnnl::primitive_attr attr;
  attr.set_post_ops(relu);
  dnnl::convolution_forward::primitive_desc pd;
  try {
    pd = dnnl::convolution_forward::primitive_desc(desc, attr, engine);
  } catch (const dnnl::error &e) {
    state.SkipWithError(("oneDNN has no such convolution here: " + std::string(e.what())).c_str());
    return;
  }

  // Inputs in the user's NCHW/OIHW layout, reordered once to oneDNN's choice.
  dnnl::memory userSrc = randomMemory({src, dt::f32, tag::nchw}, engine, 1);
  dnnl::memory userWeights = randomMemory({weights, dt::f32, tag::oihw}, engine, 2);
  dnnl::memory biasMem = randomMemory({bias, dt::f32, tag::x}, engine, 3);
  dnnl::memory srcMem(pd.src_desc(), engine), weightsMem(pd.weights_desc(), engine);
  dnnl::memory dstMem(pd.dst_desc(), engine);
  dnnl::reorder(userSrc, srcMem).execute(stream, userSrc, srcMem);
  dnnl::reorder(userWeights, weightsMem).execute(stream, userWeights, weightsMem);
  stream.wait();

  dnnl::convolution_forward conv(pd);
  std::unordered_map<int, dnnl::memory> args = {{DNNL_ARG_SRC, srcMem},
                                                {DNNL_ARG_WEIGHTS, weightsMem},
                                                {DNNL_ARG_BIAS, biasMem},
                                                {DNNL_ARG_DST, dstMem}};
  conv.execute(stream, args); // warm: pages touched, kernels generated
  stream.wait();
  for (auto _ : state) {
    conv.execute(stream, args);
    stream.wait();
  }
  bench::setFlops(state, s.flops());
}

/// Takes --algorithm=direct|winograd out of the arguments.
dnnl::algorithm takeAlgorithm(int &argc, char **argv) {
  const std::string flag = "--algorithm=";
  dnnl::algorithm algorithm = dnnl::algorithm::convolution_direct;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind(flag, 0) != 0) {
      argv[kept++] = argv[i];
    } else if (arg == flag + "winograd") {
      algorithm = dnnl::algorithm::convolution_winograd;
    } else if (arg != flag + "direct") {
      std::fprintf(stderr, "onednn_peer_cases: --algorithm must be direct or winograd, got '%s'\n",
                   arg.c_str());
      std::exit(2);
    }
  }
  argc = kept;
  return algorithm;
}

} // namespace

int main(int argc, char **argv) {
  dnnl::algorithm algorithm = takeAlgorithm(argc, argv);
  benchmark::Initialize(&argc, argv);
  for (const peers::ConvShape &s : peers::convShapes())
    bench::repeated(benchmark::RegisterBenchmark(
        ("conv_bias_relu/" + s.name + "/" + std::to_string(s.batch)).c_str(), convBiasRelu, s,
        algorithm));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
