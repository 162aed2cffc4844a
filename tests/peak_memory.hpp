// peak_memory.hpp — the peak resident size of a test process, for tests of memory use.
//
// Its platform headers are included here, under their conditions, because the unity batches
// (cmake/aibUnity.cmake) pre-include a test file's own #include lines unconditionally.
#pragma once

#include <fstream>
#include <string>

#if defined(__linux__)
#include <sys/wait.h>
#include <unistd.h>
#endif

namespace aib_test {

#if defined(__SANITIZE_ADDRESS__)
#define AIB_TEST_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AIB_TEST_UNDER_ASAN 1
#endif
#endif

// The peak resident memory of this process so far, in bytes (VmHWM), or -1.
inline double peak_resident_bytes() {
  std::ifstream status("/proc/self/status");
  std::string key;
  double kb = 0;
  while (status >> key) {
    if (key == "VmHWM:" && status >> kb) return kb * 1024;
    status.ignore(1 << 20, '\n');
  }
  return -1;
}

}  // namespace aib_test
