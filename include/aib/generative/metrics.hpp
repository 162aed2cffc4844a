// aib/generative/metrics.hpp — measuring a generative model's samples against data.
//
// Shapes: samples x (N, D) and y (M, D), one point per row, float in, double arithmetic inside.
// Mode coverage follows VEEGAN (Srivastava et al. 2017) and PacGAN (Lin et al. 2018); MMD Gretton
// et al. 2012 (JMLR) with the median heuristic; energy distance Székely & Rizzo 2013; sliced
// Wasserstein Rabin et al. 2011 / Bonneel et al. 2015 as POT computes it; precision and recall
// Kynkäänniemi et al. 2019 (NeurIPS); bits per dimension as in RealNVP (Dinh et al. 2017); k-NN
// accuracy of a representation (a k-nearest-neighbour vote, Cover & Hart 1967).
// Leaves out: FID/IS (they need a trained feature network), batched or GPU distance matrices —
// everything here is O(N·M·D) time with plain loops, meant for the course's few thousand points.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>
#include <vector>

#include "aib/core/check.hpp"
#include "aib/core/random.hpp"
#include "aib/core/types.hpp"

namespace aib {

namespace detail {

// x must have at least `min_rows` rows, at least 1 column and finite entries.
inline void check_metric_sample(std::string_view where, std::string_view name,
                                const Eigen::Ref<const Mat>& x, Index min_rows = 1) {
  if (x.rows() < min_rows || x.cols() < 1)
    throw ShapeError(fmt::format("{}: {} has shape {}; expected at least {} row(s) and 1 column",
                                 where, name, shape_str(x), min_rows));
  for (Index i = 0; i < x.rows(); ++i)
    for (Index d = 0; d < x.cols(); ++d)
      if (!std::isfinite(x(i, d)))
        fail("{}: {}({}, {}) is {}; samples must be finite", where, name, i, d, x(i, d));
}

// a (N, D) and b (M, D) must have the same number of columns D.
inline void check_same_width(std::string_view where, std::string_view name_a,
                             const Eigen::Ref<const Mat>& a, std::string_view name_b,
                             const Eigen::Ref<const Mat>& b) {
  if (a.cols() == b.cols()) return;
  throw ShapeError(
      fmt::format("{}: {} has shape {} but {} has shape {}; both need the same width D", where,
                  name_a, shape_str(a), name_b, shape_str(b)));
}

// ‖a_i − b_j‖² in double.
inline double squared_distance(const Eigen::Ref<const Mat>& a, Index i,
                               const Eigen::Ref<const Mat>& b, Index j) {
  double s = 0.0;
  for (Index d = 0; d < a.cols(); ++d) {
    const double t = static_cast<double>(a(i, d)) - static_cast<double>(b(j, d));
    s += t * t;
  }
  return s;
}

// Σ_{i,j} ‖a_i − b_j‖ over all pairs, or over i ≠ j when a and b are the same sample.
inline double sum_distances(const Eigen::Ref<const Mat>& a, const Eigen::Ref<const Mat>& b,
                            bool same) {
  double s = 0.0;
  for (Index i = 0; i < a.rows(); ++i)
    for (Index j = same ? i + 1 : 0; j < b.rows(); ++j)
      s += std::sqrt(squared_distance(a, i, b, j)) * (same ? 2.0 : 1.0);
  return s;
}

// Σ_{i,j} exp(−‖a_i − b_j‖² / (2h²)), over i ≠ j when a and b are the same sample.
inline double sum_rbf(const Eigen::Ref<const Mat>& a, const Eigen::Ref<const Mat>& b, bool same,
                      double h) {
  const double inv_two_h2 = 1.0 / (2.0 * h * h);
  double s = 0.0;
  for (Index i = 0; i < a.rows(); ++i)
    for (Index j = same ? i + 1 : 0; j < b.rows(); ++j)
      s += std::exp(-squared_distance(a, i, b, j) * inv_two_h2) * (same ? 2.0 : 1.0);
  return s;
}

// The median of v (the mean of the two middle values when v.size() is even, as numpy's median).
inline double median_of(std::vector<double> v) {
  const std::size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  const double upper = v[mid];
  if (v.size() % 2 == 1) return upper;
  const double lower = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid));
  return 0.5 * (lower + upper);
}

