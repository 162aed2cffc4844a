// aib/generative/toy2d.hpp — the 2-D toy datasets generative models are tried on first.
//
// Each sampler returns an (N, 2) Mat, one point per row, drawn from an aib::Rng (same seed, same
// points on every platform). Six shapes: 8 Gaussians on a ring (the WGAN-GP toy of Gulrajani et
// al. 2017, caogang/wgan-gp), a 5×5 grid of Gaussians (VEEGAN / PacGAN's mode-counting grid), two
// moons, a swiss roll, a checkerboard and concentric rings (FFJORD-style toys). Where the density
// is known in closed form (the two mixtures, the checkerboard) the library evaluates log p(x) and
// the differential entropy H = −E log p(x), the floor no model's NLL in nats can beat.
// Leaves out: the densities of moons, swiss roll and rings (a noisy curve has no closed form).
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/core.h>

#include "aib/core/check.hpp"
#include "aib/core/numeric.hpp"
#include "aib/core/random.hpp"
#include "aib/core/types.hpp"

namespace aib {

namespace detail {

inline void check_toy_count(std::string_view where, Index n) {
  if (n < 1) fail("{}: n must be at least 1, got {}", where, n);
}

inline void check_toy_points(std::string_view where, const Eigen::Ref<const Mat>& x) {
  check_shape(where, "x", x, any, 2);
}

}  // namespace detail

// An estimate of a differential entropy in nats, with its standard error (0 when exact).
struct ToyEntropy {
  double nats = 0;       // H = −E log p(x)
  double std_error = 0;  // of a Monte-Carlo estimate; 0 when `exact`
  bool exact = false;    // closed form (to double precision), not sampled
};

// ---- Isotropic Gaussian mixtures ---------------------------------------------------------------

// p(x) = (1/K) Σ_k N(x; μ_k, σ² I), equal weights. The metrics read `centres` and `sigma`.
struct GaussianMixture2D {
  std::string name;  // "ring8", "grid25", ...
  Mat centres;       // (K, 2) the mode centres μ_k
  float sigma = 1;   // per-axis standard deviation of every component

  Index modes() const { return centres.rows(); }

  // (N, 2): pick a mode uniformly, add σ·N(0, I). Draw order per point: mode, x noise, y noise.
  Mat sample(Index n, Rng& rng) const {
    detail::check_toy_count(name + ".sample", n);
    Mat x(n, 2);  // (N, 2)
    for (Index i = 0; i < n; ++i) {
      const Index k = rng.uniform_index(modes());
      x(i, 0) = centres(k, 0) + sigma * rng.normal();
      x(i, 1) = centres(k, 1) + sigma * rng.normal();
    }
    return x;
  }

  // (N, 2) -> (N): log p(x) = logsumexp_k [ −log K − log(2πσ²) − ‖x − μ_k‖² / (2σ²) ],
  // computed in double and rounded to float at the end.
  Vec log_prob(const Eigen::Ref<const Mat>& x) const {
    detail::check_toy_points(name + ".log_prob", x);
    const double s2 = static_cast<double>(sigma) * sigma;
    const double norm = -std::log(static_cast<double>(modes())) - std::log(2 * pi * s2);
    Vec out(x.rows());  // (N)
    std::vector<double> terms(static_cast<std::size_t>(modes()));
    for (Index i = 0; i < x.rows(); ++i) {
      double top = -std::numeric_limits<double>::infinity();
      for (Index k = 0; k < modes(); ++k) {
        const double dx = static_cast<double>(x(i, 0)) - centres(k, 0);
        const double dy = static_cast<double>(x(i, 1)) - centres(k, 1);
        terms[k] = norm - (dx * dx + dy * dy) / (2 * s2);
        top = std::max(top, terms[k]);
      }
      double sum = 0;
      for (const double t : terms) sum += std::exp(t - top);
      out(i) = static_cast<float>(top + std::log(sum));
    }
    return out;
  }

  // The smallest distance between two centres (infinity for one mode).
  double min_separation() const {
    double best = std::numeric_limits<double>::infinity();
    for (Index a = 0; a < modes(); ++a)
      for (Index b = a + 1; b < modes(); ++b)
        best = std::min(best, static_cast<double>((centres.row(a) - centres.row(b)).norm()));
    return best;
  }

