// aib/autograd/gradcheck.hpp — is an op's backward right? Compare it with finite differences.
//
// For f: inputs -> (r, c), take the objective L(x) = Σ R ⊙ f(x) with a fixed random R (never a
// plain sum: a sum cannot tell apart gradients that differ by a permutation or a sign pattern).
// The analytic gradient comes from backward(R); the numerical one from central differences
//   ∂L/∂x_i ≈ (L(x + h·e_i) − L(x − h·e_i)) / 2h,
// in double precision. Each entry must agree within atol + rtol·|numerical|. The check fails if
// no entry was compared. Inputs must sit away from kinks (relu at 0, |x| at 0): choose them so.
// Leaves out: second derivatives, sparse inputs.
#pragma once

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "aib/autograd/tensor.hpp"
#include "aib/core/random.hpp"

namespace aib {

struct GradcheckResult {
  Index checked = 0;           // entries compared
  double max_abs_error = 0.0;  // largest |analytic − numerical|
  std::string failures;        // one line per entry out of tolerance (the first few)
  bool ok() const { return checked > 0 && failures.empty(); }
};

struct GradcheckOptions {
  double step = 1e-6;  // h of the central difference
  double atol = 1e-6;
  double rtol = 1e-5;
  std::uint64_t seed = 1234;  // for R
};

// Check ∂L/∂x for every input that requires grad. f must build its graph from the given inputs.
inline GradcheckResult gradcheck(
    const std::function<TensorD(const std::vector<TensorD>&)>& f, std::vector<TensorD> inputs,
    const GradcheckOptions& opt = {}) {
  GradcheckResult result;
  const TensorD out = f(inputs);
  Rng rng(opt.seed);
  const MatD R = rng.normal_mat(out.rows(), out.cols()).cast<double>();  // (r, c)
  const auto objective = [&] {
    NoGrad no_graph;
    return (f(inputs).value().array() * R.array()).sum();
  };

  for (auto& x : inputs) x.zero_grad();
  if (out.requires_grad()) out.backward(R);
  int listed = 0;
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    TensorD& x = inputs[k];
    if (!x.requires_grad()) continue;
    const MatD analytic = x.grad();  // (r_k, c_k)
    for (Index i = 0; i < x.size(); ++i) {
      double& xi = x.value().data()[i];
      const double saved = xi;
      xi = saved + opt.step;
      const double up = objective();
      xi = saved - opt.step;
      const double down = objective();
      xi = saved;
      const double numerical = (up - down) / (2 * opt.step);
      const double a = analytic.data()[i];
      const double err = std::abs(a - numerical);
      result.max_abs_error = std::max(result.max_abs_error, err);
      ++result.checked;
      if (!(err <= opt.atol + opt.rtol * std::abs(numerical)) && listed++ < 10)
        result.failures += fmt::format("input {} entry ({}, {}): analytic {:.10g}, numerical {:.10g}\n",
                                       k, i / x.cols(), i % x.cols(), a, numerical);
    }
  }
  return result;
}

}  // namespace aib