// W_p^p between two 1-D samples: ∫₀¹ |F⁻¹(t) − G⁻¹(t)|^p dt, the inverse CDFs being step
// functions (F⁻¹(t) = u_(⌈t·m⌉) for sorted u). The integral is exact: walk the breakpoints i/m and
// j/n in integer arithmetic. Equal sizes reduce to (1/n) Σ_i |u_(i) − v_(i)|^p.
inline double wasserstein_1d_pow(std::vector<double> u, std::vector<double> v, double p) {
  std::sort(u.begin(), u.end());
  std::sort(v.begin(), v.end());
  const auto m = static_cast<long long>(u.size()), n = static_cast<long long>(v.size());
  const double mn = static_cast<double>(m) * static_cast<double>(n);
  long long i = 0, j = 0, prev = 0;  // t = prev / (m·n)
  double sum = 0.0;
  while (i < m && j < n) {
    const long long a = (i + 1) * n, b = (j + 1) * m;  // next breakpoints ×(m·n)
    const long long next = std::min(a, b);
    const double gap = std::abs(u[static_cast<std::size_t>(i)] - v[static_cast<std::size_t>(j)]);
    sum += static_cast<double>(next - prev) / mn * (p == 1.0 ? gap : std::pow(gap, p));
    prev = next;
    if (a <= b) ++i;
    if (b <= a) ++j;
  }
  return sum;
}

// Squared k-NN radii (see knn_radii): (N).
inline VecD knn_radii2(std::string_view where, std::string_view name,
                       const Eigen::Ref<const Mat>& x, Index k) {
  check_metric_sample(where, name, x);
  if (k < 1 || k >= x.rows())
    fail("{}: k = {} but {} has shape {}; need 1 <= k < {} (the point itself is excluded)", where,
         k, name, shape_str(x), x.rows());
  VecD r2(x.rows());  // (N)
  std::vector<double> d2(static_cast<std::size_t>(x.rows() - 1));
  for (Index i = 0; i < x.rows(); ++i) {
    std::size_t c = 0;
    for (Index j = 0; j < x.rows(); ++j)
      if (j != i) d2[c++] = squared_distance(x, i, x, j);
    std::nth_element(d2.begin(), d2.begin() + (k - 1), d2.end());
    r2(i) = d2[static_cast<std::size_t>(k - 1)];
  }
  return r2;
}

}  // namespace detail

// ---- Mode coverage: samples (N, D), mode centres (K, D) -----------------------------------------

// What mode_coverage measured. q_k = histogram[k] / num_high_quality.
struct ModeCoverage {
  Index num_samples = 0;             // N
  Index num_high_quality = 0;        // samples within threshold·σ of their nearest mode
  double high_quality_fraction = 0;  // num_high_quality / N
  Index modes_captured = 0;          // modes that are the nearest mode of ≥ 1 high-quality sample
  std::vector<Index> nearest;        // (N) each sample's nearest mode (lowest index on a tie)
  std::vector<Index> histogram;      // (K) high-quality samples per nearest mode
  double reverse_kl = 0;             // KL(q ‖ uniform) in nats, see reverse_kl_from_uniform
};

// KL(q ‖ u) = Σ_k q_k ln(q_k / (1/K)) = Σ_k q_k ln(K·q_k), in nats, of the normalised histogram q
// against the uniform distribution u over its K modes (PacGAN's reverse KL, Lin et al. 2018, §5),
// with 0·ln 0 = 0. 0 when every mode has the same count; ln K when all samples sit in one mode.
// An all-zero histogram (no high-quality sample) has no q: the result is +∞, worse than any
// collapse. Throws on K = 0 or a negative count.
inline double reverse_kl_from_uniform(const std::vector<Index>& histogram) {
  constexpr const char* where = "reverse_kl_from_uniform";
  require(!histogram.empty(), where, "the histogram has no modes (K = 0)");
  double total = 0.0;
  for (std::size_t k = 0; k < histogram.size(); ++k) {
    if (histogram[k] < 0)
      fail("{}: histogram[{}] is {}; counts must be >= 0", where, k, histogram[k]);
    total += static_cast<double>(histogram[k]);
  }
  if (total == 0.0) return std::numeric_limits<double>::infinity();
  const auto K = static_cast<double>(histogram.size());
  double kl = 0.0;
  for (const Index c : histogram) {
    if (c == 0) continue;
    const double q = static_cast<double>(c) / total;
    kl += q * std::log(K * q);
  }
  return kl;
}

