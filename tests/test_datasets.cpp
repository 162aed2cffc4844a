// Tests for aib/generative/datasets.hpp: the 2-D toys (toy2d.hpp) and the digit glyphs
// (glyphs.hpp).
#include <array>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "catch.hpp"
#include "test_helpers.hpp"

#include "aib/generative/classifier.hpp"
#include "aib/generative/datasets.hpp"
#include "aib/show/terminal.hpp"

using aib_test::message_of;

namespace {

constexpr double pi = 3.14159265358979323846;

bool contains(const std::string& text, const std::string& piece) {
  return text.find(piece) != std::string::npos;
}

// Riemann sum of exp(log p) over the midpoints of an h-grid covering [lo, hi]².
template <class LogProb>
double integrate_density(LogProb log_prob, double lo, double hi, double h) {
  const auto cells = static_cast<aib::Index>(std::lround((hi - lo) / h));
  aib::Mat grid(cells * cells, 2);  // (cells², 2) the midpoints
  for (aib::Index i = 0; i < cells; ++i)
    for (aib::Index j = 0; j < cells; ++j) {
      grid(i * cells + j, 0) = static_cast<float>(lo + (j + 0.5) * h);
      grid(i * cells + j, 1) = static_cast<float>(lo + (i + 0.5) * h);
    }
  const aib::Vec lp = log_prob(grid);  // (cells²)
  double total = 0;
  for (aib::Index i = 0; i < lp.size(); ++i) total += std::exp(static_cast<double>(lp(i)));
  return total * h * h;
}

// Index of the centre nearest to (x, y).
aib::Index nearest_mode(const aib::Mat& centres, float x, float y) {
  aib::Index best = 0;
  double best_d = 1e300;
  for (aib::Index k = 0; k < centres.rows(); ++k) {
    const double d = std::hypot(double(x) - centres(k, 0), double(y) - centres(k, 1));
    if (d < best_d) best_d = d, best = k;
  }
  return best;
}

// Every mode of a well-separated mixture: its share of the samples, and the mean, variances and
// covariance of the points nearest to it, each within 4 standard errors of the mode's own.
void check_mixture_moments(const aib::GaussianMixture2D& m, aib::Index n, std::uint64_t seed) {
  aib::Rng rng(seed);
  const aib::Mat x = m.sample(n, rng);  // (N, 2)
  const aib::Index K = m.modes();
  std::vector<std::vector<aib::Index>> members(static_cast<std::size_t>(K));
  for (aib::Index i = 0; i < n; ++i)
    members[static_cast<std::size_t>(nearest_mode(m.centres, x(i, 0), x(i, 1)))].push_back(i);
  const double s = m.sigma, s2 = s * s;
  const double p = 1.0 / K;
  for (aib::Index k = 0; k < K; ++k) {
    const auto& idx = members[static_cast<std::size_t>(k)];
    const double nk = static_cast<double>(idx.size());
    INFO(m.name << " mode " << k << " with " << nk << " points");
    CHECK(std::abs(nk - n * p) <= 4 * std::sqrt(n * p * (1 - p)));
    REQUIRE(nk > 10);
    double mx = 0, my = 0;
    for (const aib::Index i : idx) mx += x(i, 0), my += x(i, 1);
    mx /= nk, my /= nk;
    double vxx = 0, vyy = 0, vxy = 0;
    for (const aib::Index i : idx) {
      const double dx = x(i, 0) - mx, dy = x(i, 1) - my;
      vxx += dx * dx, vyy += dy * dy, vxy += dx * dy;
    }
    vxx /= nk - 1, vyy /= nk - 1, vxy /= nk - 1;
    CHECK(std::abs(mx - m.centres(k, 0)) <= 4 * s / std::sqrt(nk));
    CHECK(std::abs(my - m.centres(k, 1)) <= 4 * s / std::sqrt(nk));
    CHECK(std::abs(vxx - s2) <= 4 * s2 * std::sqrt(2 / (nk - 1)));
    CHECK(std::abs(vyy - s2) <= 4 * s2 * std::sqrt(2 / (nk - 1)));
    CHECK(std::abs(vxy) <= 4 * s2 / std::sqrt(nk - 1));
  }
}

}  // namespace

