// Tests for aib/generative/metrics.hpp: hand-computed cases, properties on samples of one
// distribution and on shifted ones, and reference values from scipy/scikit-learn
// (tools/reference/metrics.py → tests/fixtures/metrics/).
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "catch.hpp"
#include "test_helpers.hpp"

#include "aib/core/io.hpp"
#include "aib/generative/metrics.hpp"

using aib::Index;
using aib::Mat;
using aib_test::message_of;

namespace {

// A (rows, cols) float matrix from row-major values.
Mat mat(Index rows, Index cols, std::vector<float> values) {
  REQUIRE(static_cast<Index>(values.size()) == rows * cols);
  Mat m(rows, cols);  // (rows, cols)
  for (Index k = 0; k < m.size(); ++k) m.data()[k] = values[static_cast<std::size_t>(k)];
  return m;
}

// N draws from N(0, I_D) shifted by `shift` along the first axis.
Mat gaussian(aib::Rng& rng, Index n, Index dims, float shift = 0.f) {
  Mat x = rng.normal_mat(n, dims);  // (n, D)
  x.col(0).array() += shift;
  return x;
}

// 8 modes on a circle of radius 2: (8, 2).
Mat ring_centres() {
  Mat c(8, 2);  // (K, 2)
  for (Index k = 0; k < 8; ++k) {
    const double a = 2.0 * 3.14159265358979323846 * static_cast<double>(k) / 8.0;
    c(k, 0) = static_cast<float>(2.0 * std::cos(a));
    c(k, 1) = static_cast<float>(2.0 * std::sin(a));
  }
  return c;
}

// n draws from the equal-weight mixture of N(centre_k, σ² I).
Mat mixture(aib::Rng& rng, const Mat& centres, float sigma, Index n) {
  Mat x(n, centres.cols());  // (n, D)
  for (Index i = 0; i < n; ++i) {
    const Index k = rng.uniform_index(centres.rows());
    for (Index d = 0; d < centres.cols(); ++d) x(i, d) = centres(k, d) + sigma * rng.normal();
  }
  return x;
}

// Mean and standard error of the mean.
struct MeanSe {
  double mean = 0, se = 0;
};
MeanSe mean_se(const std::vector<double>& v) {
  double m = 0, s = 0;
  for (const double e : v) m += e;
  m /= static_cast<double>(v.size());
  for (const double e : v) s += (e - m) * (e - m);
  const double sd = std::sqrt(s / static_cast<double>(v.size() - 1));
  return {m, sd / std::sqrt(static_cast<double>(v.size()))};
}

std::string fixture(const std::string& name) {
  return std::string(AIB_FIXTURES_DIR) + "/metrics/" + name + ".npy";
}
double expected(const std::string& name) {
  return aib::load_npy<double>(fixture(name))(0, 0);
}

}  // namespace

// ---- mode coverage ------------------------------------------------------------------------------

TEST_CASE("mode_coverage: a hand-computed case with two modes") {
  // Centres (0, 0) and (10, 0), σ = 1, so high quality means distance ≤ 3.
  //   (0.5, 0): nearest 0, distance 0.5  -> high quality
  //   (0, 4):   nearest 0, distance 4    -> not
  //   (9, 1):   nearest 1, distance √2   -> high quality
  //   (5.5, 0): nearest 1, distance 4.5  -> not
  //   (1, 2):   nearest 0, distance √5   -> high quality
  // High quality 3/5; histogram (2, 1); both modes captured;
  // q = (2/3, 1/3): KL(q ‖ u) = 2/3·ln(4/3) + 1/3·ln(2/3) = 0.0566330...
  const Mat centres = mat(2, 2, {0, 0, 10, 0});                         // (K, D)
  const Mat samples = mat(5, 2, {0.5f, 0, 0, 4, 9, 1, 5.5f, 0, 1, 2});  // (N, D)
  const auto r = aib::mode_coverage(samples, centres, 1.0);
  CHECK(r.num_samples == 5);
  CHECK(r.num_high_quality == 3);
  CHECK(r.high_quality_fraction == Approx(0.6));
  CHECK(r.nearest == std::vector<Index>{0, 0, 1, 1, 0});
  CHECK(r.histogram == std::vector<Index>{2, 1});
  CHECK(r.modes_captured == 2);
  const double kl = 2.0 / 3 * std::log(4.0 / 3) + 1.0 / 3 * std::log(2.0 / 3);
  CHECK(r.reverse_kl == Approx(kl).epsilon(1e-12));
  CHECK(kl == Approx(0.0566330).epsilon(1e-6));
  // σ = 2 makes (0, 4) and (5.5, 0) high quality too: histogram (3, 2).
  const auto wide = aib::mode_coverage(samples, centres, 2.0);
  CHECK(wide.histogram == std::vector<Index>{3, 2});
  // A tie between the modes goes to the lower index: (5, 0) is 5 from both.
  CHECK(aib::mode_coverage(mat(1, 2, {5, 0}), centres, 1.0).nearest == std::vector<Index>{0});
}

