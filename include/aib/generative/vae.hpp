// aib/generative/vae.hpp — the variational autoencoder: an autoencoder whose code is a Gaussian.
//
// Shapes: x (B, D) data, one sample per row; z (B, Z) latent codes; K importance samples.
//   encoder x -> (B, 2Z) = [μ | log σ²], q(z|x) = N(μ, diag σ²);  z = μ + σ ⊙ ε, ε ~ N(0, I)
//   decoder z -> (B, D) logits (Bernoulli) or means (Gaussian with a fixed σ_x);  p(z) = N(0, I)
//   loss = reconstruction + β·KL, each SUMMED over its dimensions and AVERAGED over the batch.
// Kingma & Welling 2014, Higgins et al. 2017 (β), Burda et al. 2016 (IWAE bound); the reduction
// of pytorch/examples' vae/main.py. Leaves out: learned decoder variance, convolutions, KL warm-up.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "aib/autograd/activations.hpp"
#include "aib/autograd/losses.hpp"
#include "aib/autograd/optim.hpp"
#include "aib/core/numeric.hpp"
#include "aib/core/random.hpp"
#include "aib/nn/dense.hpp"

namespace aib {

// ---- The decoder's likelihood p(x | z) ------------------------------------------------------

// How the decoder's output (B, D) is read. Either way −log p(x|z) is summed over the D dimensions.
enum class VaeLikelihood {
  // output = logits ℓ, p(x_d = 1 | z) = σ(ℓ_d):
  //   −log p(x|z) = Σ_d max(ℓ_d, 0) − ℓ_d·x_d + log(1 + e^−|ℓ_d|)   (BCE from logits, stable)
  // For grey x in [0, 1] this is the binary cross-entropy pytorch/examples trains MNIST with (an
  // unnormalised density: the continuous Bernoulli's normaliser is left out).
  bernoulli,
  // output = mean m, FIXED standard deviation σ_x (not learned), the full log-density:
  //   −log p(x|z) = Σ_d (x_d − m_d)²/(2σ_x²) + (D/2)·log(2πσ_x²)
  gaussian,
};

// The two terms of the loss and their sum, each (1, 1) and each differentiable.
template <class S>
struct VaeLossT {
  TensorT<S> loss;            // (1, 1) reconstruction + β·KL
  TensorT<S> reconstruction;  // (1, 1) (1/B) Σ_b Σ_d −log p(x_bd | z_b)
  TensorT<S> kl;              // (1, 1) (1/B) Σ_b Σ_z KL(q(z_z | x_b) ‖ N(0, 1))
};

// q(z | x) for a batch.
template <class S>
struct VaePosteriorT {
  TensorT<S> mu;      // (B, Z) μ
  TensorT<S> logvar;  // (B, Z) log σ²
};

namespace detail {

// (r, c) standard normals from aib::Rng, the same numbers for float and double models.
template <class S>
MatT<S> standard_normal(Index rows, Index cols, Rng& rng) {
  MatT<S> eps(rows, cols);  // (r, c)
  for (Index i = 0; i < eps.size(); ++i) eps.data()[i] = static_cast<S>(rng.normal_double());
  return eps;
}

}  // namespace detail

// ---- The reconstruction term: sums over dimensions, a mean over the batch ------------------
// losses.hpp's bce_with_logits and mse_loss are MEANS over all B·D entries: a VAE needs sums over
// the D dimensions (a mean would weaken the likelihood against the KL by a factor D). These two
// ops compute the sums directly, each in one pass, with its backward below it.

// (1/B) Σ_b Σ_d max(ℓ, 0) − ℓ·x + log(1 + e^−|ℓ|): logits ℓ (B, D), targets x (B, D) -> (1, 1).
// The same value as F.binary_cross_entropy_with_logits(ℓ, x, reduction='sum') / B. With
// e = e^−|ℓ| in (0, 1], log(1 + e) is off by at most an ulp of 1 without log1p (whose AVX-512
// form draws false warnings from g++ 12), far below the terms it is added to.
template <class S>
TensorT<S> bernoulli_nll(const TensorT<S>& logits, const TensorT<S>& x) {
  check_same_shape("bernoulli_nll", "logits", logits.value(), "x", x.value());
  if (logits.rows() == 0) fail("bernoulli_nll: the batch is empty");
  const S B = static_cast<S>(logits.rows());
  const auto l = logits.value().array();
  MatT<S> e = (-l.abs()).exp().matrix();  // (B, D) e^−|ℓ|, shared by the loss and σ(ℓ)
  const S total = (l.max(S(0)) - l * x.value().array() + (S(1) + e.array()).log()).sum();
  MatT<S> out = MatT<S>::Constant(1, 1, total / B);
  return record("bernoulli_nll", std::move(out), {logits, x}, [logits, x, e, B](const MatT<S>& g) {
    const S scale = g(0, 0) / B;
    if (logits.requires_grad()) {  // ∂/∂ℓ = (σ(ℓ) − x)/B,  σ(ℓ) = 1/(1 + e) or e/(1 + e)
      const auto inv = (S(1) + e.array()).inverse();
      logits.accumulate(
          (((logits.value().array() >= S(0)).select(inv, e.array() * inv) - x.value().array()) *
           scale)
              .matrix());
    }
    if (x.requires_grad()) x.accumulate((-logits.value() * scale).eval());  // ∂/∂x = −ℓ/B
  });
}

// (1/B) Σ_b Σ_d (x − m)²/(2σ²) + (D/2)·log(2πσ²): means m (B, D), data x (B, D), σ > 0 fixed
// -> (1, 1). The same value as −Normal(m, σ).log_prob(x).sum() / B.
template <class S>
TensorT<S> gaussian_nll(const TensorT<S>& mean, const TensorT<S>& x, double sigma) {
  check_same_shape("gaussian_nll", "mean", mean.value(), "x", x.value());
  if (mean.rows() == 0) fail("gaussian_nll: the batch is empty");
  if (!(sigma > 0.0) || !std::isfinite(sigma))
    fail("gaussian_nll: sigma = {}; it must be finite and > 0", sigma);
  const double var = sigma * sigma, B = static_cast<double>(mean.rows());
  const double D = static_cast<double>(mean.cols());
  MatT<S> diff = mean.value() - x.value();  // (B, D) m − x
  const double constant = 0.5 * D * std::log(2 * pi * var);
  MatT<S> out = MatT<S>::Constant(
      1, 1, static_cast<S>(static_cast<double>(diff.squaredNorm()) / (2 * var * B) + constant));
  return record("gaussian_nll", std::move(out), {mean, x},
                [mean, x, diff, var, B](const MatT<S>& g) {
                  const S scale = static_cast<S>(static_cast<double>(g(0, 0)) / (var * B));
                  if (mean.requires_grad()) mean.accumulate(diff * scale);  // ∂/∂m = (m − x)/(σ²B)
                  if (x.requires_grad()) x.accumulate(diff * -scale);  // ∂/∂x = −(m − x)/(σ²B)
                });
}

// ---- The model ------------------------------------------------------------------------------

template <class S>
struct VaeT {
  DenseNetT<S> encoder;  // (B, D) -> (B, 2Z): columns [0, Z) are μ, [Z, 2Z) are log σ²
  DenseNetT<S> decoder;  // (B, Z) -> (B, D): logits or means, per `likelihood`
  Index latent = 0;      // Z
  VaeLikelihood likelihood = VaeLikelihood::bernoulli;
  double sigma_x = 1.0;  // the Gaussian decoder's fixed σ_x (unused for Bernoulli)