// ---- 2-D toys ---------------------------------------------------------------------------------

TEST_CASE("every toy gives (N, 2) finite points, the same for a seed and others for another") {
  for (const std::string& name : aib::toy_names()) {
    INFO(name);
    aib::Rng a(7), b(7), c(8);
    const aib::Mat xa = aib::make_toy(name, 300, a);  // (300, 2)
    const aib::Mat xb = aib::make_toy(name, 300, b);  // (300, 2)
    const aib::Mat xc = aib::make_toy(name, 300, c);  // (300, 2)
    CHECK(xa.rows() == 300);
    CHECK(xa.cols() == 2);
    CHECK(xa.allFinite());
    CHECK(xa == xb);
    CHECK((xa - xc).cwiseAbs().maxCoeff() > 0.1f);
  }
  aib::Rng rng(1);
  CHECK(aib::make_toy("moons", 1, rng).rows() == 1);
}

TEST_CASE("the ring has 8 distinct modes at radius 2/1.414 and sigma 0.02/1.414") {
  const aib::GaussianMixture2D ring = aib::ring8_mixture();
  REQUIRE(ring.modes() == 8);
  CHECK(ring.sigma == Approx(0.02 / 1.414).epsilon(1e-6));
  std::set<long> angles;  // in degrees, rounded
  for (aib::Index k = 0; k < 8; ++k) {
    CHECK(ring.centres.row(k).norm() == Approx(2 / 1.414).epsilon(1e-6));
    angles.insert(std::lround(std::atan2(ring.centres(k, 1), ring.centres(k, 0)) * 180 / pi));
  }
  CHECK(angles.size() == 8);  // linspace(0, 2π, 8) would give 7 distinct angles
  // Neighbours 2r·sin(π/8) ≈ 1.08 apart: 76 σ, no two modes coincide.
  CHECK(ring.min_separation() == Approx(2 * (2 / 1.414) * std::sin(pi / 8)).epsilon(1e-5));
  // The samples visit all eight, and lie within 5 σ of the ring's radius.
  aib::Rng rng(3);
  const aib::Mat x = aib::ring8(4000, rng);  // (4000, 2)
  std::array<int, 8> hits{};
  for (aib::Index i = 0; i < x.rows(); ++i) {
    ++hits[static_cast<std::size_t>(nearest_mode(ring.centres, x(i, 0), x(i, 1)))];
    CHECK(std::abs(x.row(i).norm() - 2 / 1.414) < 5 * ring.sigma);
  }
  for (const int h : hits) CHECK(h > 4000 / 16);
  // σ is a parameter (before the division by 1.414, as in WGAN-GP).
  CHECK(aib::ring8_mixture(0.1f).sigma == Approx(0.1 / 1.414).epsilon(1e-6));
}

TEST_CASE("the 5x5 grid has 25 modes two apart, spanning [-4, 4]") {
  const aib::GaussianMixture2D grid = aib::grid25_mixture();
  REQUIRE(grid.modes() == 25);
  CHECK(grid.sigma == 0.05f);
  CHECK(grid.min_separation() == Approx(2.0));
  CHECK(grid.centres.minCoeff() == -4.f);
  CHECK(grid.centres.maxCoeff() == 4.f);
}

TEST_CASE("each mixture mode's sample mean and covariance match it within standard errors") {
  check_mixture_moments(aib::ring8_mixture(), 24000, 11);
  check_mixture_moments(aib::ring8_mixture(0.1f), 24000, 12);
  check_mixture_moments(aib::grid25_mixture(), 50000, 13);
}