TEST_CASE("reverse_kl_from_uniform: uniform 0, one mode ln K, empty +inf") {
  CHECK(aib::reverse_kl_from_uniform({5, 5, 5, 5}) == Approx(0.0).margin(1e-15));
  CHECK(aib::reverse_kl_from_uniform({0, 7, 0, 0}) == Approx(std::log(4.0)));
  // q = (3/4, 1/4) over K = 2: 3/4·ln(3/2) + 1/4·ln(1/2) = 0.1308120...
  CHECK(aib::reverse_kl_from_uniform({3, 1}) == Approx(0.1308120).epsilon(1e-6));
  CHECK(std::isinf(aib::reverse_kl_from_uniform({0, 0, 0})));
}

TEST_CASE("mode_coverage: samples of the mixture itself capture every mode, shifted ones do not") {
  // 2000 draws of the 8-mode ring, σ = 0.05. In 2-D, P(‖σZ‖ ≤ 3σ) = 1 − e^{−9/2} = 0.988891;
  // the binomial standard error at N = 2000 is 0.0023, the test allows 4 of them (0.0094).
  const Mat centres = ring_centres();  // (8, 2)
  const float sigma = 0.05f;
  aib::Rng rng(7);
  const Mat x = mixture(rng, centres, sigma, 2000);  // (2000, 2)
  const auto r = aib::mode_coverage(x, centres, sigma);
  CHECK(r.modes_captured == 8);
  CHECK(r.high_quality_fraction == Approx(1.0 - std::exp(-4.5)).margin(0.0094));
  // E KL of a multinomial histogram from its true uniform ≈ (K − 1)/(2N) = 0.0018.
  CHECK(r.reverse_kl < 0.01);
  // Shifting every sample by 1σ, 2σ, 3σ along x: the high-quality share falls each time, to
  // P(noncentral χ²(2 dof, λ = s²) ≤ 9) = 0.956284, 0.785638, 0.432520 (scipy.stats.ncx2.cdf),
  // each within 4 binomial standard errors.
  double previous = r.high_quality_fraction;
  const double want[] = {0.9562840, 0.7856379, 0.4325202};
  for (int s = 1; s <= 3; ++s) {
    Mat shifted = x;  // (2000, 2)
    shifted.col(0).array() += static_cast<float>(s) * sigma;
    const double hq = aib::mode_coverage(shifted, centres, sigma).high_quality_fraction;
    const double p = want[s - 1];
    CHECK(hq == Approx(p).margin(4 * std::sqrt(p * (1 - p) / 2000)));
    CHECK(hq < previous);
    previous = hq;
  }
  // Collapse: dropping 1, 4, 7 of the 8 modes raises the reverse KL to ln(8/7), ln 2, ln 8
  // (the kept modes are balanced exactly: 40 points each, at their centres).
  double previous_kl = 0.0;
  for (const Index kept : {7, 4, 1}) {
    Mat y(40 * kept, 2);  // (40·kept, 2)
    for (Index i = 0; i < y.rows(); ++i) y.row(i) = centres.row(i % kept);
    const auto c = aib::mode_coverage(y, centres, sigma);
    CHECK(c.modes_captured == kept);
    CHECK(c.reverse_kl == Approx(std::log(8.0 / static_cast<double>(kept))).epsilon(1e-12));
    CHECK(c.reverse_kl > previous_kl);
    previous_kl = c.reverse_kl;
  }
}