  // H when the modes do not overlap: each point is known to come from one of K equal modes,
  // so H = log K + H(N(0, σ² I₂)) = log K + 1 + log(2πσ²).
  double separated_entropy() const {
    const double s2 = static_cast<double>(sigma) * sigma;
    return std::log(static_cast<double>(modes())) + 1.0 + std::log(2 * pi * s2);
  }

  // The differential entropy. Exact (separated_entropy) when every pair of centres is at least
  // 20σ apart: a component then puts less than Φ(−10) ≈ 8e-24 of its mass past the midpoint to
  // its nearest neighbour, far below double precision. Otherwise a Monte-Carlo estimate
  // −(1/S) Σ log p(x_s) over S samples, with its standard error.
  ToyEntropy entropy(Rng& rng, Index samples = 100000) const {
    if (min_separation() >= 20.0 * sigma) return {separated_entropy(), 0.0, true};
    detail::check_toy_count(name + ".entropy (samples)", samples);
    const Vec lp = log_prob(sample(samples, rng));  // (S)
    const VecD h = -lp.cast<double>();              // (S)
    const double mean = h.mean();
    const double var = samples > 1 ? (h.array() - mean).square().sum() / (samples - 1) : 0.0;
    return {mean, std::sqrt(var / samples), false};
  }
};

namespace detail {
inline void check_toy_sigma(std::string_view where, float sigma) {
  if (!(sigma > 0) || !std::isfinite(sigma))
    fail("{}: sigma must be positive and finite, got {}", where, sigma);
}
}  // namespace detail

// 8 Gaussians on a ring, as in WGAN-GP's toy (caogang/wgan-gp, gan_toy.py): centres at radius 2,
// angles 0, 45°, …, 315° (8 distinct angles: k·2π/8 for k < 8 — unlike linspace(0, 2π, 8), which
// repeats the first mode at 2π and leaves only 7, the unrolled-GAN demo's pitfall), noise σ, and
// the whole dataset then divided by 1.414. So the mixture has radius 2/1.414 ≈ 1.414 and
// per-axis σ/1.414; `sigma` is the σ before the division (WGAN-GP: 0.02).
inline GaussianMixture2D ring8_mixture(float sigma = 0.02f) {
  detail::check_toy_sigma("ring8", sigma);
  GaussianMixture2D m;
  m.name = "ring8";
  m.centres.resize(8, 2);  // (8, 2)
  for (Index k = 0; k < 8; ++k) {
    const double angle = 2 * pi * static_cast<double>(k) / 8.0;
    m.centres(k, 0) = static_cast<float>(2.0 * std::cos(angle) / 1.414);
    m.centres(k, 1) = static_cast<float>(2.0 * std::sin(angle) / 1.414);
  }
  m.sigma = static_cast<float>(sigma / 1.414);
  return m;
}

// A 5×5 grid of Gaussians: centres at {−4, −2, 0, 2, 4}², per-axis σ (default 0.05), the layout
// of the grid experiments of VEEGAN (Srivastava et al. 2017) and PacGAN (Lin et al. 2018).
inline GaussianMixture2D grid25_mixture(float sigma = 0.05f) {
  detail::check_toy_sigma("grid25", sigma);
  GaussianMixture2D m;
  m.name = "grid25";
  m.centres.resize(25, 2);  // (25, 2)
  for (Index i = 0; i < 5; ++i)
    for (Index j = 0; j < 5; ++j) {
      m.centres(5 * i + j, 0) = static_cast<float>(-4 + 2 * j);
      m.centres(5 * i + j, 1) = static_cast<float>(-4 + 2 * i);
    }
  m.sigma = sigma;
  return m;
}

// (N, 2) samples of the two mixtures above.
inline Mat ring8(Index n, Rng& rng, float sigma = 0.02f) {
  return ring8_mixture(sigma).sample(n, rng);
}
inline Mat grid25(Index n, Rng& rng, float sigma = 0.05f) {
  return grid25_mixture(sigma).sample(n, rng);
}

// ---- The checkerboard --------------------------------------------------------------------------

// Uniform on the 8 unit squares of [−2, 2]² whose corner (⌊x⌋, ⌊y⌋) has an even sum — the
// FFJORD toy (Grathwohl et al. 2019). p(x) = 1/8 on those squares and 0 elsewhere, so its entropy
// is exactly log(area) = log 8 ≈ 2.0794 nats.
struct Checkerboard {
  static constexpr double area = 8.0;