TEST_CASE("each closed-form density integrates to 1 over a grid") {
  const aib::GaussianMixture2D ring = aib::ring8_mixture();         // σ ≈ 0.0141
  const aib::GaussianMixture2D wide = aib::ring8_mixture(1.0f);     // modes overlap
  const aib::GaussianMixture2D grid = aib::grid25_mixture();        // σ = 0.05
  const aib::GaussianMixture2D blurry = aib::grid25_mixture(0.8f);  // modes overlap
  auto lp = [](const aib::GaussianMixture2D& m) {
    return [&m](const aib::Mat& x) { return m.log_prob(x); };
  };
  CHECK(integrate_density(lp(ring), -2, 2, 0.01) == Approx(1.0).epsilon(0.01));
  CHECK(integrate_density(lp(wide), -7, 7, 0.05) == Approx(1.0).epsilon(0.01));
  CHECK(integrate_density(lp(grid), -5, 5, 0.025) == Approx(1.0).epsilon(0.01));
  CHECK(integrate_density(lp(blurry), -9, 9, 0.05) == Approx(1.0).epsilon(0.01));
  CHECK(integrate_density(aib::Checkerboard::log_prob, -3, 3, 0.01) == Approx(1.0).epsilon(0.01));
  // The registry's densities are the same functions.
  aib::Rng rng(5);
  const aib::Mat x = aib::grid25(50, rng);  // (50, 2)
  CHECK(aib::toy_log_prob("grid25", x) == grid.log_prob(x));
  CHECK(aib::toy_log_prob("ring8", x) == ring.log_prob(x));
  CHECK(aib::toy_log_prob("checkerboard", x) == aib::Checkerboard::log_prob(x));
}

TEST_CASE("a single mode's log density is the Gaussian's, by hand") {
  aib::GaussianMixture2D one;
  one.name = "one";
  one.centres = aib::Mat::Zero(1, 2);
  one.sigma = 0.5f;
  aib::Mat x(2, 2);  // (2, 2)
  x << 0, 0, 0.5f, -1;
  const aib::Vec lp = one.log_prob(x);  // (2)
  // log N(x; 0, σ² I) = −log(2πσ²) − ‖x‖²/(2σ²); σ² = 0.25.
  CHECK(lp(0) == Approx(-std::log(2 * pi * 0.25)).epsilon(1e-6));
  CHECK(lp(1) == Approx(-std::log(2 * pi * 0.25) - 1.25 / 0.5).epsilon(1e-6));
}

TEST_CASE("the checkerboard's density is 1/8 on its eight squares and zero off them") {
  CHECK(aib::Checkerboard::on_board(0.5, 0.5));     // ⌊x⌋ + ⌊y⌋ = 0: even, on
  CHECK(!aib::Checkerboard::on_board(0.5, -0.5));   // 0 − 1: odd, off
  CHECK(!aib::Checkerboard::on_board(-1.5, -0.5));  // −2 − 1: odd, off
  CHECK(!aib::Checkerboard::on_board(2.5, 0.5));    // outside [−2, 2)²
  aib::Mat x(6, 2);                                 // (6, 2)
  x << 0.5f, 0.5f, 0.5f, -0.5f, -1.5f, -1.5f, -1.5f, -0.5f, 2.5f, 0.5f, 1.99f, 1.99f;
  const aib::Vec lp = aib::Checkerboard::log_prob(x);  // (6)
  CHECK(lp(0) == Approx(-std::log(8.0)));
  CHECK(std::isinf(lp(1)));
  CHECK(lp(2) == Approx(-std::log(8.0)));
  CHECK(std::isinf(lp(3)));
  CHECK(std::isinf(lp(4)));
  CHECK(lp(5) == Approx(-std::log(8.0)));  // 1 + 1: even, on
  // Every sample lies on the board, and the eight squares share them evenly.
  aib::Rng rng(9);
  const aib::Mat s = aib::checkerboard(16000, rng);  // (16000, 2)
  std::array<int, 16> squares{};
  for (aib::Index i = 0; i < s.rows(); ++i) {
    REQUIRE(aib::Checkerboard::on_board(s(i, 0), s(i, 1)));
    const auto col = static_cast<int>(std::floor(s(i, 0))) + 2;
    const auto row = static_cast<int>(std::floor(s(i, 1))) + 2;
    ++squares[static_cast<std::size_t>(4 * row + col)];
  }
  int occupied = 0;
  for (const int count : squares) {
    if (count == 0) continue;
    ++occupied;
    CHECK(std::abs(count - 2000) <= 4 * std::sqrt(16000 * (1 / 8.0) * (7 / 8.0)));
  }
  CHECK(occupied == 8);
}