TEST_CASE("mode_coverage matches scipy's cdist + argmin") {
  const Mat samples = aib::load_npy<float>(fixture("modes_samples"));  // (200, 2)
  const Mat centres = aib::load_npy<float>(fixture("modes_centres"));  // (8, 2)
  const auto r = aib::mode_coverage(samples, centres, expected("modes_sigma"));
  const auto nearest = aib::load_npy<std::int64_t>(fixture("modes_nearest"));      // (1, 200)
  const auto histogram = aib::load_npy<std::int64_t>(fixture("modes_histogram"));  // (1, 8)
  REQUIRE(nearest.cols() == 200);
  for (Index i = 0; i < nearest.cols(); ++i) CHECK(r.nearest[i] == nearest(0, i));
  for (Index k = 0; k < histogram.cols(); ++k) CHECK(r.histogram[k] == histogram(0, k));
  CHECK(r.high_quality_fraction == Approx(expected("modes_hq_fraction")).epsilon(1e-12));
  CHECK(static_cast<double>(r.modes_captured) == expected("modes_captured"));
  CHECK(r.reverse_kl == Approx(expected("modes_reverse_kl")).epsilon(1e-6));
  // The fixture was made to be non-trivial: some modes missed, some samples not high quality.
  CHECK(r.modes_captured < 8);
  CHECK(r.high_quality_fraction < 0.95);
}

// ---- MMD² ---------------------------------------------------------------------------------------

TEST_CASE("mmd2_rbf: hand-computed cases, including a negative one") {
  // x = {0, 1}, y = {0, 1}: pooled distances {1, 0, 1, 1, 0, 1}, median h = 1, k(d) = e^{−d²/2}.
  //   XX (i ≠ j) = e^{−1/2}, YY = e^{−1/2}, XY = (1 + e^{−1/2} + e^{−1/2} + 1)/4,
  //   MMD²_u = 2e^{−1/2} − 2·(2 + 2e^{−1/2})/4 = e^{−1/2} − 1 = −0.393469 (identical samples!).
  const Mat a = mat(2, 1, {0, 1});  // (2, 1)
  CHECK(aib::median_pairwise_distance(mat(4, 1, {0, 1, 0, 1})) == 1.0);
  CHECK(aib::mmd2_rbf(a, a) == Approx(std::exp(-0.5) - 1.0).epsilon(1e-12));
  // x = {0, 1}, y = {2, 3}: distances 1, 2, 3, 1, 2, 1 → median (1 + 2)/2 = 1.5, 2h² = 4.5.
  //   XX = YY = e^{−1/4.5} = A; XY = (e^{−4/4.5}·2 + e^{−9/4.5} + e^{−1/4.5})/4 with B =
  //   e^{−4/4.5}, C = e^{−2}: MMD² = 2A − (2B + C + A)/2 = 1.5A − B − C/2 = 0.523553...
  const Mat b = mat(2, 1, {2, 3});  // (2, 1)
  const double A = std::exp(-1 / 4.5), B = std::exp(-4 / 4.5), C = std::exp(-2.0);
  CHECK(aib::median_pairwise_distance(mat(4, 1, {0, 1, 2, 3})) == 1.5);
  CHECK(aib::mmd2_rbf(a, b) == Approx(1.5 * A - B - C / 2).epsilon(1e-12));
  CHECK(aib::mmd2_rbf(a, b, 1.5) == Approx(1.5 * A - B - C / 2).epsilon(1e-12));
  // 2-D: the Euclidean distance, not per-axis: (0, 0) to (3, 4) is 5.
  CHECK(aib::median_pairwise_distance(mat(2, 2, {0, 0, 3, 4})) == 5.0);
}

TEST_CASE("mmd2_rbf: zero in expectation on one distribution, growing with a shift") {
  // 30 pairs of independent N(0, I₂) samples of 100: the mean of MMD²_u must be within 3 standard
  // errors of 0 (an estimator biased by even 1/N would miss: E K ~ 0.5 there).
  aib::Rng rng(11);
  std::vector<double> null;
  for (int r = 0; r < 30; ++r) {
    const Mat x = gaussian(rng, 100, 2), y = gaussian(rng, 100, 2);  // (100, 2) each
    null.push_back(aib::mmd2_rbf(x, y));
  }
  const MeanSe n = mean_se(null);
  CHECK(std::abs(n.mean) <= 3 * n.se);
  CHECK(n.se > 0);
  // Same noise, y shifted by 0.5, 1, 2 along the first axis: MMD² grows each time, and the
  // smallest shift already stands above the null's spread.
  const Mat x = gaussian(rng, 200, 2);  // (200, 2)
  const Mat z = gaussian(rng, 200, 2);  // (200, 2)
  double previous = n.mean + 3 * n.se * std::sqrt(30.0);
  for (const float s : {0.5f, 1.f, 2.f}) {
    Mat y = z;  // (200, 2)
    y.col(0).array() += s;
    const double v = aib::mmd2_rbf(x, y);
    CHECK(v > previous);
    previous = v;
  }
}

