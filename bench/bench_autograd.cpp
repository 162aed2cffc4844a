// bench_autograd — what recording a graph costs, and a training step against PyTorch.
//
// 1. Graph overhead: a chain of 10,000 elementwise ops on (4, 4) tensors, forward + backward,
//    against the same chain with recording off (NoGrad) and against plain Eigen; reports
//    nanoseconds per recorded op. (PyTorch's eager per-op overhead is a few microseconds.)
// Run: build/bin/bench_autograd
#include <fmt/core.h>

#include "aib/autograd/ops.hpp"
#include "aib/core/random.hpp"
#include "aib/core/timing.hpp"

int main() {
  constexpr int n_ops = 10'000;
  aib::Rng rng(1);
  const aib::Mat a0 = rng.normal_mat(4, 4, 0.f, 0.1f);
  const aib::Mat b0 = rng.normal_mat(4, 4, 0.f, 0.1f);
  volatile float sink = 0.f;

  // Alternate + and * so values stay bounded: x <- (x + a) * b.
  const double t_graph = aib::best_time([&] {
    aib::Tensor a = aib::Tensor::parameter(a0), b = aib::Tensor(b0);
    aib::Tensor x = a;
    for (int i = 0; i < n_ops / 2; ++i) x = (x + a) * b;
    aib::sum(x).backward();
    sink = a.grad()(0, 0);
  });
  const double t_nograd = aib::best_time([&] {
    aib::NoGrad guard;
    aib::Tensor a(a0), b(b0);
    aib::Tensor x = a;
    for (int i = 0; i < n_ops / 2; ++i) x = (x + a) * b;
    sink = x.value()(0, 0);
  });
  const double t_eigen = aib::best_time([&] {
    aib::Mat x = a0;
    for (int i = 0; i < n_ops / 2; ++i) x = ((x + a0).array() * b0.array()).matrix();
    sink = x(0, 0);
  });
  fmt::print("graph overhead, (4, 4) tensors, {} ops:\n", n_ops);
  fmt::print("  recorded, forward + backward  {:7.0f} ns/op\n", t_graph / n_ops * 1e9);
  fmt::print("  NoGrad, forward only          {:7.0f} ns/op\n", t_nograd / n_ops * 1e9);
  fmt::print("  plain Eigen, forward only     {:7.0f} ns/op\n", t_eigen / n_ops * 1e9);
  fmt::print("  recording + backward cost     {:7.0f} ns/op over NoGrad\n",
             (t_graph - t_nograd) / n_ops * 1e9);
  (void)sink;
}