// VEEGAN's mode statistics (Srivastava et al. 2017, §5.1): a sample is high quality when its
// Euclidean distance to its nearest mode centre is ≤ threshold·σ (threshold = 3 there); a mode is
// captured when it is the nearest mode of at least one high-quality sample. The histogram of the
// high-quality samples over their nearest modes gives PacGAN's reverse KL from uniform. σ is the
// modes' isotropic standard deviation. (PacGAN tests each axis against 3σ instead: a box, not a
// ball; this function uses the ball.)
inline ModeCoverage mode_coverage(const Eigen::Ref<const Mat>& samples,  // (N, D)
                                  const Eigen::Ref<const Mat>& centres,  // (K, D)
                                  double sigma, double threshold = 3.0) {
  constexpr const char* where = "mode_coverage";
  if (centres.rows() < 1)
    throw ShapeError(fmt::format("{}: no modes: centres has shape {}; expected (K, D), K >= 1",
                                 where, shape_str(centres)));
  detail::check_metric_sample(where, "centres", centres);
  detail::check_metric_sample(where, "samples", samples);
  detail::check_same_width(where, "samples", samples, "centres", centres);
  if (!(sigma > 0.0) || !std::isfinite(sigma))
    fail("{}: sigma must be finite and > 0, got {}", where, sigma);
  if (!(threshold > 0.0) || !std::isfinite(threshold))
    fail("{}: threshold must be finite and > 0, got {}", where, threshold);
  ModeCoverage r;
  r.num_samples = samples.rows();
  r.nearest.assign(static_cast<std::size_t>(samples.rows()), 0);
  r.histogram.assign(static_cast<std::size_t>(centres.rows()), 0);
  const double radius2 = (threshold * sigma) * (threshold * sigma);
  for (Index i = 0; i < samples.rows(); ++i) {
    Index best = 0;
    double best_d2 = detail::squared_distance(samples, i, centres, 0);
    for (Index k = 1; k < centres.rows(); ++k) {
      const double d2 = detail::squared_distance(samples, i, centres, k);
      if (d2 < best_d2) best = k, best_d2 = d2;
    }
    r.nearest[static_cast<std::size_t>(i)] = best;
    if (best_d2 <= radius2) {
      ++r.num_high_quality;
      ++r.histogram[static_cast<std::size_t>(best)];
    }
  }
  r.high_quality_fraction =
      static_cast<double>(r.num_high_quality) / static_cast<double>(r.num_samples);
  for (const Index c : r.histogram) r.modes_captured += c > 0 ? 1 : 0;
  r.reverse_kl = reverse_kl_from_uniform(r.histogram);
  return r;
}

// ---- MMD² with an RBF kernel: x (N, D), y (M, D) ------------------------------------------------

// The median of the Euclidean distances ‖x_i − x_j‖ (not squared) over all pairs i < j, the mean of
// the two middle ones when the count is even (numpy's np.median of scipy's pdist). Needs N ≥ 2.
// Stores all N(N−1)/2 distances (8 bytes each).
inline double median_pairwise_distance(const Eigen::Ref<const Mat>& x) {  // x (N, D)
  detail::check_metric_sample("median_pairwise_distance", "x", x, 2);
  std::vector<double> d;
  d.reserve(static_cast<std::size_t>(x.rows() * (x.rows() - 1) / 2));
  for (Index i = 0; i < x.rows(); ++i)
    for (Index j = i + 1; j < x.rows(); ++j)
      d.push_back(std::sqrt(detail::squared_distance(x, i, x, j)));
  return detail::median_of(std::move(d));
}

// Unbiased MMD² (Gretton et al. 2012, Lemma 6) with the RBF kernel k(a, b) = exp(−‖a − b‖²/(2h²)):
//   MMD²_u = 1/(N(N−1)) Σ_{i≠j} k(x_i, x_j) + 1/(M(M−1)) Σ_{i≠j} k(y_i, y_j)
//            − 2/(N·M) Σ_{i,j} k(x_i, y_j).
// Zero in expectation when x and y come from the same distribution, so a single value may be
// slightly negative. Needs N, M ≥ 2 and a bandwidth h > 0.
inline double mmd2_rbf(const Eigen::Ref<const Mat>& x,  // (N, D)
                       const Eigen::Ref<const Mat>& y,  // (M, D)
                       double bandwidth) {
  constexpr const char* where = "mmd2_rbf";
  detail::check_metric_sample(where, "x", x, 2);
  detail::check_metric_sample(where, "y", y, 2);
  detail::check_same_width(where, "x", x, "y", y);
  if (!(bandwidth > 0.0) || !std::isfinite(bandwidth))
    fail("{}: bandwidth must be finite and > 0, got {}", where, bandwidth);
  const auto n = static_cast<double>(x.rows()), m = static_cast<double>(y.rows());
  return detail::sum_rbf(x, x, true, bandwidth) / (n * (n - 1.0)) +
         detail::sum_rbf(y, y, true, bandwidth) / (m * (m - 1.0)) -
         2.0 * detail::sum_rbf(x, y, false, bandwidth) / (n * m);
}