// ---- energy distance ----------------------------------------------------------------------------

TEST_CASE("energy_distance: a hand-computed case, biased and unbiased") {
  // x = {0, 1}, y = {2, 3}: E|X−Y| = (2 + 3 + 1 + 2)/4 = 2.
  //   biased:   E|X−X′| = (0 + 1 + 1 + 0)/4 = 0.5, the same for y: D² = 4 − 0.5 − 0.5 = 3;
  //   unbiased: E|X−X′| over i ≠ j = 1:                            D² = 4 − 1 − 1 = 2.
  // scipy.stats.energy_distance([0, 1], [2, 3]) = √(2·∫(F − G)²) = √(2·1.5) = √3.
  const Mat x = mat(2, 1, {0, 1}), y = mat(2, 1, {2, 3});  // (2, 1) each
  CHECK(aib::energy_distance2(x, y) == Approx(3.0).epsilon(1e-15));
  CHECK(aib::energy_distance2(x, y, true) == Approx(2.0).epsilon(1e-15));
  CHECK(aib::energy_distance(x, y) == Approx(std::sqrt(3.0)).epsilon(1e-15));
  // In 2-D with Euclidean norms: x = {(0,0)}, y = {(3,4)}: D² = 2·5 − 0 − 0 = 10.
  CHECK(aib::energy_distance2(mat(1, 2, {0, 0}), mat(1, 2, {3, 4})) == Approx(10.0));
}

TEST_CASE("energy_distance2: the unbiased form is zero in expectation, the biased one is not") {
  // For N(0, I₂), E‖X − X′‖ = √2·E‖Z‖ = √2·√(π/2) = √π, so with N = M = 100 the biased form has
  // expectation (1/N + 1/M)·√π = 0.035449 and the unbiased form 0. 30 repetitions, 3 standard
  // errors.
  aib::Rng rng(13);
  std::vector<double> biased, unbiased;
  for (int r = 0; r < 30; ++r) {
    const Mat x = gaussian(rng, 100, 2), y = gaussian(rng, 100, 2);  // (100, 2) each
    biased.push_back(aib::energy_distance2(x, y));
    unbiased.push_back(aib::energy_distance2(x, y, true));
    CHECK(biased.back() >= 0.0);
  }
  const MeanSe b = mean_se(biased), u = mean_se(unbiased);
  CHECK(std::abs(u.mean) <= 3 * u.se);
  CHECK(std::abs(b.mean - 0.02 * std::sqrt(3.14159265358979323846)) <= 3 * b.se);
  // Growing with a shift of 0.5, 1, 2 (same noise).
  const Mat x = gaussian(rng, 200, 2), z = gaussian(rng, 200, 2);  // (200, 2) each
  double previous = u.mean + 3 * u.se * std::sqrt(30.0);
  for (const float s : {0.5f, 1.f, 2.f}) {
    Mat y = z;  // (200, 2)
    y.col(0).array() += s;
    const double v = aib::energy_distance2(x, y, true);
    CHECK(v > previous);
    previous = v;
  }
}

// ---- sliced Wasserstein -------------------------------------------------------------------------

TEST_CASE("sliced_wasserstein: hand-computed cases, equal and unequal sizes") {
  // x = {(0,0), (1,2)}, y = {(1,0), (3,2)}, directions e₁ and e₂.
  //   on e₁: x {0, 1}, y {1, 3}: W₂² = (1² + 2²)/2 = 2.5, W₁ = (1 + 2)/2 = 1.5;
  //   on e₂: x {0, 2}, y {0, 2}: 0.
  //   SW₂ = √((2.5 + 0)/2) = √1.25, SW₁ = (1.5 + 0)/2 = 0.75.
  const Mat x = mat(2, 2, {0, 0, 1, 2}), y = mat(2, 2, {1, 0, 3, 2});  // (2, 2) each
  const Mat dirs = mat(2, 2, {1, 0, 0, 1});                            // (L, D)
  CHECK(aib::sliced_wasserstein(x, y, dirs) == Approx(std::sqrt(1.25)).epsilon(1e-15));
  CHECK(aib::sliced_wasserstein(x, y, dirs, 1.0) == Approx(0.75).epsilon(1e-15));
  // Unequal sizes, exact quantile integral: u = {0, 1}, v = {0}: F⁻¹ = 0 on (0, ½], 1 on (½, 1];
  // G⁻¹ = 0: W₂² = ½·1² = 0.5. u = {0, 1, 2}, v = {0, 3}: breakpoints ⅓, ½, ⅔, 1 give pieces
  // |0−0| on (0,⅓], |1−0| on (⅓,½], |1−3| on (½,⅔], |2−3| on (⅔,1]:
  // W₂² = ⅙·1 + ⅙·4 + ⅓·1 = 7/6, W₁ = ⅙ + ⅙·2 + ⅓ = 5/6.
  CHECK(aib::wasserstein_1d({0, 1}, {0}) == Approx(std::sqrt(0.5)).epsilon(1e-15));
  CHECK(aib::wasserstein_1d({2, 0, 1}, {3, 0}) == Approx(std::sqrt(7.0 / 6)).epsilon(1e-14));
  CHECK(aib::wasserstein_1d({2, 0, 1}, {3, 0}, 1.0) == Approx(5.0 / 6).epsilon(1e-14));
  CHECK(aib::sliced_wasserstein(mat(3, 1, {2, 0, 1}), mat(2, 1, {3, 0}), mat(1, 1, {1})) ==
        Approx(std::sqrt(7.0 / 6)).epsilon(1e-14));
}

