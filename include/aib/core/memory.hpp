// aib/core/memory.hpp — keep freed memory in the process between training steps.
//
// A training step records a graph, runs backward and throws the graph away: every step allocates
// and frees the same few megabytes of activations and gradients (about 37 MB per step for the
// nanoGPT CPU shape). glibc's malloc hands memory at the top of its heap back to the operating
// system as soon as more than a few MB are free there (M_TRIM_THRESHOLD, which grows only up to
// twice the largest freed block), so the next step faults the same pages in again and the kernel
// zeroes them: ~9,500 page faults per nanoGPT step, about a tenth of its time. keep_freed_memory()
// tells malloc to keep up to `keep_bytes` of freed memory and to serve large blocks from the heap,
// where they can be reused; call it once at the start of a training program. It changes a
// process-wide setting, which is why the library never calls it on its own behalf.
// Returns false where it cannot (not glibc), which is harmless: training is only slower.
// Leaves out: a caching allocator of our own (Eigen's matrices allocate through malloc).
#pragma once

#include <algorithm>
#include <cstddef>
#include <limits>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace aib {

inline bool keep_freed_memory(std::size_t keep_bytes = std::size_t{1} << 30) {
#if defined(__GLIBC__)
  const int keep = static_cast<int>(std::min<std::size_t>(keep_bytes, std::numeric_limits<int>::max()));
  // Blocks below 32 MB come from the heap (glibc's own upper limit for its adaptive threshold), and
  // up to `keep` bytes of free memory at the heap's top stay there.
  return mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1 && mallopt(M_TRIM_THRESHOLD, keep) == 1;
#else
  (void)keep_bytes;
  return false;
#endif
}

}  // namespace aib