TEST_CASE("entropies: exact for separated modes and the checkerboard, sampled otherwise") {
  aib::Rng rng(21);
  // Ring: modes 76σ apart, so H = log 8 + 1 + log(2πσ²) exactly.
  const aib::GaussianMixture2D ring = aib::ring8_mixture();
  const aib::ToyEntropy h = ring.entropy(rng);
  CHECK(h.exact);
  CHECK(h.std_error == 0.0);
  const double s2 = double(ring.sigma) * ring.sigma;
  CHECK(h.nats == Approx(std::log(8.0) + 1 + std::log(2 * pi * s2)).epsilon(1e-12));
  // ...which a Monte-Carlo estimate −mean log p(x) agrees with, within 4 standard errors.
  const aib::Vec lp = ring.log_prob(ring.sample(40000, rng));  // (40000)
  const double mc = -lp.cast<double>().mean();
  const double se = std::sqrt((lp.cast<double>().array() + mc).square().sum() / 39999 / 40000);
  CHECK(std::abs(mc - h.nats) <= 4 * se);
  // Overlapping modes: sampled, between one Gaussian's entropy and the separated value.
  const aib::GaussianMixture2D wide = aib::ring8_mixture(1.0f);
  const aib::ToyEntropy hw = wide.entropy(rng, 20000);
  CHECK(!hw.exact);
  CHECK(hw.std_error > 0);
  CHECK(hw.std_error < 0.02);
  const double one = 1 + std::log(2 * pi * double(wide.sigma) * wide.sigma);
  CHECK(hw.nats > one);
  CHECK(hw.nats < wide.separated_entropy());
  // Checkerboard: log of its area.
  CHECK(aib::Checkerboard::entropy().exact);
  CHECK(aib::Checkerboard::entropy().nats == Approx(std::log(8.0)));
  CHECK(aib::toy_entropy("checkerboard", rng).nats == Approx(std::log(8.0)));
  CHECK(aib::toy_entropy("grid25", rng).nats == Approx(aib::grid25_mixture().separated_entropy()));
  CHECK(aib::toy_has_density("ring8"));
  CHECK(!aib::toy_has_density("moons"));
}

TEST_CASE("moons, swiss roll and rings follow their curves") {
  aib::Rng rng(4);
  // Noise-free moons: every point on one of the two unit half circles.
  const aib::Mat m = aib::two_moons(500, rng, 0.f);  // (500, 2)
  for (aib::Index i = 0; i < m.rows(); ++i) {
    const double x = m(i, 0) + 0.5, y = m(i, 1) + 0.25;
    const double upper = std::hypot(x, y), lower = std::hypot(x - 1, y - 0.5);
    CHECK(std::min(std::abs(upper - 1), std::abs(lower - 1)) < 1e-5);
  }
  // Noise-free rings: radii 0.75, 1.5, 2.25, 3, outer rings busier.
  const aib::Mat r = aib::rings(8000, rng, 4, 0.f);  // (8000, 2)
  std::array<int, 4> per_ring{};
  for (aib::Index i = 0; i < r.rows(); ++i) {
    const double radius = r.row(i).norm();
    const long k = std::lround(radius / 0.75);
    REQUIRE(std::abs(radius - 0.75 * k) < 1e-5);
    ++per_ring[static_cast<std::size_t>(k - 1)];
  }
  for (std::size_t k = 0; k < 4; ++k)
    CHECK(per_ring[k] == Approx(8000.0 * (k + 1) / 10).epsilon(0.1));
  // Noise-free swiss roll: radius t/5 with angle t, t in [1.5π, 4.5π].
  const aib::Mat s = aib::swiss_roll(500, rng, 0.f);  // (500, 2)
  for (aib::Index i = 0; i < s.rows(); ++i) {
    const double radius = s.row(i).norm();
    CHECK(radius >= 1.5 * pi / 5 - 1e-4);
    CHECK(radius <= 4.5 * pi / 5 + 1e-4);
    const double t = radius * 5;
    CHECK(std::cos(t) * radius == Approx(s(i, 0)).margin(1e-3));
  }
}