  VaeT() = default;
  // Encoder D -> hidden… -> 2Z, decoder Z -> reversed hidden… -> D, `act` between layers.
  // pytorch/examples' MNIST VAE: VaeT(784, {400}, 20, rng).
  VaeT(Index data_dim, const std::vector<Index>& hidden, Index latent_dim, Rng& rng,
       VaeLikelihood lik = VaeLikelihood::bernoulli, double sigma = 1.0,
       Activation act = Activation::relu)
      : latent(latent_dim), likelihood(lik), sigma_x(sigma) {
    if (latent_dim < 1) fail("VAE: latent size {}; it must be >= 1", latent_dim);
    if (data_dim < 1) fail("VAE: data width {}; it must be >= 1", data_dim);
    if (lik == VaeLikelihood::gaussian && !(sigma > 0.0 && std::isfinite(sigma)))
      fail("VAE: the Gaussian decoder's sigma_x = {}; it must be finite and > 0", sigma);
    std::vector<Index> enc = {data_dim}, dec = {latent_dim};
    for (const Index h : hidden) enc.push_back(h);
    for (auto it = hidden.rbegin(); it != hidden.rend(); ++it) dec.push_back(*it);
    enc.push_back(2 * latent_dim);
    dec.push_back(data_dim);
    encoder = DenseNetT<S>(enc, rng, act);
    decoder = DenseNetT<S>(dec, rng, act);
  }

