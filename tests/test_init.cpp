// Tests for aib/autograd/init.hpp: the statistics of each initializer against its formula, the
// fan convention for our (D_in, D_out) layout, determinism, pinned values and errors.
#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include "catch.hpp"
#include "test_helpers.hpp"

#include "aib/autograd/init.hpp"

using aib::Index;
using aib::Mat;
using aib::MatD;
using Catch::Matchers::Contains;

namespace {

struct Stats {
  double mean = 0, std = 0, min = 0, max = 0, within_1sd = 0;  // within_1sd: fraction |w| < σ_pop
};

Stats stats_of(const MatD& w, double sigma_pop) {
  Stats s;
  const double n = static_cast<double>(w.size());
  s.mean = w.mean();
  s.std = std::sqrt((w.array() - s.mean).square().sum() / (n - 1));
  s.min = w.minCoeff();
  s.max = w.maxCoeff();
  s.within_1sd = (w.array().abs() < sigma_pop).cast<double>().sum() / n;
  return s;
}

// For n = 65,536 draws the sample std of U(−a, a) has a relative spread ≈ 0.17 %, of a normal
// ≈ 0.28 %; the mean's spread is σ/256. Tolerances are ≥ 5 of those spreads.
void check_uniform(const MatD& w, double a) {
  const double sigma = a / std::sqrt(3.0);  // std of U(−a, a)
  const Stats s = stats_of(w, sigma);
  CHECK(std::abs(s.mean) < 5 * sigma / std::sqrt(double(w.size())));
  CHECK(s.std == Approx(sigma).epsilon(0.01));
  CHECK(s.min >= -a);
  CHECK(s.max <= a);
  CHECK(s.min < -0.999 * a);  // the bounds are reached, not a narrower range
  CHECK(s.max > 0.999 * a);
  CHECK(s.within_1sd == Approx(1.0 / std::sqrt(3.0)).margin(0.01));  // P(|w| < a/√3)
}

void check_normal(const MatD& w, double sigma) {
  const Stats s = stats_of(w, sigma);
  CHECK(std::abs(s.mean) < 5 * sigma / std::sqrt(double(w.size())));
  CHECK(s.std == Approx(sigma).epsilon(0.015));
  CHECK(s.within_1sd == Approx(0.682689).margin(0.01));  // P(|z| < 1), unlike a uniform's 0.577
  CHECK(s.max > 3.5 * sigma);                            // tails exist (P(none) ≈ 1e-6)...
  CHECK(s.max < 6.0 * sigma);                            // ...but stay normal-sized
  CHECK(s.min < -3.5 * sigma);
  CHECK(s.min > -6.0 * sigma);
}

}  // namespace

TEST_CASE("xavier_uniform and xavier_normal: Var = gain²·2/(fan_in + fan_out)") {
  aib::Rng rng(1);
  const MatD u = aib::xavier_uniform<double>(256, 256, rng);
  CHECK(u.rows() == 256);
  CHECK(u.cols() == 256);
  check_uniform(u, std::sqrt(6.0 / 512));
  check_uniform(aib::xavier_uniform<double>(256, 256, rng, 5.0 / 3.0),
                5.0 / 3.0 * std::sqrt(6.0 / 512));
  check_normal(aib::xavier_normal<double>(256, 256, rng), std::sqrt(2.0 / 512));
  // Not square: fan_in + fan_out = 512 + 128.
  const MatD n = aib::xavier_normal<double>(512, 128, rng, 2.0);
  CHECK(n.rows() == 512);
  CHECK(n.cols() == 128);
  check_normal(n, 2.0 * std::sqrt(2.0 / 640));
}

TEST_CASE("kaiming_uniform and kaiming_normal: Var = gain²/fan_in with fan_in = rows = D_in") {
  aib::Rng rng(2);
  check_uniform(aib::kaiming_uniform<double>(256, 256, rng), std::sqrt(2.0) * std::sqrt(3.0 / 256));
  check_normal(aib::kaiming_normal<double>(256, 256, rng), std::sqrt(2.0 / 256));
  // The fan is the number of rows (inputs), not columns: (64, 1024) and (1024, 64) differ by 4x.
  check_normal(aib::kaiming_normal<double>(64, 1024, rng), std::sqrt(2.0 / 64));
  check_normal(aib::kaiming_normal<double>(1024, 64, rng), std::sqrt(2.0 / 1024));
  check_uniform(aib::kaiming_uniform<double>(64, 1024, rng, aib::init_gain("tanh")),
                5.0 / 3.0 * std::sqrt(3.0 / 64));
  check_normal(aib::kaiming_normal<double>(256, 256, rng, 1.0), 1.0 / 16);
}

TEST_CASE("gpt2_normal: N(0, 0.02²) whatever the shape") {
  aib::Rng rng(3);
  check_normal(aib::gpt2_normal<double>(256, 256, rng), 0.02);
  check_normal(aib::gpt2_normal<double>(16, 4096, rng), 0.02);
  check_normal(aib::gpt2_normal<double>(256, 256, rng, 0.02 / std::sqrt(24.0)),
               0.02 / std::sqrt(24.0));
}

