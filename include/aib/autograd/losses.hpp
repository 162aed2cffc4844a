// aib/autograd/losses.hpp — training objectives as single fused ops, each returning (1, 1).
//
//   cross_entropy(logits (N, V), targets):  mean_n −log softmax(logits)[n, y_n], rows whose
//       target is ignore_index skipped (PyTorch's F.cross_entropy, reduction 'mean')
//   mse_loss(pred, target):                 mean (pred − target)²
//   bce_with_logits(x, y):                  mean max(x, 0) − x·y + log(1 + e^−|x|)  (stable)
//   kl_standard_normal(μ (B, Z), logvar):   KL(N(μ, e^logvar) ‖ N(0, I)), SUMMED over the Z
//       latent dimensions and AVERAGED over the B samples: −½ Σ_z (1 + logvar − μ² − e^logvar)
//       (averaging over dimensions too would silently weaken a VAE's prior).
// Leaves out: label smoothing, class weights, reductions other than the mean.
#pragma once

#include <cmath>
#include <vector>

#include "aib/autograd/tensor.hpp"
#include "aib/core/numeric.hpp"

namespace aib {

// Cross-entropy from logits: (N, V), N targets in [0, V) or ignore_index -> (1, 1)
template <class S>
TensorT<S> cross_entropy(const TensorT<S>& logits, const std::vector<Index>& targets,
                         Index ignore_index = -100) {
  const Index N = logits.rows(), V = logits.cols();
  if (static_cast<Index>(targets.size()) != N)
    fail("cross_entropy: logits have {} rows but there are {} targets", N, targets.size());
  Index count = 0;
  for (Index n = 0; n < N; ++n) {
    const Index y = targets[static_cast<std::size_t>(n)];
    if (y == ignore_index) continue;
    if (y < 0 || y >= V)
      fail("cross_entropy: target {} of row {} is outside [0, {})", y, n, V);
    ++count;
  }
  if (count == 0) fail("cross_entropy: every one of the {} targets is ignore_index", N);
  const MatT<S> logp = log_softmax(logits.value());  // (N, V)
  S total = 0;
  for (Index n = 0; n < N; ++n)
    if (targets[static_cast<std::size_t>(n)] != ignore_index)
      total -= logp(n, targets[static_cast<std::size_t>(n)]);
  MatT<S> out = MatT<S>::Constant(1, 1, total / S(count));
  return record("cross_entropy", std::move(out), {logits},
                [logits, targets, ignore_index, logp, count](const MatT<S>& g) {
    // ∂L/∂logits = (softmax − onehot(y)) / count on counted rows, 0 on ignored rows
    MatT<S> d = logp.array().exp().matrix();
    for (Index n = 0; n < d.rows(); ++n) {
      const Index y = targets[static_cast<std::size_t>(n)];
      if (y == ignore_index)
        d.row(n).setZero();
      else
        d(n, y) -= S(1);
    }
    logits.accumulate(d * (g(0, 0) / S(count)));
  });
}

// Mean squared error: same shapes -> (1, 1)
template <class S>
TensorT<S> mse_loss(const TensorT<S>& pred, const TensorT<S>& target) {
  check_same_shape("mse_loss", "pred", pred.value(), "target", target.value());
  if (pred.size() == 0) fail("mse_loss: the inputs are empty");
  const MatT<S> diff = pred.value() - target.value();
  const S n = static_cast<S>(diff.size());
  MatT<S> out = MatT<S>::Constant(1, 1, diff.squaredNorm() / n);
  return record("mse_loss", std::move(out), {pred, target}, [pred, target, diff, n](const MatT<S>& g) {
    const MatT<S> d = diff * (S(2) * g(0, 0) / n);  // ∂/∂pred = 2(pred − target)/n
    if (pred.requires_grad()) pred.accumulate(d);
    if (target.requires_grad()) target.accumulate(-d);  // ∂/∂target = −2(pred − target)/n
  });
}

// Binary cross-entropy from logits: x and targets y in [0, 1] of the same shape -> (1, 1)
template <class S>
TensorT<S> bce_with_logits(const TensorT<S>& logits, const TensorT<S>& targets) {
  check_same_shape("bce_with_logits", "logits", logits.value(), "targets", targets.value());
  if (logits.size() == 0) fail("bce_with_logits: the inputs are empty");
  const auto& x = logits.value();
  const auto& y = targets.value();
  const S n = static_cast<S>(x.size());
  const S total = (x.array().max(S(0)) - x.array() * y.array() + (-x.array().abs()).exp().log1p()).sum();
  MatT<S> out = MatT<S>::Constant(1, 1, total / n);
  return record("bce_with_logits", std::move(out), {logits, targets},
                [logits, targets, n](const MatT<S>& g) {
    const S scale = g(0, 0) / n;
    if (logits.requires_grad())  // ∂/∂x = σ(x) − y
      logits.accumulate(((sigmoid(logits.value()) - targets.value()) * scale).eval());
    if (targets.requires_grad())  // ∂/∂y = −x
      targets.accumulate((-logits.value() * scale).eval());
  });
}

// KL(N(μ, σ²) ‖ N(0, 1)) per sample summed over latent dims, averaged over the batch -> (1, 1)
template <class S>
TensorT<S> kl_standard_normal(const TensorT<S>& mu, const TensorT<S>& logvar) {
  check_same_shape("kl_standard_normal", "mu", mu.value(), "logvar", logvar.value());
  if (mu.rows() == 0) fail("kl_standard_normal: the batch is empty");
  const S B = static_cast<S>(mu.rows());
  const MatT<S> var = logvar.value().array().exp().matrix();  // (B, Z) σ²
  const S total = S(-0.5) * (S(1) + logvar.value().array() - mu.value().array().square() - var.array()).sum();
  MatT<S> out = MatT<S>::Constant(1, 1, total / B);
  return record("kl_standard_normal", std::move(out), {mu, logvar}, [mu, logvar, var, B](const MatT<S>& g) {
    const S scale = g(0, 0) / B;
    if (mu.requires_grad()) mu.accumulate(mu.value() * scale);  // ∂/∂μ = μ / B
    if (logvar.requires_grad())                                 // ∂/∂logvar = ½(σ² − 1) / B
      logvar.accumulate(((var.array() - S(1)) * (S(0.5) * scale)).matrix());
  });
}

}  // namespace aib