  Index data_dim() const { return decoder.out_features(); }  // D

  // ---- Encoder: q(z | x) = N(μ, diag σ²) ----------------------------------------------------

  // (B, D) -> μ (B, Z), log σ² (B, Z): the encoder's 2Z outputs split in two.
  VaePosteriorT<S> encode(const TensorT<S>& x) const {
    check_batch("VAE::encode", x.value());
    const TensorT<S> h = encoder.forward(x);  // (B, 2Z)
    return {slice_cols(h, 0, latent), slice_cols(h, latent, latent)};
  }

  // ---- Reparameterisation: z = μ + σ ⊙ ε ----------------------------------------------------

  // ε (B, Z) is given, so the draw is outside the graph: ∂z/∂μ = 1, ∂z/∂log σ² = ½σ ⊙ ε.
  TensorT<S> reparameterize(const TensorT<S>& mu, const TensorT<S>& logvar,
                            const MatT<S>& eps) const {
    check_same_shape("VAE::reparameterize", "mu", mu.value(), "eps", eps);
    check_same_shape("VAE::reparameterize", "mu", mu.value(), "logvar", logvar.value());
    const TensorT<S> sigma = exp(mul_scalar(logvar, S(0.5)));  // (B, Z) σ = e^(½ log σ²)
    return add(mu, mul(sigma, TensorT<S>(eps)));               // (B, Z) z
  }

  // ---- Decoder: p(x | z) --------------------------------------------------------------------

  // (B, Z) -> (B, D): logits (Bernoulli) or means (Gaussian).
  TensorT<S> decode(const TensorT<S>& z) const {
    if (z.cols() != latent)
      throw ShapeError(
          fmt::format("VAE::decode: z has shape {}, expected (B, {})", z.shape(), latent));
    return decoder.forward(z);
  }

  // The decoder's mean E[x | z]: σ(logits) for Bernoulli, the output itself for Gaussian.
  MatT<S> mean_of(const MatT<S>& out) const {  // (B, D) -> (B, D)
    return likelihood == VaeLikelihood::bernoulli ? MatT<S>(sigmoid(out)) : out;
  }

  // (1/B) Σ_b Σ_d −log p(x_bd | z_b) from the decoder's output (B, D) and the data (B, D):
  // bernoulli_nll or gaussian_nll below, SUMS over the dimensions averaged over the batch.
  TensorT<S> reconstruction_loss(const TensorT<S>& out, const TensorT<S>& x) const {
    return likelihood == VaeLikelihood::bernoulli ? bernoulli_nll(out, x)
                                                  : gaussian_nll(out, x, sigma_x);
  }

  // ---- The loss: reconstruction + β·KL ------------------------------------------------------

  // x (B, D), ε (B, Z) given. KL(N(μ, σ²) ‖ N(0, I)) = −½ Σ_z (1 + log σ² − μ² − σ²), summed over
  // the Z latent dimensions and averaged over the batch (losses.hpp's kl_standard_normal).
  VaeLossT<S> loss(const MatT<S>& x, const MatT<S>& eps, double beta = 1.0) const {
    check_beta("VAE::loss", beta);
    const TensorT<S> xt(x);                 // (B, D), no gradient
    const VaePosteriorT<S> q = encode(xt);  // (B, Z) twice
    if (eps.rows() != x.rows() || eps.cols() != latent)
      throw ShapeError(fmt::format("VAE::loss: eps has shape {}, expected ({}, {})", shape_str(eps),
                                   x.rows(), latent));
    const TensorT<S> z = reparameterize(q.mu, q.logvar, eps);  // (B, Z)
    const TensorT<S> out = decode(z);                          // (B, D)
    const TensorT<S> rec = reconstruction_loss(out, xt);       // (1, 1)
    const TensorT<S> kl = kl_standard_normal(q.mu, q.logvar);  // (1, 1)
    return {add(rec, mul_scalar(kl, static_cast<S>(beta))), rec, kl};
  }

  // The same with ε drawn from rng.
  VaeLossT<S> loss(const MatT<S>& x, Rng& rng, double beta = 1.0) const {
    return loss(x, detail::standard_normal<S>(x.rows(), latent, rng), beta);
  }

