// Tests for aib/core/memory.hpp: after keep_freed_memory(), freeing and reallocating a large block
// reuses memory already in the process instead of faulting fresh pages in from the kernel.
#include <sys/resource.h>

#include "catch.hpp"

#include "aib/core/memory.hpp"
#include "aib/core/types.hpp"

// glibc's malloc only; AddressSanitizer replaces malloc with its own allocator. g++ says so with
// __SANITIZE_ADDRESS__, clang with __has_feature(address_sanitizer).
#if defined(__SANITIZE_ADDRESS__)
#define AIB_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AIB_TEST_ASAN 1
#endif
#endif
#if defined(__GLIBC__) && !defined(AIB_TEST_ASAN)
#define AIB_TEST_GLIBC_MALLOC 1
#endif

#ifdef AIB_TEST_GLIBC_MALLOC
namespace {

long minor_faults() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}

// Allocate a 16 MB matrix, write every page, free it; the minor page faults this caused.
long churn_once() {
  const long before = minor_faults();
  {
    aib::Mat m(1024, 4096);  // 16 MB
    m.setConstant(1.0f);
    REQUIRE(m.sum() > 0.0f);
  }
  return minor_faults() - before;
}

}  // namespace
#endif

TEST_CASE("keep_freed_memory: a freed block is reused, not faulted in again", "[memory]") {
#ifdef AIB_TEST_GLIBC_MALLOC
  REQUIRE(aib::keep_freed_memory());
  churn_once();  // the first time, the pages come from the kernel
  long later = 0;
  for (int i = 0; i < 10; ++i) later += churn_once();
  // 16 MB is 4,096 pages; without the setting each round faults them all in again.
  CHECK(later < 4096);
#else
  SUCCEED("glibc malloc only (and not under AddressSanitizer, which has its own allocator)");
#endif
}