// The same with the median heuristic: h = median_pairwise_distance of the pooled sample [x; y]
// (N + M rows). Throws when that median is 0 (more than half the pairs are identical points).
inline double mmd2_rbf(const Eigen::Ref<const Mat>& x,    // (N, D)
                       const Eigen::Ref<const Mat>& y) {  // (M, D)
  constexpr const char* where = "mmd2_rbf";
  detail::check_metric_sample(where, "x", x, 2);
  detail::check_metric_sample(where, "y", y, 2);
  detail::check_same_width(where, "x", x, "y", y);
  Mat pooled(x.rows() + y.rows(), x.cols());  // (N + M, D)
  pooled.topRows(x.rows()) = x;
  pooled.bottomRows(y.rows()) = y;
  const double h = median_pairwise_distance(pooled);
  if (!(h > 0.0))
    fail("{}: the median pairwise distance of the pooled sample ({} points) is 0; pass a bandwidth",
         where, pooled.rows());
  return mmd2_rbf(x, y, h);
}

// ---- Energy distance: x (N, D), y (M, D) --------------------------------------------------------

// Squared energy distance (Székely & Rizzo 2013), D² = 2E‖X−Y‖ − E‖X−X′‖ − E‖Y−Y′‖, Euclidean
// norms:
//   biased (default, a V-statistic):  2/(NM) Σ_{i,j} ‖x_i−y_j‖ − 1/N² Σ_{i,j} ‖x_i−x_j‖
//                                     − 1/M² Σ_{i,j} ‖y_i−y_j‖, always ≥ 0, with expectation
//                                     (1/N + 1/M)·E‖X−X′‖ > 0 when x and y share a distribution;
//   unbiased (a U-statistic):         the within-sample sums over i ≠ j divided by N(N−1) and
//                                     M(M−1): zero in expectation, may be slightly negative.
// The unbiased form needs N, M ≥ 2.
inline double energy_distance2(const Eigen::Ref<const Mat>& x,  // (N, D)
                               const Eigen::Ref<const Mat>& y,  // (M, D)
                               bool unbiased = false) {
  constexpr const char* where = "energy_distance2";
  detail::check_metric_sample(where, "x", x, unbiased ? 2 : 1);
  detail::check_metric_sample(where, "y", y, unbiased ? 2 : 1);
  detail::check_same_width(where, "x", x, "y", y);
  const auto n = static_cast<double>(x.rows()), m = static_cast<double>(y.rows());
  const double xx = detail::sum_distances(x, x, true) / (unbiased ? n * (n - 1.0) : n * n);
  const double yy = detail::sum_distances(y, y, true) / (unbiased ? m * (m - 1.0) : m * m);
  return 2.0 * detail::sum_distances(x, y, false) / (n * m) - xx - yy;
}

// The energy distance D = √(D²) of the biased form (what scipy.stats.energy_distance returns for
// 1-D samples). Rounding can make a tiny D² negative; it is clamped at 0.
inline double energy_distance(const Eigen::Ref<const Mat>& x,    // (N, D)
                              const Eigen::Ref<const Mat>& y) {  // (M, D)
  detail::check_metric_sample("energy_distance", "x", x);
  detail::check_metric_sample("energy_distance", "y", y);
  detail::check_same_width("energy_distance", "x", x, "y", y);
  return std::sqrt(std::max(0.0, energy_distance2(x, y, false)));
}

// ---- Sliced Wasserstein: x (N, D), y (M, D), directions (L, D) ----------------------------------