TEST_CASE("toy errors name the bad value and list the known names") {
  aib::Rng rng(1);
  CHECK(message_of([&] { aib::make_toy("dino", 10, rng); }) ==
        "make_toy: unknown dataset 'dino'; known: ring8, grid25, moons, swissroll, checkerboard, "
        "rings");
  for (const std::string& name : aib::toy_names()) {
    INFO(name);
    CHECK(message_of([&] { aib::make_toy(name, 0, rng); }) ==
          (name == "ring8" || name == "grid25" ? name + ".sample" : name) +
              ": n must be at least 1, got 0");
  }
  CHECK(message_of([] { aib::ring8_mixture(0.f); }) ==
        "ring8: sigma must be positive and finite, got 0");
  CHECK(message_of([] { aib::grid25_mixture(-0.5f); }) ==
        "grid25: sigma must be positive and finite, got -0.5");
  CHECK(contains(message_of([] { aib::ring8_mixture(std::nanf("")); }), "got nan"));
  CHECK(message_of([&] { aib::two_moons(5, rng, -0.1f); }) ==
        "moons: noise must be finite and >= 0, got -0.1");
  CHECK(message_of([&] { aib::swiss_roll(5, rng, -1.f); }) ==
        "swissroll: noise must be finite and >= 0, got -1");
  CHECK(message_of([&] { aib::rings(5, rng, 0); }) == "rings: count must be in [1, 64], got 0");
  CHECK(message_of([&] { aib::ring8(-3, rng); }) == "ring8.sample: n must be at least 1, got -3");
  CHECK(message_of([] { aib::toy_log_prob("moons", aib::Mat::Zero(2, 2)); }) ==
        "toy_log_prob: 'moons' has no closed-form density; these do: ring8, grid25, checkerboard");
  CHECK(contains(message_of([&] { aib::toy_entropy("dino", rng); }),
                 "toy_entropy: unknown dataset 'dino'; known: ring8"));
  CHECK(message_of([] { aib::Checkerboard::log_prob(aib::Mat::Zero(4, 3)); }) ==
        "checkerboard.log_prob: x has shape (4, 3), expected (any, 2)");
  CHECK(message_of([] { aib::ring8_mixture().log_prob(aib::Mat::Zero(4, 1)); }) ==
        "ring8.log_prob: x has shape (4, 1), expected (any, 2)");
}

// ---- Digit glyphs -------------------------------------------------------------------------------

TEST_CASE("digits: (N, 256) images in [0, 1], labels 0-9 in turn, reproducible by seed") {
  aib::Rng a(1), b(1), c(2);
  const aib::GlyphData da = aib::make_digits(30, a);  // images (30, 256)
  const aib::GlyphData db = aib::make_digits(30, b);
  const aib::GlyphData dc = aib::make_digits(30, c);
  CHECK(da.side == 16);
  CHECK(da.images.rows() == 30);
  CHECK(da.images.cols() == 256);
  CHECK(da.images.minCoeff() >= 0.f);
  CHECK(da.images.maxCoeff() <= 1.f);
  CHECK(da.images.maxCoeff() == 1.f);  // strokes reach full ink
  REQUIRE(da.labels.size() == 30);
  for (int i = 0; i < 30; ++i) CHECK(da.labels[static_cast<std::size_t>(i)] == i % 10);
  CHECK(da.images == db.images);
  CHECK(da.labels == db.labels);
  // Jitter: another seed moves every image.
  for (aib::Index i = 0; i < 30; ++i) CHECK((da.images.row(i) - dc.images.row(i)).norm() > 0.5f);
  // Without jitter and noise, make_digits draws the plain glyph.
  aib::GlyphStyle plain;
  plain.rotation = plain.scale = plain.shear = plain.shift = plain.noise = 0;
  const aib::GlyphData dp = aib::make_digits(10, a, plain);
  for (int d = 0; d < 10; ++d) CHECK(dp.images.row(d) == aib::draw_digit(d));
}