TEST_CASE("sliced_wasserstein: a translated copy gives exactly the mean projected shift") {
  // Y = X + s: every 1-D projection is shifted by ⟨θ, s⟩, so SW₂² = (1/L) Σ_l ⟨θ_l, s⟩².
  aib::Rng rng(17);
  const Mat x = gaussian(rng, 300, 3);                  // (300, 3)
  const Mat dirs = aib::random_directions(rng, 50, 3);  // (50, 3)
  for (Index l = 0; l < dirs.rows(); ++l)
    CHECK(dirs.row(l).cast<double>().norm() == Approx(1.0).epsilon(1e-6));
  const Eigen::RowVector3f s(0.5f, -0.25f, 1.0f);
  Mat y = x;  // (300, 3)
  y.rowwise() += s;
  double want = 0;
  for (Index l = 0; l < dirs.rows(); ++l) want += std::pow(dirs.row(l).dot(s), 2) / 50.0;
  CHECK(aib::sliced_wasserstein(x, y, dirs) == Approx(std::sqrt(want)).epsilon(1e-5));
}

TEST_CASE("sliced_wasserstein: near zero on one distribution, growing with a shift") {
  // The empirical SW₂ is > 0 even on one distribution (a distance, not an unbiased estimate): it
  // goes to 0 as N grows, about like N^(−1/2) (means of 10 repetitions ≈ 0.22, 0.13, 0.06 at
  // N = 100, 400, 1600). Each fourfold N must cut the mean by at least a quarter.
  aib::Rng rng(19);
  MeanSe n;
  double previous_mean = INFINITY;
  for (const Index size : {100, 400, 1600}) {
    std::vector<double> null;
    for (int r = 0; r < 10; ++r) {
      const Mat x = gaussian(rng, size, 2), y = gaussian(rng, size, 2);  // (size, 2) each
      null.push_back(aib::sliced_wasserstein(x, y, rng, 50));
    }
    const MeanSe m = mean_se(null);
    CHECK(m.mean < 0.75 * previous_mean);
    previous_mean = m.mean;
    if (size == 400) n = m;
  }
  // At N = 400, a shift of 0.5 (SW₂ ≈ 0.5/√2 = 0.35 in expectation over directions) must clear
  // the null's mean + 3 standard deviations, and 1 and 2 must give more.
  const Mat x = gaussian(rng, 400, 2), z = gaussian(rng, 400, 2);  // (400, 2) each
  const Mat dirs = aib::random_directions(rng, 50, 2);             // (50, 2)
  double previous = n.mean + 3 * n.se * std::sqrt(10.0);
  for (const float s : {0.5f, 1.f, 2.f}) {
    Mat y = z;  // (400, 2)
    y.col(0).array() += s;
    const double v = aib::sliced_wasserstein(x, y, dirs);
    CHECK(v > previous);
    previous = v;
  }
}

// ---- k-NN precision and recall ------------------------------------------------------------------