// `count` directions drawn uniformly on the unit sphere in D dimensions (normal vectors divided
// by their norm, in double, rounded to float): (count, D). POT's default count is 50.
inline Mat random_directions(Rng& rng, Index count, Index dims) {
  if (count < 1 || dims < 1)
    fail("random_directions: need count >= 1 and dims >= 1, got count = {}, dims = {}", count,
         dims);
  Mat dirs(count, dims);  // (L, D)
  std::vector<double> v(static_cast<std::size_t>(dims));
  for (Index l = 0; l < count; ++l) {
    double norm2 = 0.0;
    while (norm2 == 0.0) {  // a zero vector has no direction (probability ~0): draw again
      norm2 = 0.0;
      for (auto& e : v) {
        e = rng.normal_double();
        norm2 += e * e;
      }
    }
    const double inv = 1.0 / std::sqrt(norm2);
    for (Index d = 0; d < dims; ++d)
      dirs(l, d) = static_cast<float>(v[static_cast<std::size_t>(d)] * inv);
  }
  return dirs;
}

// W_p between two 1-D samples (Villani 2009, Remark 2.30: in 1-D the optimal coupling matches
// quantiles): (∫₀¹ |F⁻¹(t) − G⁻¹(t)|^p dt)^(1/p) with the empirical inverse CDFs. Sizes may differ:
// the integral of the two step functions is computed exactly (no interpolation). With equal sizes
// it is ((1/n) Σ_i |u_(i) − v_(i)|^p)^(1/p) on the sorted samples. p = 1 is
// scipy.stats.wasserstein_distance.
inline double wasserstein_1d(const std::vector<double>& u, const std::vector<double>& v,
                             double p = 2.0) {
  constexpr const char* where = "wasserstein_1d";
  if (u.empty() || v.empty())
    fail("{}: u has {} values and v has {}; both need at least 1", where, u.size(), v.size());
  if (!(p >= 1.0) || !std::isfinite(p)) fail("{}: p must be finite and >= 1, got {}", where, p);
  for (const double e : u) require(std::isfinite(e), where, "u has a non-finite value");
  for (const double e : v) require(std::isfinite(e), where, "v has a non-finite value");
  return std::pow(detail::wasserstein_1d_pow(u, v, p), 1.0 / p);
}

// Sliced Wasserstein distance (Bonneel et al. 2015; POT's ot.sliced_wasserstein_distance):
//   SW_p = ( (1/L) Σ_l W_p^p(⟨x, θ_l⟩, ⟨y, θ_l⟩) )^(1/p),
// each 1-D W_p computed as wasserstein_1d does (sorting; unequal sizes integrated exactly). The
// directions θ_l are the rows of `directions`, each of norm 1 (within 1e-4), so the caller (and
// a reference implementation) can use the very same ones. Default p = 2.
inline double sliced_wasserstein(const Eigen::Ref<const Mat>& x,           // (N, D)
                                 const Eigen::Ref<const Mat>& y,           // (M, D)
                                 const Eigen::Ref<const Mat>& directions,  // (L, D)
                                 double p = 2.0) {
  constexpr const char* where = "sliced_wasserstein";
  detail::check_metric_sample(where, "x", x);
  detail::check_metric_sample(where, "y", y);
  detail::check_same_width(where, "x", x, "y", y);
  detail::check_metric_sample(where, "directions", directions);
  detail::check_same_width(where, "x", x, "directions", directions);
  if (!(p >= 1.0) || !std::isfinite(p)) fail("{}: p must be finite and >= 1, got {}", where, p);
  std::vector<double> u(static_cast<std::size_t>(x.rows())), v(static_cast<std::size_t>(y.rows()));
  double sum = 0.0;
  for (Index l = 0; l < directions.rows(); ++l) {
    double norm2 = 0.0;
    for (Index d = 0; d < directions.cols(); ++d)
      norm2 += static_cast<double>(directions(l, d)) * static_cast<double>(directions(l, d));
    if (std::abs(std::sqrt(norm2) - 1.0) > 1e-4)
      fail("{}: directions row {} has norm {}; each direction must have norm 1", where, l,
           std::sqrt(norm2));
    const auto project = [&](const Eigen::Ref<const Mat>& s, std::vector<double>& out) {
      for (Index i = 0; i < s.rows(); ++i) {
        double t = 0.0;
        for (Index d = 0; d < s.cols(); ++d)
          t += static_cast<double>(s(i, d)) * static_cast<double>(directions(l, d));
        out[static_cast<std::size_t>(i)] = t;
      }
    };
    project(x, u);
    project(y, v);
    sum += detail::wasserstein_1d_pow(u, v, p);
  }
  return std::pow(sum / static_cast<double>(directions.rows()), 1.0 / p);
}