  static bool on_board(double x, double y) {
    if (!(x >= -2 && x < 2 && y >= -2 && y < 2)) return false;
    const auto sum = static_cast<long>(std::floor(x)) + static_cast<long>(std::floor(y));
    return sum % 2 == 0;
  }

  // (N, 2): x uniform in [−2, 2), then y uniform in the two unit intervals that make a dark
  // square with x's column. Draw order per point: x, y, which of the two squares.
  static Mat sample(Index n, Rng& rng) {
    detail::check_toy_count("checkerboard", n);
    Mat p(n, 2);  // (N, 2)
    for (Index i = 0; i < n; ++i) {
      const float x = rng.uniform(-2.f, 2.f);
      const float u = rng.uniform();
      const bool upper = rng.uniform_int(2) == 1;
      const int column = static_cast<int>(std::floor(x));           // −2, −1, 0 or 1
      const int first_row = ((column % 2) + 2) % 2 == 0 ? -2 : -1;  // even sum with column
      p(i, 0) = x;
      const int row = first_row + (upper ? 2 : 0);  // −2/0 or −1/1
      // row + u rounds up to row + 1 for the largest u near 2: keep it inside the square.
      p(i, 1) =
          std::min(static_cast<float>(row) + u, std::nextafter(static_cast<float>(row + 1), -3.f));
    }
    return p;
  }

  // (N, 2) -> (N): log(1/8) on the board, −inf off it.
  static Vec log_prob(const Eigen::Ref<const Mat>& x) {
    detail::check_toy_points("checkerboard.log_prob", x);
    Vec out(x.rows());  // (N)
    for (Index i = 0; i < x.rows(); ++i)
      out(i) = on_board(x(i, 0), x(i, 1)) ? static_cast<float>(-std::log(area))
                                          : -std::numeric_limits<float>::infinity();
    return out;
  }

