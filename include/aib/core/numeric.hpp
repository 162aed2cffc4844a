// aib/core/numeric.hpp — numerically stable row-wise softmax, log-softmax, logsumexp, sigmoid.
//
// Shapes: x is (T, V) — one row of V logits per token; softmax and log_softmax return (T, V),
// logsumexp returns (T) as a column vector. Work for float (Mat) and double (MatD) alike.
// Stability: subtract each row's maximum m before exponentiating,
//   logsumexp(x) = m + log Σ_j exp(x_j − m),  softmax(x)_j = exp(x_j − m) / Σ_k exp(x_k − m),
// so the largest exponent is exp(0) = 1 and nothing overflows, even for logits of ±1e4.
// Non-finite logits behave as in PyTorch: a row containing NaN or +inf gives NaN.
// Leaves out: column-wise variants (transpose first) and masking (see nn/attention).
#pragma once

#include <cmath>
#include <limits>
#include <string_view>

#include "aib/core/check.hpp"
#include "aib/core/types.hpp"

namespace aib {

// π (the double nearest to it), for every header that needs it.
inline constexpr double pi = 3.141592653589793238462643383279502884;

namespace detail {
template <class Derived>
void require_columns(std::string_view where, const Eigen::MatrixBase<Derived>& x) {
  if (x.cols() < 1)
    throw ShapeError(
        fmt::format("{}: x has shape {}; expected at least 1 column", where, shape_str(x)));
}
}  // namespace detail

// (T, V) -> (T): log Σ_j exp(x_ij) per row.
template <class Derived>
VecT<typename Derived::Scalar> logsumexp(const Eigen::MatrixBase<Derived>& x) {
  using S = typename Derived::Scalar;
  detail::require_columns("logsumexp", x);
  VecT<S> out(x.rows());  // (T)
  for (Index i = 0; i < x.rows(); ++i) {
    const S m = x.row(i).maxCoeff();
    if (std::isinf(m) && m < 0) {  // every entry is -inf: the sum of exps is 0
      out(i) = m;
      continue;
    }
    out(i) = m + std::log((x.row(i).array() - m).exp().sum());
  }
  return out;
}

// (T, V) -> (T, V): each row becomes a probability distribution (entries in [0, 1], sum 1).
template <class Derived>
MatT<typename Derived::Scalar> softmax(const Eigen::MatrixBase<Derived>& x) {
  using S = typename Derived::Scalar;
  detail::require_columns("softmax", x);
  MatT<S> out(x.rows(), x.cols());  // (T, V)
  for (Index i = 0; i < x.rows(); ++i) {
    const S m = x.row(i).maxCoeff();
    out.row(i) = (x.row(i).array() - m).exp().matrix();  // largest term is exp(0) = 1
    // Eigen's vectorised exp clamps very negative inputs, so exp(−inf) comes out as a tiny
    // positive number; a masked (−inf) logit must get exactly probability 0.
    const S neg_inf = -std::numeric_limits<S>::infinity();
    out.row(i) = (x.row(i).array() == neg_inf).select(S(0), out.row(i).array()).matrix();
    out.row(i) /= out.row(i).sum();
  }
  return out;
}

// (T, V) -> (T, V): log softmax(x) = x − logsumexp(x), exact even where softmax underflows to 0.
template <class Derived>
MatT<typename Derived::Scalar> log_softmax(const Eigen::MatrixBase<Derived>& x) {
  using S = typename Derived::Scalar;
  detail::require_columns("log_softmax", x);
  const VecT<S> lse = logsumexp(x);  // (T)
  MatT<S> out = x;                   // (T, V)
  out.colwise() -= lse;
  return out;
}

// Elementwise logistic function σ(x) = 1 / (1 + e^−x), any shape.
// Stable form: for x >= 0 use 1 / (1 + e^−x); for x < 0 use e^x / (1 + e^x) so that e^(−x)
// never overflows (σ(−1e4) is a tiny 0, not 1/inf computed through an overflow).
namespace detail {
template <class S>
S sigmoid_scalar(S x) {
  if (x >= S(0)) return S(1) / (S(1) + std::exp(-x));
  const S e = std::exp(x);
  return e / (S(1) + e);
}
}  // namespace detail

inline float sigmoid(float x) {
  return detail::sigmoid_scalar(x);
}
inline double sigmoid(double x) {
  return detail::sigmoid_scalar(x);
}

template <class Derived>
MatT<typename Derived::Scalar> sigmoid(const Eigen::MatrixBase<Derived>& x) {
  using S = typename Derived::Scalar;
  return x.unaryExpr([](S v) { return detail::sigmoid_scalar(v); });
}

}  // namespace aib