// The same with `num_directions` fresh directions from random_directions(rng, L, D).
inline double sliced_wasserstein(const Eigen::Ref<const Mat>& x,  // (N, D)
                                 const Eigen::Ref<const Mat>& y,  // (M, D)
                                 Rng& rng, Index num_directions = 50, double p = 2.0) {
  detail::check_same_width("sliced_wasserstein", "x", x, "y", y);
  const Mat dirs = random_directions(rng, num_directions, x.cols());  // (L, D)
  return sliced_wasserstein(x, y, dirs, p);
}

// ---- k-NN precision and recall: real (N, D), fake (M, D) ----------------------------------------

// The radius of each point's k-NN ball: the Euclidean distance from x_i to its k-th nearest
// neighbour among the other rows (the point itself excluded; duplicates count as neighbours at
// distance 0). Needs 1 <= k < N. Returns (N).
inline VecD knn_radii(const Eigen::Ref<const Mat>& x, Index k = 3) {  // x (N, D)
  return detail::knn_radii2("knn_radii", "x", x, k).cwiseSqrt();
}

struct PrecisionRecall {
  double precision = 0;  // share of fake points inside at least one real point's k-NN ball
  double recall = 0;     // share of real points inside at least one fake point's k-NN ball
};

// Improved precision and recall (Kynkäänniemi et al. 2019, §2, k = 3): the real manifold is the
// union of the balls around each real point with radius knn_radii(real, k); a fake point is
// inside when ‖fake_j − real_i‖ ≤ radius_i for some i (the boundary counts, as in the authors'
// code). Precision = share of fake points inside the real manifold; recall = share of real points
// inside the fake manifold, built the same way. Swapping real and fake swaps the two numbers.
// The paper measures in a feature space; here distances are taken on the samples themselves.
inline PrecisionRecall knn_precision_recall(const Eigen::Ref<const Mat>& real,  // (N, D)
                                            const Eigen::Ref<const Mat>& fake,  // (M, D)
                                            Index k = 3) {
  constexpr const char* where = "knn_precision_recall";
  detail::check_metric_sample(where, "real", real);
  detail::check_metric_sample(where, "fake", fake);
  detail::check_same_width(where, "real", real, "fake", fake);
  // Share of rows of `a` inside some ball around the rows of `b` with squared radii r2.
  const auto coverage = [](const Eigen::Ref<const Mat>& a, const Eigen::Ref<const Mat>& b,
                           const VecD& r2) {
    Index inside = 0;
    for (Index i = 0; i < a.rows(); ++i)
      for (Index j = 0; j < b.rows(); ++j)
        if (detail::squared_distance(a, i, b, j) <= r2(j)) {
          ++inside;
          break;
        }
    return static_cast<double>(inside) / static_cast<double>(a.rows());
  };
  const VecD real_r2 = detail::knn_radii2(where, "real", real, k);  // (N)
  const VecD fake_r2 = detail::knn_radii2(where, "fake", fake, k);  // (M)
  PrecisionRecall pr;
  pr.precision = coverage(fake, real, real_r2);
  pr.recall = coverage(real, fake, fake_r2);
  return pr;
}

// ---- k-NN accuracy: does a representation keep the classes apart? ------------------------------

// The (Q, R) squared Euclidean distances between the rows of a (Q, D) and b (R, D), in double, by
// ‖a‖² + ‖b‖² − 2·a·bᵀ (one matrix product; clamped at 0 against rounding).
inline MatD pairwise_squared_distances(const Eigen::Ref<const Mat>& a,
                                       const Eigen::Ref<const Mat>& b) {
  detail::check_same_width("pairwise_squared_distances", "a", a, "b", b);
  const MatD ad = a.cast<double>(), bd = b.cast<double>();  // (Q, D), (R, D)
  MatD d = -2.0 * ad * bd.transpose();                      // (Q, R)
  d.colwise() += ad.rowwise().squaredNorm();
  d.rowwise() += bd.rowwise().squaredNorm().transpose();
  return d.cwiseMax(0.0);
}