TEST_CASE("each digit class differs from the others: class means apart, nearest mean reads them") {
  aib::Rng rng(17);
  const aib::GlyphData train = aib::make_digits(4000, rng);  // images (4000, 256)
  const aib::GlyphData test = aib::make_digits(500, rng);    // images (500, 256)
  aib::Mat means = aib::Mat::Zero(10, 256);                  // (10, 256) per class
  aib::Mat halves = aib::Mat::Zero(20, 256);                 // (20, 256) per class and half
  for (aib::Index i = 0; i < 4000; ++i) {
    const int label = train.labels[std::size_t(i)];
    means.row(label) += train.images.row(i) / 400.f;
    halves.row(2 * label + (i / 10) % 2) += train.images.row(i) / 200.f;
  }
  // The noise of a class mean: how far the means of its two halves lie apart.
  float within = 0;
  for (int a = 0; a < 10; ++a) {
    CHECK(means.row(a).sum() > 15.f);  // every digit has ink
    within = std::max(within, (halves.row(2 * a) - halves.row(2 * a + 1)).norm());
  }
  for (int a = 0; a < 10; ++a)
    for (int b = a + 1; b < 10; ++b) {
      INFO("digits " << a << " and " << b << "; two halves of one class differ by " << within);
      CHECK((means.row(a) - means.row(b)).norm() > 1.f);
      CHECK((means.row(a) - means.row(b)).norm() > 2 * within);
    }
  int correct = 0;
  for (aib::Index i = 0; i < 500; ++i) {
    aib::Index best = 0;
    (means.rowwise() - test.images.row(i)).rowwise().squaredNorm().minCoeff(&best);
    correct += best == test.labels[std::size_t(i)];
  }
  CHECK(correct >= 450);  // 90 % by nearest class mean alone
}

TEST_CASE("stroke width and noise change the images as asked") {
  const aib::RowVec thin = aib::draw_digit(4, 16, 1.0f);   // (1, 256)
  const aib::RowVec thick = aib::draw_digit(4, 16, 3.0f);  // (1, 256)
  CHECK(thick.sum() > 1.5f * thin.sum());
  CHECK((thick.array() >= thin.array()).all());
  aib::GlyphStyle clean, noisy;
  clean.noise = 0;
  noisy.noise = 0.2f;
  aib::Rng a(3), b(3);
  const aib::Mat c = aib::make_digits(20, a, clean).images;  // (20, 256)
  const aib::Mat n = aib::make_digits(20, b, noisy).images;  // (20, 256)
  // Background pixels stay exactly 0 without noise, and mostly not with it.
  CHECK((c.array() == 0.f).count() > 20 * 256 / 2);
  CHECK((n.array() > 0.f).count() > (c.array() > 0.f).count() + 20 * 256 / 4);
  // A larger side draws a larger glyph: ink grows with the area the strokes cover.
  CHECK(aib::draw_digit(8, 32, 3.0f).sum() > 3 * aib::draw_digit(8, 16, 1.5f).sum());
}