TEST_CASE("knn_precision_recall: hand-computed cases") {
  // real {0, 1, 2, 10}, k = 1: radii 1, 1, 1, 8. fake {0.5, 5, 20}, k = 1: radii 4.5, 4.5, 15.
  //   precision: 0.5 is in 0's ball; 5 in 10's (|5−10| = 5 ≤ 8); 20 in none (10 > 8): 2/3.
  //   recall: 0, 1, 2 are in 0.5's ball (≤ 4.5); 10 is not in 5's (5 > 4.5) but in 20's (10 ≤
  //   15): 1.
  const Mat real = mat(4, 1, {0, 1, 2, 10}), fake = mat(3, 1, {0.5f, 5, 20});  // (N, 1), (M, 1)
  CHECK(aib::knn_radii(real, 1) == aib::VecD((aib::VecD(4) << 1, 1, 1, 8).finished()));
  const auto pr = aib::knn_precision_recall(real, fake, 1);
  CHECK(pr.precision == Approx(2.0 / 3).epsilon(1e-15));
  CHECK(pr.recall == 1.0);
  // k = 3 (the default) on real: radii 10, 9, 8, 10 (the point itself is not its own neighbour).
  CHECK(aib::knn_radii(real) == aib::VecD((aib::VecD(4) << 10, 9, 8, 10).finished()));
  // The boundary counts: real {0, 1} (radii 1, 1), fake {2, 5} (radii 3, 3): 2 is exactly on 1's
  // ball, 5 outside both: precision 1/2; recall: 0 and 1 are within 3 of 2: 1.
  const auto edge = aib::knn_precision_recall(mat(2, 1, {0, 1}), mat(2, 1, {2, 5}), 1);
  CHECK(edge.precision == 0.5);
  CHECK(edge.recall == 1.0);
  // Swapping real and fake swaps the two numbers.
  const auto swapped = aib::knn_precision_recall(fake, real, 1);
  CHECK(swapped.precision == pr.recall);
  CHECK(swapped.recall == pr.precision);
}

TEST_CASE("knn_precision_recall: high on one distribution, falling with a shift") {
  // Samples of 500 from one N(0, I₂): k = 3 balls cover nearly all of each other's support
  // (about 0.97–0.99 each in numpy trials). Shifting the fake sample by 2, 4, 8 along x: precision
  // and recall fall each time (≈ 0.83, 0.2, 0), to nothing once the clouds no longer overlap.
  aib::Rng rng(23);
  const Mat real = gaussian(rng, 500, 2), z = gaussian(rng, 500, 2);  // (500, 2) each
  const auto same = aib::knn_precision_recall(real, z);
  CHECK(same.precision > 0.9);
  CHECK(same.recall > 0.9);
  double p_prev = same.precision, r_prev = same.recall;
  for (const float s : {2.f, 4.f, 8.f}) {
    Mat fake = z;  // (500, 2)
    fake.col(0).array() += s;
    const auto pr = aib::knn_precision_recall(real, fake);
    CHECK(pr.precision < p_prev);
    CHECK(pr.recall < r_prev);
    p_prev = pr.precision;
    r_prev = pr.recall;
  }
  CHECK(p_prev < 0.05);
  CHECK(r_prev < 0.05);
}

// ---- references from scipy / scikit-learn -------------------------------------------------------

TEST_CASE("metrics match scipy/scikit-learn on the fixture sample pairs") {
  for (const std::string c : {"a", "b", "c"}) {
    INFO("case " << c);
    const Mat x = aib::load_npy<float>(fixture(c + "_x"));        // (N, D)
    const Mat y = aib::load_npy<float>(fixture(c + "_y"));        // (M, D)
    const Mat dirs = aib::load_npy<float>(fixture(c + "_dirs"));  // (L, D)
    Mat pooled(x.rows() + y.rows(), x.cols());                    // (N + M, D)
    pooled << x, y;
    CHECK(aib::median_pairwise_distance(pooled) == Approx(expected(c + "_median")).epsilon(1e-6));
    CHECK(aib::mmd2_rbf(x, y) == Approx(expected(c + "_mmd2")).epsilon(1e-6));
    CHECK(aib::energy_distance2(x, y) == Approx(expected(c + "_energy2")).epsilon(1e-6));
    CHECK(aib::energy_distance2(x, y, true) ==
          Approx(expected(c + "_energy2_unbiased")).epsilon(1e-6));
    CHECK(aib::energy_distance(x, y) == Approx(expected(c + "_energy")).epsilon(1e-6));
    CHECK(aib::sliced_wasserstein(x, y, dirs) == Approx(expected(c + "_sw2")).epsilon(1e-6));
    CHECK(aib::sliced_wasserstein(x, y, dirs, 1.0) == Approx(expected(c + "_sw1")).epsilon(1e-6));
    const auto pr = aib::knn_precision_recall(x, y);
    CHECK(pr.precision == Approx(expected(c + "_precision")).epsilon(1e-12));
    CHECK(pr.recall == Approx(expected(c + "_recall")).epsilon(1e-12));
  }
}

