/* Denormal floats flushed to zero while nabla's kernels run (C and C++).
 *
 * x86 cores take a microcode assist, on the order of a hundred cycles, for
 * an operation with a denormal operand or result. Training makes them: Adam's
 * first moment of a parameter whose gradient stays 0 shrinks by beta1 every
 * step and passes through the denormal range (below FLT_MIN, 1.2e-38). On an
 * Intel Emerald Rapids SimpleConvNet's second epoch took 5.4-5.8 s instead
 * of 2.5. The kernels therefore run with MXCSR's FTZ (denormal results
 * become 0) and DAZ (denormal operands read as 0) bits set, as TensorFlow's
 * and oneDNN's CPU kernels do. The caller's MXCSR is restored after each
 * call; the threads Halide's runtime spawns during a call inherit the
 * caller's floating-point environment (POSIX), so its workers flush too.
 *
 * NABLA_KEEP_DENORMALS=1 in the environment keeps IEEE gradual underflow.
 * Elsewhere than on x86 these are no-ops. */
#ifndef NABLA_RUNTIME_AOT_FLUSHDENORMALS_H
#define NABLA_RUNTIME_AOT_FLUSHDENORMALS_H

#if defined(__x86_64__) || defined(__SSE__)
#include <stdlib.h>
#include <xmmintrin.h>

enum { NABLA_MXCSR_FTZ_DAZ = 0x8040 }; /* FTZ: bit 15, DAZ: bit 6 */

/* Sets FTZ and DAZ in this thread unless NABLA_KEEP_DENORMALS is set to
 * something other than "0"; returns the MXCSR to restore. (The variable is
 * read on every call, ~0.1 us against a pipeline's 40 us at least: no
 * cached flag for threads to race on.) */
static inline unsigned nabla_flush_denormals_begin(void) {
  unsigned saved = _mm_getcsr();
  const char *keep = getenv("NABLA_KEEP_DENORMALS");
  if (!keep || !keep[0] || (keep[0] == '0' && !keep[1]))
    _mm_setcsr(saved | NABLA_MXCSR_FTZ_DAZ);
  return saved;
}

static inline void nabla_flush_denormals_end(unsigned saved) { _mm_setcsr(saved); }

#else
static inline unsigned nabla_flush_denormals_begin(void) { return 0; }
static inline void nabla_flush_denormals_end(unsigned saved) { (void)saved; }
#endif

#endif
