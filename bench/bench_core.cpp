// bench_core — core building blocks against the baselines a student would otherwise reach for.
//
//   normals: aib::Rng::normal (PCG32 + Box-Muller, same numbers everywhere) vs
//            std::mt19937 + std::normal_distribution (numbers differ between standard libraries)
//   softmax: aib::softmax (row max, vectorised exp) vs a plain loop with std::exp per entry
// Prints each pair's best-of-5 times and their ratio. Run: build/bin/bench_core
#include <cmath>
#include <random>

#include <fmt/core.h>

#include "aib/core/numeric.hpp"
#include "aib/core/random.hpp"
#include "aib/core/timing.hpp"

namespace {

// The textbook loop: max, exp, sum, divide, one entry at a time.
aib::Mat softmax_loop(const aib::Mat& x) {
  aib::Mat out(x.rows(), x.cols());
  for (aib::Index i = 0; i < x.rows(); ++i) {
    float m = x(i, 0);
    for (aib::Index j = 1; j < x.cols(); ++j) m = std::max(m, x(i, j));
    float sum = 0.f;
    for (aib::Index j = 0; j < x.cols(); ++j) sum += out(i, j) = std::exp(x(i, j) - m);
    for (aib::Index j = 0; j < x.cols(); ++j) out(i, j) /= sum;
  }
  return out;
}

void report(const char* what, double ours, double baseline, const char* baseline_name) {
  fmt::print("{:<28} aib {:8.3f} ms   {:<26} {:8.3f} ms   ratio {:5.2f}x\n", what, ours * 1e3,
             baseline_name, baseline * 1e3, baseline / ours);
}

}  // namespace

int main() {
  constexpr int n = 2'000'000;
  volatile float sink = 0.f;
  aib::Rng rng(1);
  const double t_ours = aib::best_time([&] {
    float s = 0.f;
    for (int i = 0; i < n; ++i) s += rng.normal();
    sink = s;
  });
  std::mt19937 mt(1);
  std::normal_distribution<float> dist;
  const double t_std = aib::best_time([&] {
    float s = 0.f;
    for (int i = 0; i < n; ++i) s += dist(mt);
    sink = s;
  });
  report("2M normals", t_ours, t_std, "mt19937+normal_dist");

  const aib::Mat logits = aib::Rng(2).normal_mat(512, 4096, 0.f, 3.f);  // (T, V)
  aib::Mat p;
  const double t_soft = aib::best_time([&] { p = aib::softmax(logits); });
  const double t_loop = aib::best_time([&] { p = softmax_loop(logits); });
  report("softmax (512, 4096)", t_soft, t_loop, "scalar loop");
  (void)sink;
  fmt::print("(ratio = baseline time / aib time; above 1 means aib is faster)\n");
}