  static ToyEntropy entropy() { return {std::log(area), 0.0, true}; }
};

inline Mat checkerboard(Index n, Rng& rng) {
  return Checkerboard::sample(n, rng);
}

// ---- Curves with noise -------------------------------------------------------------------------

namespace detail {
inline void check_toy_noise(std::string_view where, float noise) {
  if (!(noise >= 0) || !std::isfinite(noise))
    fail("{}: noise must be finite and >= 0, got {}", where, noise);
}
}  // namespace detail

// Two interleaved half circles, as scikit-learn's make_moons: upper (cos t, sin t), lower
// (1 − cos t, 0.5 − sin t), t uniform in [0, π) (not evenly spaced), each moon with probability
// 1/2; shifted by (−0.5, −0.25) so the data is centred; then N(0, noise²) on each coordinate.
// Draw order per point: moon, t, x noise, y noise.
inline Mat two_moons(Index n, Rng& rng, float noise = 0.05f) {
  detail::check_toy_count("moons", n);
  detail::check_toy_noise("moons", noise);
  Mat x(n, 2);  // (N, 2)
  for (Index i = 0; i < n; ++i) {
    const bool lower = rng.uniform_int(2) == 1;
    const double t = pi * rng.uniform_double();
    const double px = lower ? 1.0 - std::cos(t) : std::cos(t);
    const double py = lower ? 0.5 - std::sin(t) : std::sin(t);
    x(i, 0) = static_cast<float>(px - 0.5) + noise * rng.normal();
    x(i, 1) = static_cast<float>(py - 0.25) + noise * rng.normal();
  }
  return x;
}

// A 2-D swiss roll, as FFJORD's toy (scikit-learn's make_swiss_roll seen from its side, ÷ 5):
// t = 1.5π(1 + 2u) with u uniform, point (t cos t, t sin t)/5 — a spiral of 1.5 turns out to
// radius 2.83 — plus N(0, noise²) per coordinate (FFJORD's noise 1 before ÷ 5 is 0.2 here).
// Draw order per point: u, x noise, y noise.
inline Mat swiss_roll(Index n, Rng& rng, float noise = 0.1f) {
  detail::check_toy_count("swissroll", n);
  detail::check_toy_noise("swissroll", noise);
  Mat x(n, 2);  // (N, 2)
  for (Index i = 0; i < n; ++i) {
    const double t = 1.5 * pi * (1.0 + 2.0 * rng.uniform_double());
    x(i, 0) = static_cast<float>(t * std::cos(t) / 5.0) + noise * rng.normal();
    x(i, 1) = static_cast<float>(t * std::sin(t) / 5.0) + noise * rng.normal();
  }
  return x;
}

// `count` concentric circles of radii 3k/count (k = 1 … count; default 0.75, 1.5, 2.25, 3),
// points spread uniformly along their total length (ring k chosen with probability ∝ k), angle
// uniform, plus N(0, noise²) per coordinate — like FFJORD's "rings" toy and a many-ring
// make_circles. Draw order per point: ring, angle, x noise, y noise.
inline Mat rings(Index n, Rng& rng, int count = 4, float noise = 0.08f) {
  detail::check_toy_count("rings", n);
  detail::check_toy_noise("rings", noise);
  if (count < 1 || count > 64) fail("rings: count must be in [1, 64], got {}", count);
  std::vector<double> weights;  // (count) ∝ radius
  for (int k = 1; k <= count; ++k) weights.push_back(k);
  Mat x(n, 2);  // (N, 2)
  for (Index i = 0; i < n; ++i) {
    const double r = 3.0 * static_cast<double>(rng.categorical(weights) + 1) / count;
    const double angle = 2 * pi * rng.uniform_double();
    x(i, 0) = static_cast<float>(r * std::cos(angle)) + noise * rng.normal();
    x(i, 1) = static_cast<float>(r * std::sin(angle)) + noise * rng.normal();
  }
  return x;
}

// ---- By name -----------------------------------------------------------------------------------

// The names make_toy knows, in the order above.
inline std::vector<std::string> toy_names() {
  return {"ring8", "grid25", "moons", "swissroll", "checkerboard", "rings"};
}

// (N, 2) points of the toy called `name`, with its default parameters. An unknown name is an
// aib::Error that lists the known ones.
inline Mat make_toy(std::string_view name, Index n, Rng& rng) {
  if (name == "ring8") return ring8(n, rng);
  if (name == "grid25") return grid25(n, rng);
  if (name == "moons") return two_moons(n, rng);
  if (name == "swissroll") return swiss_roll(n, rng);
  if (name == "checkerboard") return checkerboard(n, rng);
  if (name == "rings") return rings(n, rng);
  std::string known;
  for (const std::string& k : toy_names()) known += (known.empty() ? "" : ", ") + k;
  fail("make_toy: unknown dataset '{}'; known: {}", name, known);
}

// Whether the toy called `name` has a closed-form density (toy_log_prob, toy_entropy).
inline bool toy_has_density(std::string_view name) {
  return name == "ring8" || name == "grid25" || name == "checkerboard";
}

namespace detail {
inline void check_density_name(std::string_view where, std::string_view name) {
  if (toy_has_density(name)) return;
  const std::vector<std::string> names = toy_names();
  std::string known;
  for (const std::string& k : names) known += (known.empty() ? "" : ", ") + k;
  if (std::find(names.begin(), names.end(), std::string(name)) == names.end())
    fail("{}: unknown dataset '{}'; known: {}", where, name, known);
  fail("{}: '{}' has no closed-form density; these do: ring8, grid25, checkerboard", where, name);
}
}  // namespace detail

// (N, 2) -> (N): log p(x) of the toy `name` with its default parameters.
inline Vec toy_log_prob(std::string_view name, const Eigen::Ref<const Mat>& x) {
  detail::check_density_name("toy_log_prob", name);
  if (name == "ring8") return ring8_mixture().log_prob(x);
  if (name == "grid25") return grid25_mixture().log_prob(x);
  return Checkerboard::log_prob(x);
}

// The differential entropy of the toy `name` with its default parameters (all three exact).
inline ToyEntropy toy_entropy(std::string_view name, Rng& rng) {
  detail::check_density_name("toy_entropy", name);
  if (name == "ring8") return ring8_mixture().entropy(rng);
  if (name == "grid25") return grid25_mixture().entropy(rng);
  return Checkerboard::entropy();
}

}  // namespace aib