// Share of the queries whose k nearest reference points (Euclidean) vote for the query's own label,
// a majority vote with ties going to the label seen first among the nearer neighbours. Used to ask
// whether a latent space keeps digits of a class together (episode 30). Labels are 0 … L−1.
inline double knn_accuracy(const Eigen::Ref<const Mat>& ref, const std::vector<int>& ref_labels,
                           const Eigen::Ref<const Mat>& query, const std::vector<int>& query_labels,
                           Index k) {
  constexpr const char* where = "knn_accuracy";
  detail::check_metric_sample(where, "ref", ref);
  detail::check_metric_sample(where, "query", query);
  if (static_cast<Index>(ref_labels.size()) != ref.rows() ||
      static_cast<Index>(query_labels.size()) != query.rows())
    fail("{}: {} ref points with {} labels, {} queries with {} labels; one label per row", where,
         ref.rows(), ref_labels.size(), query.rows(), query_labels.size());
  if (k < 1 || k > ref.rows()) fail("{}: k must be in [1, {}], got {}", where, ref.rows(), k);
  int classes = 0;
  for (const int l : ref_labels) {
    if (l < 0) fail("{}: labels must be >= 0, got {}", where, l);
    classes = std::max(classes, l + 1);
  }
  const MatD d = pairwise_squared_distances(query, ref);  // (Q, R)
  std::vector<Index> order(static_cast<std::size_t>(ref.rows()));
  Index right = 0;
  for (Index q = 0; q < d.rows(); ++q) {
    for (std::size_t r = 0; r < order.size(); ++r) order[r] = static_cast<Index>(r);
    std::partial_sort(order.begin(), order.begin() + k, order.end(),
                      [&](Index a, Index b) { return d(q, a) < d(q, b); });
    std::vector<int> votes(static_cast<std::size_t>(classes), 0);
    int best = ref_labels[static_cast<std::size_t>(order[0])];
    for (Index j = 0; j < k; ++j) {
      const int label = ref_labels[static_cast<std::size_t>(order[static_cast<std::size_t>(j)])];
      if (++votes[static_cast<std::size_t>(label)] > votes[static_cast<std::size_t>(best)])
        best = label;
    }
    right += best == query_labels[static_cast<std::size_t>(q)] ? 1 : 0;
  }
  return static_cast<double>(right) / static_cast<double>(query.rows());
}

// ---- Likelihood: log-densities (B), nats and bits per dimension ---------------------------------

// Mean negative log-likelihood in nats, −(1/B) Σ_b log p(x_b), of a batch of natural-log densities
// (any Eigen vector or matrix; every entry counts). For continuous data the density can exceed 1,
// so the NLL can be negative. A −∞ log-density gives +∞; NaN or +∞ throws, naming the entry.
template <class Derived>
double mean_nll(const Eigen::DenseBase<Derived>& log_density) {
  constexpr const char* where = "mean_nll";
  if (log_density.size() == 0)
    throw ShapeError(fmt::format("{}: log_density has shape ({}, {}); expected at least 1 value",
                                 where, log_density.rows(), log_density.cols()));
  double sum = 0.0;
  for (Index i = 0; i < log_density.rows(); ++i)
    for (Index j = 0; j < log_density.cols(); ++j) {
      const double v = static_cast<double>(log_density(i, j));
      if (std::isnan(v) || v == std::numeric_limits<double>::infinity())
        fail("{}: log_density({}, {}) is {}; expected a finite value or -inf", where, i, j, v);
      sum += v;
    }
  return -sum / static_cast<double>(log_density.size());
}

// Bits per dimension of images with `dims` = D values each (RealNVP, Dinh et al. 2017, §4.1):
//   bpd = (NLL + D·ln(levels)) / (D·ln 2),   NLL in nats per image.
// `levels` corrects a density fitted on data rescaled to [0, 1] after uniform dequantisation of
// `levels` discrete values (256 for 8-bit pixels): p_pixels(x) = p_[0,1](x/256)/256^D, so the NLL
// in the discrete units is NLL_[0,1] + D·ln 256. levels = 1 (default) means no correction.
inline double bits_per_dim(double nll_nats, Index dims, double levels = 1.0) {
  constexpr const char* where = "bits_per_dim";
  if (dims < 1) fail("{}: dims must be >= 1, got {}", where, dims);
  if (!(levels >= 1.0) || !std::isfinite(levels))
    fail("{}: levels must be finite and >= 1 (1 = no dequantisation correction), got {}", where,
         levels);
  if (std::isnan(nll_nats)) fail("{}: nll_nats is nan", where);
  const auto D = static_cast<double>(dims);
  return (nll_nats + D * std::log(levels)) / (D * std::log(2.0));
}

}  // namespace aib
