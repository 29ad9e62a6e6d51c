// The pieces of the CPU schedule shared by its files: CpuSchedule.cpp (the
// generic schedules and the dispatch), MatmulSchedule.cpp and
// ConvSchedule.cpp (the register-tiled accumulations).
#pragma once

#include "backends/halide/Lowering.h"

#include <set>
#include <string>

namespace nabla::halide {

/// The static extent of NCHW dim `d` of `t`, or 0.
int64_t staticExtent(const LoweredTensor &t, int d);

/// At most 24 of the 32 AVX-512 registers accumulate in a register tile (the
/// rest hold the loaded operands and the broadcast value).
constexpr int kAccumulators = 24;

/// Elements of `t` per index of its outermost dim (0 when not all static).
int64_t innerElements(const LoweredTensor &t);

/// Parallel tasks of at least ~4 MFLOP: Halide's thread pool hands tasks out
/// under one mutex, so a microsecond-sized task (a conv's 500 channel blocks
/// x images) spends as long queueing as computing.
constexpr double kTaskFlops = 4e6;

/// How many iterations of `flops` each make one parallel task (at least 1).
int iterationsPerTask(double flops);

/// Pure definition: root, vectorize dim 0 by `vector`, parallel over the
/// outermost dim, tasks of at least ~8K elements when `inner` (elements per
/// index of the outermost dim) is known.
void schedulePure(Halide::Func f, int vector, int64_t inner = 0);

/// Iterations of a pure loop's outermost dim per parallel task when each
/// has `inner` elements (0: unknown): at least ~8K elements.
int rowsPerTask(int64_t inner);

/// Gather-style updates `f(vars) op= g(vars, r)`: the vector lanes run over
/// dim 0 with the reduction loops outside them, so each lane accumulates its
/// own output element; parallel over the outermost pure dim when `parallel`.
///
/// `registerTile` more pure dims (after dim 0, static extents of `t`) go
/// inside the reduction loops too, unrolled: their accumulators then stay in
/// registers and each value the reduction reads is reused across them.
/// `t->pureDimsInsideReduction` more go inside the outermost reduction loop.
void scheduleUpdates(Halide::Func f, int vector, bool parallel = true, int registerTile = 0,
                     const LoweredTensor *t = nullptr);

/// out(j, i) = activation(sum_k A(i, k) B(k, j)): `t` is an Epilogue over a
/// Matmul stage. Register tiles (MatmulSchedule.cpp). A transposed copy of B
/// scheduled inside the product is added to `placed`.
void scheduleMatmulEpilogue(const LoweredTensor &t, int vector, std::set<std::string> &placed);

/// out = activation(conv2d): `t` is an Epilogue over a Convolution stage.
/// Register tiles of rows x vectors x output channels (ConvSchedule.cpp);
/// false, scheduling nothing, when the conv's extents are not all static or
/// its rows are too wide for one tile. The conv's bordered input, when the
/// schedule computes it image by image, is added to `placed`.
bool scheduleConvEpilogue(const LoweredTensor &t, int vector, std::set<std::string> &placed);

/// out = activation(Winograd conv): `t` is an Epilogue over a Winograd
/// stage. Per image: the transforms and the products, these in register
/// tiles, then the output in square blocks (WinogradSchedule.cpp). False,
/// scheduling nothing, unless `vector` is at least kChannelLaneBlock wide
/// and divides the output channels, whose rows must be that wide too. The
/// stages it places are added to `placed`.
bool scheduleWinogradEpilogue(const LoweredTensor &t, int vector, std::set<std::string> &placed);

/// The side of a transposed copy's square blocks: half a vector (8 x 8
/// floats with AVX-512), at least 4.
int transposeBlock(int vector);

/// A Transpose copy in square blocks of transposeBlock (TransposeSchedule.cpp);
/// false, scheduling nothing, unless both extents are static and at least
/// a block.
bool scheduleTranspose(const LoweredTensor &t, int vector);

/// The same blocks, computed at loop `at` of `consumer`, serially: each of
/// its iterations copies the piece it reads (whose extents must be at least
/// a block). False, scheduling nothing, as scheduleTranspose.
bool scheduleTransposeAt(const LoweredTensor &t, int vector, const Halide::Func &consumer,
                         const Halide::Var &at);

/// pool = max over tiling windows of `conv` (an Epilogue over a Convolution
/// stage): the conv's register tiles computed inside the pool's loops, its
/// activation inlined into the pool's maximum, nothing of it stored
/// (ConvSchedule.cpp). False, scheduling nothing, when the extents are not
/// all static or no tile covers whole windows. The conv's bordered input,
/// when computed image by image, is added to `placed`.
bool scheduleConvPool(const LoweredTensor &pool, const LoweredTensor &conv, int vector,
                      std::set<std::string> &placed);

/// Pointwise tensors of one static shape that nothing in the pipeline reads
/// (the outputs of a loop group) computed in one loop nest: each vector of
/// each of them in turn, so the inputs they share are loaded once and every
/// element is written from registers (LoopGroupSchedule.cpp). Rows run in
/// vectors of `vector` lanes; with `shiftLastVector` (rows at least that
/// wide) the last one of a row that the width does not divide is shifted
/// back inside the row, else it is guarded.
void scheduleLoopGroup(const std::vector<const LoweredTensor *> &members, int vector,
                       bool shiftLastVector);

} // namespace nabla::halide