TEST_CASE("the terminal grid fits 80 columns, with labels under each row") {
  aib::Rng rng(2);
  const aib::GlyphData d = aib::make_digits(10, rng);
  for (const aib::GlyphChars chars : {aib::GlyphChars::shades, aib::GlyphChars::half_blocks}) {
    const std::string text = aib::glyph_grid(d.images, 16, d.labels, chars);
    const auto lines = aib_test::lines(text);
    // 4 glyphs per row (4·16 + 3·2 = 70 columns): rows of 4, 4, 2; 8 lines each and a label line.
    CHECK(lines.size() == 27);
    int widest = 0;
    for (const std::string& line : lines) widest = std::max(widest, aib::show::display_width(line));
    CHECK(widest <= 80);
    CHECK(widest > 3 * 18);  // the fourth glyph is there
    CHECK(contains(text, "\u2588"));
    CHECK(contains(lines[8], "0"));
    CHECK(contains(lines[8], "3"));
  }
  // A narrower terminal: fewer per row, still within its width.
  const std::string narrow = aib::glyph_grid(d.images, 16, {}, aib::GlyphChars::shades, 40);
  for (const std::string& line : aib_test::lines(narrow))
    CHECK(aib::show::display_width(line) <= 40);
  CHECK(aib_test::lines(narrow).size() == 5 * 8);
}

TEST_CASE("the SVG grid is a document with one group per glyph and its labels") {
  aib::Rng rng(2);
  const aib::GlyphData d = aib::make_digits(12, rng);
  const std::string svg = aib::svg_glyph_grid(d.images, 16, d.labels, "digits", 6);
  CHECK(svg.rfind("<?xml", 0) == 0);
  CHECK(svg.size() > 1000);
  CHECK(svg.substr(svg.size() - 7) == "</svg>\n");
  std::size_t groups = 0;
  for (std::size_t at = svg.find("class=\"glyph\""); at != std::string::npos;
       at = svg.find("class=\"glyph\"", at + 1))
    ++groups;
  CHECK(groups == 12);
  CHECK(contains(svg, ">7</text>"));
  CHECK(contains(svg, "<title>digits</title>"));
}

TEST_CASE("glyph errors name the bad value") {
  aib::Rng rng(1);
  aib::GlyphStyle small;
  small.side = 6;
  CHECK(message_of([&] { aib::make_digits(5, rng, small); }) ==
        "make_digits: glyph side 6 is too small; the font needs at least 8 pixels");
  CHECK(message_of([] { aib::draw_digit(3, 4); }) ==
        "draw_digit: glyph side 4 is too small; the font needs at least 8 pixels");
  CHECK(message_of([] { aib::draw_digit(3, 65); }) ==
        "draw_digit: glyph side 65 is too large; at most 64 pixels");
  CHECK(message_of([] { aib::draw_digit(10); }) == "draw_digit: digit must be in 0 … 9, got 10");
  CHECK(message_of([] { aib::draw_digit(1, 16, 0.f); }) ==
        "draw_digit: stroke width 0 must be in (0, side/4 = 4] pixels");
  CHECK(message_of([&] { aib::make_digits(0, rng); }) ==
        "make_digits: n must be at least 1, got 0");
  aib::GlyphStyle noisy;
  noisy.noise = -0.1f;
  CHECK(message_of([&] { aib::make_digits(5, rng, noisy); }) ==
        "make_digits: noise must be finite and >= 0, got -0.1");
  aib::GlyphStyle turned;
  turned.rotation = 2.f;
  CHECK(contains(message_of([&] { aib::make_digits(5, rng, turned); }),
                 "make_digits: rotation must be in [0, 0.78"));
  const aib::Mat images = aib::Mat::Zero(3, 100);  // (3, 100): side 10
  CHECK(message_of([&] { aib::glyph_grid(images, 16); }) ==
        "glyph_grid: images has shape (3, 100), expected (any, 256)");
  CHECK(message_of([&] {
          aib::glyph_grid(images, 10, {1, 2});
        }) == "glyph_grid: 2 labels for 3 images; expected one per image (or none)");
  CHECK(message_of([&] { aib::glyph_grid(images, 10, {}, aib::GlyphChars::shades, 8); }) ==
        "glyph_grid: width 8 is narrower than one glyph (10 columns)");
  CHECK(message_of([&] { aib::svg_glyph_grid(images, 10, {}, "t", 0); }) ==
        "svg_glyph_grid: columns must be at least 1, got 0");
}

