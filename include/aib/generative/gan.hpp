// aib/generative/gan.hpp — the generative adversarial network: a generator G that turns noise into
// samples and a discriminator D that tells them from data, trained against each other.
//
// Shapes: z (B, Z) noise ~ N(0, I); x = G(z) (B, D) samples; with pack size m, D sees B/m rows of
// m samples side by side: pack(x) (B/m, m·D) -> logits ℓ (B/m, 1), D(x) = σ(ℓ) = P(real).
// The value of the game (Goodfellow et al. 2014, eq. 1):
//   V(D, G) = E_x log D(x) + E_z log(1 − D(G(z)))          D maximises it, G minimises it
// Every loss is computed from LOGITS ℓ, never from σ(ℓ) then a log (which overflows to −inf):
//   −log σ(ℓ) = softplus(−ℓ),   −log(1 − σ(ℓ)) = softplus(ℓ),   softplus(u) = log(1 + e^u)
// (bce_with_logits with target 1 and 0). PacGAN (Lin et al. 2018): the discriminator judges m
// samples at once, which lets it see a lack of variety; m = 1 is the plain GAN.
//
// The public losses (also used by the conditional GAN and the super-resolution upsampler):
//   template <class S> TensorT<S> gan_discriminator_loss(const TensorT<S>& real_logits,
//                                                       const TensorT<S>& fake_logits);
//       (1, 1) = mean softplus(−ℓ_real) + mean softplus(ℓ_fake) = −V(D, G)
//   template <class S> TensorT<S> gan_generator_loss(const TensorT<S>& fake_logits,
//                                                   GanLoss kind = GanLoss::non_saturating);
//       (1, 1) minimax: mean log(1 − D) = −mean softplus(ℓ_fake);
//              non_saturating: −mean log D = mean softplus(−ℓ_fake)
//   double gan_value(real_logits, fake_logits)  V(D, G) itself (−log 4 at D = ½ everywhere)
// Logits may have any shape (N, C), N >= 1: each entry is one judgement.
// Leaves out: convolutions, batch norm, Wasserstein and gradient-penalty losses, several D steps
// per G step, unrolling, label smoothing.
#pragma once

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "aib/autograd/activations.hpp"
#include "aib/autograd/losses.hpp"
#include "aib/autograd/optim.hpp"
#include "aib/core/check.hpp"
#include "aib/core/random.hpp"
#include "aib/nn/dense.hpp"