TEST_CASE("init: float is the double draw rounded; same seed, same matrix; pinned values") {
  const std::function<Mat(aib::Rng&)> f[] = {
      [](aib::Rng& r) { return aib::xavier_uniform(4, 3, r); },
      [](aib::Rng& r) { return aib::xavier_normal(4, 3, r); },
      [](aib::Rng& r) { return aib::kaiming_uniform(4, 3, r); },
      [](aib::Rng& r) { return aib::kaiming_normal(4, 3, r); },
      [](aib::Rng& r) { return aib::gpt2_normal(4, 3, r); }};
  const std::function<MatD(aib::Rng&)> d[] = {
      [](aib::Rng& r) { return aib::xavier_uniform<double>(4, 3, r); },
      [](aib::Rng& r) { return aib::xavier_normal<double>(4, 3, r); },
      [](aib::Rng& r) { return aib::kaiming_uniform<double>(4, 3, r); },
      [](aib::Rng& r) { return aib::kaiming_normal<double>(4, 3, r); },
      [](aib::Rng& r) { return aib::gpt2_normal<double>(4, 3, r); }};
  for (int i = 0; i < 5; ++i) {
    INFO("initializer " << i);
    aib::Rng a(42), b(42), c(43), e(42);
    const Mat first = f[i](a);
    CHECK(first.rows() == 4);
    CHECK(first.cols() == 3);
    CHECK(first == f[i](b));                // same seed, same matrix
    CHECK(first != f[i](c));                // another seed, another matrix
    CHECK(first != f[i](a));                // the generator moved on
    CHECK(first == d[i](e).cast<float>());  // float = the double draw, rounded
  }
  // Pinned: the first three values for seed 7 (PCG32 stream 54), a regression check.
  aib::Rng r1(7), r2(7), r3(7);
  const Mat xu = aib::xavier_uniform(4, 3, r1);
  const Mat kn = aib::kaiming_normal(4, 3, r2);
  const MatD gd = aib::gpt2_normal<double>(4, 3, r3);
  CHECK(xu(0, 0) == Approx(0.262780726).epsilon(1e-6));
  CHECK(xu(0, 1) == Approx(-0.741046846).epsilon(1e-6));
  CHECK(xu(0, 2) == Approx(0.41352886).epsilon(1e-6));
  CHECK(kn(0, 0) == Approx(0.820652187).epsilon(1e-6));
  CHECK(kn(0, 1) == Approx(0.59457773).epsilon(1e-6));
  CHECK(gd(0, 0) == Approx(0.02321154953930225).epsilon(1e-12));
  // The same values from the generator and the formula, independently of the pins.
  aib::Rng q(7);
  const double a = std::sqrt(6.0 / 7.0);
  CHECK(xu(0, 0) == static_cast<float>(-a + 2 * a * q.uniform_double()));
  aib::Rng z(7);
  CHECK(kn(0, 0) == static_cast<float>(std::sqrt(2.0 / 4.0) * z.normal_double()));
}

TEST_CASE("init_gain follows torch.nn.init.calculate_gain") {
  CHECK(aib::init_gain("linear") == 1.0);
  CHECK(aib::init_gain("sigmoid") == 1.0);
  CHECK(aib::init_gain("tanh") == Approx(5.0 / 3.0));
  CHECK(aib::init_gain("relu") == Approx(1.4142135623730951));
  CHECK(aib::init_gain("leaky_relu") == Approx(std::sqrt(2.0 / (1 + 1e-4))));
  CHECK(aib::init_gain("leaky_relu", 0.2) == Approx(std::sqrt(2.0 / 1.04)));
  CHECK(aib::init_gain("selu") == 0.75);
  CHECK_THAT(aib_test::message_of([] { aib::init_gain("gelu"); }),
             Contains("init_gain: unknown nonlinearity 'gelu'"));
}

TEST_CASE("init errors: sizes and gains") {
  using aib_test::message_of;
  aib::Rng rng(0);
  CHECK_THAT(message_of([&] { aib::xavier_uniform(0, 3, rng); }),
             Contains("xavier_uniform: shape (0, 3) needs rows >= 1 and cols >= 1"));
  CHECK_THAT(message_of([&] { aib::xavier_normal(3, -2, rng); }),
             Contains("xavier_normal: shape (3, -2)"));
  CHECK_THAT(message_of([&] { aib::kaiming_uniform(-1, -1, rng); }),
             Contains("kaiming_uniform: shape (-1, -1)"));
  CHECK_THAT(message_of([&] { aib::kaiming_normal<double>(5, 0, rng); }),
             Contains("kaiming_normal: shape (5, 0)"));
  CHECK_THAT(message_of([&] { aib::gpt2_normal(0, 0, rng); }),
             Contains("gpt2_normal: shape (0, 0)"));
  CHECK_THAT(message_of([&] { aib::xavier_uniform(3, 3, rng, -1.0); }),
             Contains("xavier_uniform: gain = -1; it must be finite and > 0"));
  CHECK_THAT(message_of([&] { aib::kaiming_normal(3, 3, rng, std::nan("")); }),
             Contains("kaiming_normal: gain = nan"));
  CHECK_THAT(message_of([&] { aib::gpt2_normal(3, 3, rng, 0.0); }),
             Contains("gpt2_normal: stddev = 0"));
  CHECK_THAT(
      message_of([&] { aib::gpt2_normal(3, 3, rng, std::numeric_limits<double>::infinity()); }),
      Contains("gpt2_normal: stddev = inf"));
}