// ---- likelihood ---------------------------------------------------------------------------------

TEST_CASE("mean_nll and bits_per_dim: hand-computed cases") {
  CHECK(aib::mean_nll(aib::Vec((aib::Vec(3) << -1, -2, -3).finished())) == Approx(2.0));
  CHECK(aib::mean_nll(mat(2, 2, {1, 1, 1, 1})) == Approx(-1.0));  // density e: NLL −1 nat
  CHECK(std::isinf(aib::mean_nll(aib::VecD((aib::VecD(2) << 0.0, -INFINITY).finished()))));
  // NLL = 3·D·ln 2 nats per image of D values is 3 bits per dimension.
  CHECK(aib::bits_per_dim(3 * 784 * std::log(2.0), 784) == Approx(3.0).epsilon(1e-15));
  // The uniform density on [0, 1]^D (NLL 0) of dequantised 8-bit data: ln 256 / ln 2 = 8 bits.
  CHECK(aib::bits_per_dim(0.0, 256, 256) == Approx(8.0).epsilon(1e-15));
  // A density twice as high on [0, 1]^D per dimension (NLL −D ln 2) saves exactly one bit: 7.
  CHECK(aib::bits_per_dim(-16 * std::log(2.0), 16, 256) == Approx(7.0).epsilon(1e-15));
}

TEST_CASE("mean_nll: the entropy on the model's own samples, growing with a shift") {
  // log N(x; 0, 1) = −x²/2 − ½ln(2π). On samples of N(s, 1) the expected NLL is the entropy
  // ½ln(2πe) = 1.418939 plus s²/2; 20000 samples give a standard error of about 0.005.
  aib::Rng rng(29);
  const Mat z = rng.normal_mat(20000, 1);  // (20000, 1)
  const double half_log_2pi = 0.5 * std::log(2 * 3.14159265358979323846);
  double previous = 0;
  for (const float s : {0.f, 0.5f, 1.f, 2.f}) {
    aib::VecD logp(z.rows());  // (20000)
    for (Index i = 0; i < z.rows(); ++i) {
      const double x = z(i, 0) + s;
      logp(i) = -0.5 * x * x - half_log_2pi;
    }
    const double nll = aib::mean_nll(logp);
    CHECK(nll == Approx(1.4189385 + 0.5 * s * s).margin(0.03));
    CHECK(nll > previous);
    previous = nll;
  }
}

// ---- bad input ----------------------------------------------------------------------------------