// ---- The glyph reader (generative/classifier.hpp) ----------------------------------------------

namespace {
const aib::GlyphClassifier& trained_reader() {
  static const aib::GlyphClassifier reader = [] {
    aib::Rng rng(2024);
    return aib::train_glyph_classifier(rng);
  }();
  return reader;
}
}  // namespace

TEST_CASE("the glyph reader reads fresh jittered digits (> 97%) and its probabilities sum to 1") {
  const aib::GlyphClassifier& reader = trained_reader();
  aib::Rng rng(99);  // glyphs it has never seen
  const aib::GlyphData test = aib::make_digits(1000, rng);
  const double acc = reader.accuracy(test.images, test.labels);
  INFO("accuracy " << acc);
  CHECK(acc > 0.97);
  const aib::Mat p = reader.probabilities(test.images.topRows(5));  // (5, 10)
  CHECK(p.rows() == 5);
  CHECK(p.cols() == 10);
  for (aib::Index i = 0; i < p.rows(); ++i) CHECK(std::abs(p.row(i).sum() - 1.0f) < 1e-5f);
}

TEST_CASE("read_glyphs: real digits cover all ten evenly; one digit repeated is a collapse") {
  const aib::GlyphClassifier& reader = trained_reader();
  aib::Rng rng(5);
  const aib::GlyphData real = aib::make_digits(500, rng);  // 50 of each digit
  const aib::GlyphReading r = aib::read_glyphs(reader, real.images);
  CHECK(r.samples == 500);
  CHECK(r.confident_share > 0.9);
  CHECK(r.classes_covered == 10);
  CHECK(r.reverse_kl < 0.02);  // near-uniform counts

  // 200 copies of the same "3": at most one class, KL = ln 10 when it is read confidently
  aib::Mat threes(200, real.images.cols());  // (200, 256)
  for (aib::Index i = 0; i < 200; ++i) threes.row(i) = real.images.row(3);
  const aib::GlyphReading c = aib::read_glyphs(reader, threes);
  REQUIRE(c.confident == 200);
  CHECK(c.classes_covered == 1);
  CHECK(c.counts[3] == 200);
  CHECK(std::abs(c.reverse_kl - std::log(10.0)) < 1e-12);

  // a pixel cross-fade of a 1 and an 8 is read less confidently than either end
  const aib::Mat blend = 0.5f * (real.images.row(1) + real.images.row(8));  // (1, 256)
  const double mid = aib::read_glyphs(reader, blend).mean_top_probability;
  CHECK(mid < aib::read_glyphs(reader, real.images.row(1)).mean_top_probability);
  CHECK(mid < aib::read_glyphs(reader, real.images.row(8)).mean_top_probability);
}

TEST_CASE("the glyph reader names bad input") {
  const aib::GlyphClassifier& reader = trained_reader();
  aib::Rng rng(1);
  CHECK_THROWS_AS(reader.probabilities(aib::Mat::Zero(2, 64)), aib::ShapeError);
  CHECK_THROWS_WITH(aib::read_glyphs(reader, aib::Mat::Zero(2, 256), 0.0),
                    Catch::Contains("threshold must be in (0, 1], got 0"));
  CHECK_THROWS_WITH(reader.accuracy(aib::Mat::Zero(2, 256), {1}),
                    Catch::Contains("2 images but 1 labels"));
  aib::ClassifierOptions bad;
  bad.train_size = 5;
  CHECK_THROWS_WITH(aib::train_glyph_classifier(rng, bad),
                    Catch::Contains("train_size must be >= 10"));
  aib::ClassifierOptions wild;
  wild.lr = 1e30;  // Adam moves every weight by ~1e30 per step: the logits overflow
  wild.steps = 20;
  CHECK_THROWS_AS(aib::train_glyph_classifier(rng, wild), aib::DivergenceError);
}
