// aib/core/reproducible.hpp — the same digits on every x86-64 machine, as far as the library can.
//
// Eigen cuts a matrix product's inner dimension into blocks sized from the L1 cache it reads from
// the CPU at run time, and float sums added up in other blocks round differently: a model trained
// for a few hundred steps then prints another loss in its 3rd or 4th digit on a CPU with 48 KiB of
// L1 than on one with 32 KiB. fix_product_blocking() makes Eigen plan every product as for one
// fixed cache, whatever the CPU, at no measurable cost for the course's small models.
// Leaves out: glibc's libm, which picks FMA versions of exp, log, sin and cos on CPUs that have FMA
// (they may differ in the last bit); the saved outputs are made with its portable versions
// (GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2,-FMA,-FMA4, set by cmake/aibGolden.cmake).
#pragma once

#include <cstddef>

#include <Eigen/Core>

namespace aib {

// The cache sizes every product is planned for (bytes): a common x86-64 server core.
inline constexpr std::ptrdiff_t kPlannedL1 = 32 * 1024;
inline constexpr std::ptrdiff_t kPlannedL2 = 1024 * 1024;
inline constexpr std::ptrdiff_t kPlannedL3 = 32 * 1024 * 1024;

// Plan Eigen's products for kPlannedL1/L2/L3 from now on, in this whole process.
inline void fix_product_blocking() {
  Eigen::setCpuCacheSizes(kPlannedL1, kPlannedL2, kPlannedL3);
}

}  // namespace aib