namespace aib {

// ---- The losses, from logits ----------------------------------------------------------------

// Which generator loss: the game's own (minimax) or Goodfellow's fix (non-saturating).
enum class GanLoss {
  // min_G E log(1 − D(G(z))): the minimax game. Early in training D rejects the fakes
  // confidently (ℓ ≪ 0), where log(1 − σ(ℓ)) is flat: G gets almost no gradient (it saturates).
  minimax,
  // min_G −E log D(G(z)): the same fixed point, strong gradients when D rejects the fakes.
  non_saturating,
};

inline const char* gan_loss_name(GanLoss kind) {
  return kind == GanLoss::minimax ? "minimax" : "non-saturating";
}

namespace detail {

template <class S>
TensorT<S> constant_like(const TensorT<S>& t, S value) {
  return TensorT<S>(MatT<S>::Constant(t.rows(), t.cols(), value));  // (N, C), no gradient
}

template <class S>
void check_logits(const char* where, const char* what, const TensorT<S>& logits) {
  if (logits.size() == 0) fail("{}: {} are empty, shape {}", where, what, logits.shape());
}

}  // namespace detail

// −V(D, G) on a batch: mean softplus(−ℓ_real) + mean softplus(ℓ_fake), each a mean over its own
// entries. real_logits (N_r, C), fake_logits (N_f, C') -> (1, 1). D minimises it.
template <class S>
TensorT<S> gan_discriminator_loss(const TensorT<S>& real_logits, const TensorT<S>& fake_logits) {
  detail::check_logits("gan_discriminator_loss", "real_logits", real_logits);
  detail::check_logits("gan_discriminator_loss", "fake_logits", fake_logits);
  const TensorT<S> real_term =  // (1, 1) −mean log D(x)
      bce_with_logits(real_logits, detail::constant_like(real_logits, S(1)));
  const TensorT<S> fake_term =  // (1, 1) −mean log(1 − D(G(z)))
      bce_with_logits(fake_logits, detail::constant_like(fake_logits, S(0)));
  return add(real_term, fake_term);
}

// G's loss from D's logits on the fakes (N, C) -> (1, 1); see GanLoss.
template <class S>
TensorT<S> gan_generator_loss(const TensorT<S>& fake_logits,
                              GanLoss kind = GanLoss::non_saturating) {
  detail::check_logits("gan_generator_loss", "fake_logits", fake_logits);
  if (kind == GanLoss::minimax)  // mean log(1 − σ(ℓ)) = −mean softplus(ℓ)
    return mul_scalar(bce_with_logits(fake_logits, detail::constant_like(fake_logits, S(0))),
                      S(-1));
  if (kind == GanLoss::non_saturating)  // −mean log σ(ℓ) = mean softplus(−ℓ)
    return bce_with_logits(fake_logits, detail::constant_like(fake_logits, S(1)));
  fail("gan_generator_loss: unknown GanLoss {}", static_cast<int>(kind));
}

// V(D, G) = E log D(x) + E log(1 − D(G(z))) estimated on the given logits, in double.
template <class S>
double gan_value(const TensorT<S>& real_logits, const TensorT<S>& fake_logits) {
  const NoGrad no_grad;
  return -static_cast<double>(gan_discriminator_loss(real_logits, fake_logits).item());
}

// ---- PacGAN's packing -----------------------------------------------------------------------

// x (B, D) -> (B/m, m·D): row j is [x_{jm} | x_{jm+1} | … | x_{jm+m−1}], consecutive samples side
// by side (PyTorch's x.reshape(B // m, m * D) on a row-major tensor). m = 1 returns x itself.
template <class S>
TensorT<S> pack_samples(const TensorT<S>& x, Index m) {
  if (m < 1) fail("pack_samples: pack size m = {}; it must be >= 1", m);
  if (x.rows() % m != 0)
    fail("pack_samples: the batch of {} samples is not divisible by the pack size m = {}", x.rows(),
         m);
  if (m == 1) return x;
  const Index B = x.rows(), D = x.cols(), P = B / m;
  MatT<S> out(P, m * D);  // (B/m, m·D)
  for (Index j = 0; j < P; ++j)
    for (Index i = 0; i < m; ++i) out.block(j, i * D, 1, D) = x.value().row(j * m + i);
  return record("pack_samples", std::move(out), {x}, [x, m, P, D](const MatT<S>& g) {
    MatT<S> dx(P * m, D);  // (B, D): the same entries moved back
    for (Index j = 0; j < P; ++j)
      for (Index i = 0; i < m; ++i) dx.row(j * m + i) = g.block(j, i * D, 1, D);
    x.accumulate(dx);
  });
}

// ---- The two players ------------------------------------------------------------------------

struct GanConfig {
  Index data_dim = 2;                        // D
  Index noise_dim = 2;                       // Z (the WGAN-GP toy feeds 2-D noise)
  std::vector<Index> g_hidden = {128, 128};  // the generator's hidden widths
  std::vector<Index> d_hidden = {128, 128};  // the discriminator's hidden widths
  Index pack = 1;                            // PacGAN's m; 1 = a plain GAN
  Activation act = Activation::relu;         // between layers, both networks

  // caogang/wgan-gp's gan_toy.py: both players 3 × 512 ReLU, 2-D noise.
  static GanConfig wgan_gp_toy() {
    GanConfig c;
    c.g_hidden = c.d_hidden = {512, 512, 512};
    return c;
  }
};

template <class S>
struct GanT {
  DenseNetT<S> generator;      // (B, Z) -> (B, D)
  DenseNetT<S> discriminator;  // (B/m, m·D) -> (B/m, 1) logits
  Index data_dim = 0, noise_dim = 0, pack = 1;

  GanT() = default;
  GanT(const GanConfig& c, Rng& rng) : data_dim(c.data_dim), noise_dim(c.noise_dim), pack(c.pack) {
    if (c.data_dim < 1) fail("GAN: data width {}; it must be >= 1", c.data_dim);
    if (c.noise_dim < 1) fail("GAN: noise width {}; it must be >= 1", c.noise_dim);
    if (c.pack < 1) fail("GAN: pack size m = {}; it must be >= 1 (1 is a plain GAN)", c.pack);
    std::vector<Index> g = {c.noise_dim}, d = {c.pack * c.data_dim};
    for (const Index h : c.g_hidden) g.push_back(h);
    for (const Index h : c.d_hidden) d.push_back(h);
    g.push_back(c.data_dim);
    d.push_back(1);
    generator = DenseNetT<S>(g, rng, c.act);
    discriminator = DenseNetT<S>(d, rng, c.act);
  }