TEST_CASE("metrics reject bad input with messages naming shapes and values") {
  const Mat x = mat(3, 2, {0, 0, 1, 0, 0, 1}), y3 = mat(2, 3, {0, 0, 0, 1, 1, 1});
  const Mat empty(0, 2);  // (0, 2)
  CHECK(message_of([&] { aib::mmd2_rbf(x, y3); }) ==
        "mmd2_rbf: x has shape (3, 2) but y has shape (2, 3); both need the same width D");
  CHECK(message_of([&] { aib::energy_distance2(x, empty); }) ==
        "energy_distance2: y has shape (0, 2); expected at least 1 row(s) and 1 column");
  CHECK(message_of([&] {
          aib::mmd2_rbf(x, mat(1, 2, {0, 0}));
        }) == "mmd2_rbf: y has shape (1, 2); expected at least 2 row(s) and 1 column");
  CHECK(message_of([&] {
          aib::mmd2_rbf(mat(2, 1, {1, 1}), mat(2, 1, {1, 1}));
        }).find("median pairwise distance of the pooled sample (4 points) is 0") !=
        std::string::npos);
  CHECK(message_of([&] { aib::mmd2_rbf(x, x, 0.0); }) ==
        "mmd2_rbf: bandwidth must be finite and > 0, got 0");
  CHECK(message_of([&] { aib::knn_precision_recall(x, x, 0); }) ==
        "knn_precision_recall: k = 0 but real has shape (3, 2); need 1 <= k < 3 (the point "
        "itself is excluded)");
  CHECK(message_of([&] {
          aib::knn_precision_recall(x, mat(2, 2, {0, 0, 1, 1}), 2);
        }) ==
        "knn_precision_recall: k = 2 but fake has shape (2, 2); need 1 <= k < 2 (the point "
        "itself is excluded)");
  CHECK(message_of([&] { aib::knn_radii(x, 3); }).find("k = 3 but x has shape (3, 2)") !=
        std::string::npos);
  CHECK(message_of([&] { aib::mode_coverage(x, Mat(0, 2), 1.0); }) ==
        "mode_coverage: no modes: centres has shape (0, 2); expected (K, D), K >= 1");
  CHECK(message_of([&] { aib::mode_coverage(x, x, 0.0); }) ==
        "mode_coverage: sigma must be finite and > 0, got 0");
  CHECK(message_of([&] { aib::mode_coverage(x, x, -1.0); }) ==
        "mode_coverage: sigma must be finite and > 0, got -1");
  CHECK(message_of([&] { aib::mode_coverage(x, y3, 1.0); }) ==
        "mode_coverage: samples has shape (3, 2) but centres has shape (2, 3); both need the "
        "same width D");
  CHECK(message_of([&] { aib::reverse_kl_from_uniform({}); }) ==
        "reverse_kl_from_uniform: the histogram has no modes (K = 0)");
  CHECK(message_of([&] {
          aib::sliced_wasserstein(x, x, mat(1, 2, {1, 1}));
        }) ==
        "sliced_wasserstein: directions row 0 has norm 1.4142135623730951; each direction must "
        "have norm 1");
  CHECK(message_of([&] {
          aib::sliced_wasserstein(x, x, mat(1, 3, {1, 0, 0}));
        }) ==
        "sliced_wasserstein: x has shape (3, 2) but directions has shape (1, 3); both need the "
        "same width D");
  CHECK(message_of([&] { aib::wasserstein_1d({}, {1}); }) ==
        "wasserstein_1d: u has 0 values and v has 1; both need at least 1");
  CHECK(message_of([&] { aib::wasserstein_1d({1}, {1}, 0.5); }) ==
        "wasserstein_1d: p must be finite and >= 1, got 0.5");
  Mat bad = x;  // (3, 2)
  bad(1, 1) = NAN;
  CHECK(message_of([&] { aib::energy_distance(bad, x); }) ==
        "energy_distance: x(1, 1) is nan; samples must be finite");
  CHECK(message_of([&] { aib::mean_nll(aib::Vec(0)); }) ==
        "mean_nll: log_density has shape (0, 1); expected at least 1 value");
  CHECK(message_of([&] {
          aib::mean_nll(mat(1, 2, {0, NAN}));
        }) == "mean_nll: log_density(0, 1) is nan; expected a finite value or -inf");
  CHECK(message_of([&] { aib::bits_per_dim(1.0, 0); }) == "bits_per_dim: dims must be >= 1, got 0");
  CHECK(message_of([&] { aib::bits_per_dim(1.0, 4, 0.5); }) ==
        "bits_per_dim: levels must be finite and >= 1 (1 = no dequantisation correction), got 0.5");
  aib::Rng rng(1);
  CHECK(message_of([&] { aib::random_directions(rng, 0, 2); }) ==
        "random_directions: need count >= 1 and dims >= 1, got count = 0, dims = 2");
}

TEST_CASE("knn_accuracy: a hand-computed vote, and errors") {
  aib::Mat ref(4, 1);  // class 0 at 0 and 5; class 1 at 7 and 8
  ref << 0, 5, 7, 8;
  const std::vector<int> ref_labels = {0, 0, 1, 1};
  aib::Mat query(3, 1);
  query << 0.5f, 9.0f, 5.5f;  // 3 nearest: {0, 5, 7}, {8, 7, 5}, {5 (0.5), 7 (1.5), 8 (2.5)}
  CHECK(aib::knn_accuracy(ref, ref_labels, query, {0, 1, 1}, 1) == Approx(2.0 / 3));  // 5.5 -> 0
  CHECK(aib::knn_accuracy(ref, ref_labels, query, {0, 1, 1}, 3) == Approx(1.0));      // 5.5 -> 1
  CHECK(aib::knn_accuracy(ref, ref_labels, query, {1, 0, 0}, 3) == Approx(0.0));
  const aib::MatD d = aib::pairwise_squared_distances(query, ref);  // (3, 5)
  CHECK(d(2, 3) == Approx(2.5 * 2.5));
  CHECK_THROWS_WITH(aib::knn_accuracy(ref, ref_labels, query, {0, 1}, 1),
                    Catch::Contains("3 queries with 2 labels"));
  CHECK_THROWS_WITH(aib::knn_accuracy(ref, ref_labels, query, {0, 1, 1}, 6),
                    Catch::Contains("k must be in [1, 4], got 6"));
}
