// lab.hpp — what an episode program needs from the machine itself, not from the library.
//
// flush_subnormals_to_zero(): numbers below float's normal range (about 1e-38) make a CPU's
// arithmetic many times slower; GPUs flush them to zero, and an episode whose gradients vanish
// (24's plain stack) does the same to stay within its time budget. Leaves out: restoring the
// previous mode (an episode program sets it once for its whole run), other architectures.
#pragma once

#include <cstdint>

#if defined(__SSE2__) || defined(_M_X64)
#include <xmmintrin.h>
#endif

namespace aib::episode {

// In the plain stack the gradient shrinks below float's normal range (about 1e-38). Subnormal
// numbers make a CPU's arithmetic many times slower, so flush them to zero, as GPUs do.
inline void flush_subnormals_to_zero() {
#if defined(__SSE2__) || defined(_M_X64)
  _mm_setcsr(_mm_getcsr() | 0x8040);  // FTZ (bit 15) and DAZ (bit 6)
#elif defined(__aarch64__)
  std::uint64_t fpcr = 0;
  __asm__ __volatile__("mrs %0, fpcr" : "=r"(fpcr));
  __asm__ __volatile__("msr fpcr, %0" : : "r"(fpcr | (std::uint64_t{1} << 24)));  // FZ
#endif
}

}  // namespace aib::episode