  // (n, Z) standard normal noise.
  MatT<S> noise(Index n, Rng& rng) const {
    if (n < 0) fail("GAN::noise: n = {}; it must be >= 0", n);
    MatT<S> z(n, noise_dim);  // (n, Z)
    for (Index i = 0; i < z.size(); ++i) z.data()[i] = static_cast<S>(rng.normal_double());
    return z;
  }

  // z (B, Z) -> G(z) (B, D)
  TensorT<S> generate(const TensorT<S>& z) const { return generator.forward(z); }

  // x (B, D) -> logits (B/m, 1): one judgement per pack of m consecutive rows.
  TensorT<S> discriminate(const TensorT<S>& x) const {
    if (x.cols() != data_dim)
      throw ShapeError(fmt::format("GAN::discriminate: the batch has shape {}, expected (B, {})",
                                   x.shape(), data_dim));
    if (x.rows() < 1) fail("GAN::discriminate: the batch is empty");
    return discriminator.forward(pack_samples(x, pack));
  }

  // n new samples (n, D) from fresh noise.
  MatT<S> sample(Index n, Rng& rng) const {
    const NoGrad no_grad;
    return generate(TensorT<S>(noise(n, rng))).value();
  }

  // D's probability of "real", one per pack: x (B, D) -> (B/m).
  VecT<S> probability_real(const MatT<S>& x) const {
    const NoGrad no_grad;
    return sigmoid(discriminate(TensorT<S>(x)).value()).col(0);
  }

