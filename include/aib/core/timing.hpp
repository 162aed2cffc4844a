// aib/core/timing.hpp — wall-clock timing for benchmarks and the examples' "how long" lines.
//
// Stopwatch measures elapsed seconds on the steady clock. best_time runs a function repeatedly
// and keeps the fastest run, the usual way to read through a noisy shared machine; benchmarks
// then report ratios of two best times measured side by side, never absolute times in tests.
// Leaves out: CPU-time and cycle counters (use perf or callgrind for those).
#pragma once

#include <algorithm>
#include <chrono>
#include <limits>

#include "aib/core/check.hpp"

namespace aib {

class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  void restart() { start_ = std::chrono::steady_clock::now(); }
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

// Fastest of `repeats` runs of f(), in seconds (at least one run).
template <class F>
double best_time(F&& f, int repeats = 5) {
  if (repeats < 1) fail("best_time: repeats must be >= 1, got {}", repeats);
  double best = std::numeric_limits<double>::infinity();
  for (int r = 0; r < repeats; ++r) {
    Stopwatch watch;
    f();
    best = std::min(best, watch.seconds());
  }
  return best;
}

}  // namespace aib