  // ---- Generating and reconstructing --------------------------------------------------------

  // n new samples: z ~ N(0, I) (n, Z), decoded to the mean E[x | z] (n, D).
  MatT<S> sample(Index n, Rng& rng) const {
    if (n < 0) fail("VAE::sample: n = {}; it must be >= 0", n);
    const NoGrad no_grad;
    return mean_of(decode(TensorT<S>(detail::standard_normal<S>(n, latent, rng))).value());
  }

  // x (B, D) -> E[x | z = μ(x)] (B, D): the reconstruction through the posterior mean.
  MatT<S> reconstruct(const MatT<S>& x) const {
    const NoGrad no_grad;
    return mean_of(decode(encode(TensorT<S>(x)).mu).value());
  }

  // ---- Diagnostics: KL per latent dimension, active units -----------------------------------

  // (Z): for each latent dimension z, (1/B) Σ_b KL(q(z_z | x_b) ‖ N(0, 1)) in nats; the entries
  // sum to the loss's KL term. A dimension near 0 carries no information about x: its posterior
  // is the prior for every input (posterior collapse).
  VecT<double> kl_per_dimension(const MatT<S>& x) const {
    const NoGrad no_grad;
    const VaePosteriorT<S> q = encode(TensorT<S>(x));
    const MatT<double> mu = q.mu.value().template cast<double>();      // (B, Z)
    const MatT<double> lv = q.logvar.value().template cast<double>();  // (B, Z)
    const MatT<double> kl =  // (B, Z) −½(1 + log σ² − μ² − σ²)
        (-0.5 * (1.0 + lv.array() - mu.array().square() - lv.array().exp())).matrix();
    return kl.colwise().mean().transpose();
  }

  // How many latent dimensions carry more than `threshold` nats of KL on average over x.
  // (Burda et al. 2016 count Cov_x E_q[z_z] > 0.01 instead; both find the same collapsed units
  // when the posterior is the prior.)
  Index active_units(const MatT<S>& x, double threshold = 0.01) const {
    if (!(threshold >= 0.0) || !std::isfinite(threshold))
      fail("VAE::active_units: threshold = {}; it must be finite and >= 0", threshold);
    const VecT<double> kl = kl_per_dimension(x);  // (Z)
    return static_cast<Index>((kl.array() > threshold).count());
  }

  // ---- The importance-weighted bound --------------------------------------------------------

  // For each x, with z_1 … z_K ~ q(z|x) independently and log w_k = log p(x|z_k) + log p(z_k)
  // − log q(z_k|x):  L_K(x) = log (1/K) Σ_k w_k = logsumexp_k(log w_k) − log K (stable).
  // Returns the mean over the batch, in nats. E[L_1] is the ELBO, E[L_K] rises with K and tends to
  // log p(x) (Burda et al. 2016, Theorem 1). The terms use the full densities (the 2π constants
  // included), so for the Gaussian decoder it bounds the true log-likelihood.
  double iwae_bound(const MatT<S>& x, Index k, Rng& rng) const {
    if (k < 1) fail("VAE::iwae_bound: k = {}; it must be >= 1", k);
    const NoGrad no_grad;
    const VaePosteriorT<S> q = encode(TensorT<S>(x));
    const Index B = x.rows(), Z = latent;
    const MatT<S> sigma = (S(0.5) * q.logvar.value().array()).exp().matrix();  // (B, Z)
    const double log2pi = std::log(2 * pi);
    // log p(z) = −½Σ z² − (Z/2)·log 2π;  log q(z|x) = −½Σ(ε² + log σ²) − (Z/2)·log 2π
    MatT<double> log_w(B, k);  // (B, K)
    for (Index j = 0; j < k; ++j) {
      const MatT<S> eps = detail::standard_normal<S>(B, Z, rng);                     // (B, Z)
      const MatT<S> z = q.mu.value() + sigma.cwiseProduct(eps);                      // (B, Z)
      const VecT<double> log_px = log_likelihood(decode(TensorT<S>(z)).value(), x);  // (B)
      for (Index b = 0; b < B; ++b) {
        double log_pz = -0.5 * Z * log2pi, log_qz = -0.5 * Z * log2pi;
        for (Index i = 0; i < Z; ++i) {
          const double zi = z(b, i), ei = eps(b, i);
          log_pz -= 0.5 * zi * zi;  // log N(z; 0, I)
          log_qz -= 0.5 * (ei * ei + static_cast<double>(q.logvar.value()(b, i)));  // log q(z|x)
        }
        log_w(b, j) = log_px(b) + log_pz - log_qz;
      }
    }
    const VecT<double> bound = logsumexp(log_w).array() - std::log(static_cast<double>(k));  // (B)
    return bound.mean();
  }