  ParametersT<S> generator_parameters() const { return generator.parameters("generator"); }
  ParametersT<S> discriminator_parameters() const {
    return discriminator.parameters("discriminator");
  }
  ParametersT<S> parameters() const {
    ParametersT<S> out = generator_parameters();
    append(out, discriminator_parameters());
    return out;
  }
};
using Gan = GanT<float>;
using GanD = GanT<double>;

// ---- Training: one D step, then one G step --------------------------------------------------

struct GanTrainOptions {
  Index steps = 2000;    // iterations, each one D update and one G update
  Index batch = 256;     // real rows (with replacement) and fakes per step; divisible by m
  double lr_d = 2e-4;    // Adam for D
  double lr_g = 2e-4;    // Adam for G
  double beta1 = 0.5;    // Adam's β1, GAN-usual (DCGAN)
  double beta2 = 0.999;  // Adam's β2
  GanLoss loss = GanLoss::non_saturating;
  std::vector<Index> snapshot_steps;  // after these steps (1-based) store samples of fixed noise
  Index snapshot_samples = 512;       // rows per snapshot
};

template <class S>
struct GanSnapshotT {
  Index step = 0;   // after this many iterations (0 = before training)
  MatT<S> samples;  // (snapshot_samples, D) G(z) for the same z at every snapshot
};

// Per step (index step − 1): the losses and D's mean probability of "real" on each side, all
// measured in the D step on the same batch (D before its update), except g_loss (after it).
template <class S>
struct GanHistoryT {
  std::vector<double> d_loss, g_loss;  // (steps) −V estimate; G's loss of the chosen kind
  std::vector<double> d_real, d_fake;  // (steps) mean D(x) on data, mean D(G(z)) on fakes
  std::vector<GanSnapshotT<S>> snapshots;
};
using GanHistory = GanHistoryT<float>;

namespace detail {

// While alive, D's parameters take no gradient: G's backward passes through D without
// accumulating D's weight gradients (which the next D step would discard anyway).
template <class S>
struct FrozenT {
  std::vector<TensorT<S>> params;
  explicit FrozenT(std::vector<TensorT<S>> p) : params(std::move(p)) {
    for (TensorT<S>& t : params) t.set_requires_grad(false);
  }
  ~FrozenT() {
    for (TensorT<S>& t : params) t.set_requires_grad(true);
  }
  FrozenT(const FrozenT&) = delete;
  FrozenT& operator=(const FrozenT&) = delete;
};

}  // namespace detail

// Trains `gan` on `data` (N, D). Each step: real (batch, D) drawn with replacement, fakes G(z)
// for fresh z; D's step on real and detached fakes; then G's step through the updated D. A loss
// that stops being finite throws aib::DivergenceError naming the step (counted from 1).
// `on_step(step, gan, history)`, if given, is called after every step.
template <class S>
GanHistoryT<S> train_gan(
    GanT<S>& gan, const MatT<S>& data, Rng& rng, const GanTrainOptions& opt = {},
    const std::function<void(Index, const GanT<S>&, const GanHistoryT<S>&)>& on_step = {}) {
  if (gan.noise_dim < 1) fail("train_gan: the GAN is empty (default-constructed)");
  if (opt.steps < 0) fail("train_gan: steps = {}; it must be >= 0", opt.steps);
  if (opt.batch < 1) fail("train_gan: batch = {}; it must be >= 1", opt.batch);
  if (opt.batch % gan.pack != 0)
    fail("train_gan: batch = {} is not divisible by the pack size m = {}", opt.batch, gan.pack);
  if (data.cols() != gan.data_dim)
    throw ShapeError(fmt::format("train_gan: the data has shape {}, expected (N, {})",
                                 shape_str(data), gan.data_dim));
  if (data.rows() < 1) fail("train_gan: the data is empty");
  for (const double lr : {opt.lr_d, opt.lr_g})
    if (!(lr > 0.0) || !std::isfinite(lr)) fail("train_gan: learning rate {}; it must be > 0", lr);
  for (const Index s : opt.snapshot_steps)
    if (s < 0 || s > opt.steps)
      fail("train_gan: snapshot step {} is outside [0, {}]", s, opt.steps);
  const std::vector<TensorT<S>> d_params = tensors_of(gan.discriminator_parameters());
  AdamT<S> adam_d(d_params, opt.lr_d, opt.beta1, opt.beta2);
  AdamT<S> adam_g(tensors_of(gan.generator_parameters()), opt.lr_g, opt.beta1, opt.beta2);
  const MatT<S> fixed_z = gan.noise(opt.snapshot_samples, rng);  // (n, Z) the snapshots' noise
  GanHistoryT<S> history;
  const auto snapshot = [&](Index step) {
    for (const Index s : opt.snapshot_steps)
      if (s == step) {
        const NoGrad no_grad;
        history.snapshots.push_back({step, gan.generate(TensorT<S>(fixed_z)).value()});
        return;
      }
  };
  snapshot(0);
  for (Index step = 1; step <= opt.steps; ++step) {
    const TensorT<S> real(random_rows(data, opt.batch, rng));                     // (B, D)
    const TensorT<S> fake = gan.generate(TensorT<S>(gan.noise(opt.batch, rng)));  // (B, D)

    // D: push D(x) up and D(G(z)) down; the fakes are detached, G is not touched.
    const TensorT<S> real_logits = gan.discriminate(real);                       // (B/m, 1)
    const TensorT<S> fake_logits = gan.discriminate(fake.detach());              // (B/m, 1)
    const TensorT<S> d_loss = gan_discriminator_loss(real_logits, fake_logits);  // (1, 1)
    check_finite_loss("train_gan (discriminator)", d_loss.item(), static_cast<long>(step));
    adam_d.zero_grad();
    d_loss.backward();
    adam_d.step();

    // G: through the updated D, whose parameters take no gradient in this pass.
    TensorT<S> g_loss;  // (1, 1)
    {
      const detail::FrozenT<S> frozen(d_params);
      g_loss = gan_generator_loss(gan.discriminate(fake), opt.loss);
      check_finite_loss("train_gan (generator)", g_loss.item(), static_cast<long>(step));
      adam_g.zero_grad();
      g_loss.backward();
    }
    adam_g.step();

    history.d_loss.push_back(d_loss.item());
    history.g_loss.push_back(g_loss.item());
    history.d_real.push_back(static_cast<double>(sigmoid(real_logits.value()).mean()));
    history.d_fake.push_back(static_cast<double>(sigmoid(fake_logits.value()).mean()));
    snapshot(step);
    if (on_step) on_step(step, gan, history);
  }
  return history;
}

}  // namespace aib