  // log p(x | z) per row, in double: decoder output (B, D), data (B, D) -> (B).
  VecT<double> log_likelihood(const MatT<S>& out, const MatT<S>& x) const {
    check_same_shape("VAE::log_likelihood", "decoder output", out, "x", x);
    const Eigen::ArrayXXd o = out.template cast<double>().array();  // (B, D)
    const Eigen::ArrayXXd t = x.template cast<double>().array();    // (B, D)
    if (likelihood == VaeLikelihood::bernoulli)  // −Σ_d max(ℓ, 0) − ℓx + log(1 + e^−|ℓ|)
      return -(o.max(0.0) - o * t + (-o.abs()).exp().log1p()).rowwise().sum().matrix();
    const double var = sigma_x * sigma_x;  // −Σ_d (x − m)²/(2σ²) − (D/2)·log(2πσ²)
    return (-(t - o).square().rowwise().sum() / (2 * var) -
            0.5 * static_cast<double>(x.cols()) * std::log(2 * pi * var))
        .matrix();
  }

  ParametersT<S> parameters() const {
    ParametersT<S> out = encoder.parameters("encoder");
    append(out, decoder.parameters("decoder"));
    return out;
  }

  // A batch must be (B, D) with B >= 1: its width is named when it is wrong.
  void check_batch(const char* where, const MatT<S>& x) const {
    if (latent < 1) fail("{}: the VAE is empty (default-constructed)", where);
    if (x.cols() != data_dim())
      throw ShapeError(fmt::format("{}: the batch has shape {}, expected (B, {}) (width {} != {})",
                                   where, shape_str(x), data_dim(), x.cols(), data_dim()));
    if (x.rows() < 1) fail("{}: the batch is empty, shape {}", where, shape_str(x));
  }

  static void check_beta(const char* where, double beta) {
    if (!(beta >= 0.0) || !std::isfinite(beta))
      fail("{}: beta = {}; it must be finite and >= 0 (the weight of the KL term)", where, beta);
  }
};
using Vae = VaeT<float>;
using VaeD = VaeT<double>;
using VaeLoss = VaeLossT<float>;

// ---- Training -------------------------------------------------------------------------------

struct VaeTrainOptions {
  Index steps = 2000;  // Adam updates
  Index batch = 64;    // rows per minibatch, drawn with replacement (random_rows)
  double lr = 1e-3;    // Adam's learning rate (β1 0.9, β2 0.999, as PyTorch's defaults)
  double beta = 1.0;   // the KL weight β (>= 0)
};

// Per step: the loss and its two terms (each summed over dimensions, averaged over the batch).
struct VaeHistory {
  std::vector<double> loss, reconstruction, kl;  // (steps)
};

// Adam on minibatches of `data` (N, D) with fresh ε every step. Throws aib::DivergenceError
// naming the step (counted from 1) when the loss stops being finite.
template <class S>
VaeHistory train_vae(VaeT<S>& vae, const MatT<S>& data, Rng& rng, const VaeTrainOptions& opt = {}) {
  if (opt.steps < 0) fail("train_vae: steps = {}; it must be >= 0", opt.steps);
  if (opt.batch < 1) fail("train_vae: batch = {}; it must be >= 1", opt.batch);
  VaeT<S>::check_beta("train_vae", opt.beta);
  vae.check_batch("train_vae", data);
  AdamT<S> adam(tensors_of(vae.parameters()), opt.lr);
  VaeHistory history;
  for (Index step = 0; step < opt.steps; ++step) {
    const MatT<S> x = random_rows(data, opt.batch, rng);  // (batch, D)
    const VaeLossT<S> terms = vae.loss(x, rng, opt.beta);
    check_finite_loss("train_vae", terms.loss.item(), static_cast<long>(step + 1));
    adam.zero_grad();
    terms.loss.backward();
    adam.step();
    history.loss.push_back(terms.loss.item());
    history.reconstruction.push_back(terms.reconstruction.item());
    history.kl.push_back(terms.kl.item());
  }
  return history;
}

}  // namespace aib
