// Tests for aib/core/numeric.hpp: stability at extreme logits, hand-computable values, shapes.
#include <cmath>
#include <cstddef>
#include <limits>

#include "catch.hpp"

#include "aib/core/numeric.hpp"
#include "aib/core/random.hpp"
#include "aib/core/reproducible.hpp"
#include "aib/core/types.hpp"

using aib::Mat;
using aib::MatD;

TEST_CASE("softmax of logs of 1, 2, 3 is 1/6, 2/6, 3/6") {
  MatD x(1, 3);
  x << 0.0, std::log(2.0), std::log(3.0);
  const MatD p = aib::softmax(x);
  CHECK(p(0, 0) == Approx(1.0 / 6));
  CHECK(p(0, 1) == Approx(2.0 / 6));
  CHECK(p(0, 2) == Approx(3.0 / 6));
  CHECK(aib::logsumexp(x)(0) == Approx(std::log(6.0)));
  const MatD lp = aib::log_softmax(x);
  CHECK(lp(0, 2) == Approx(std::log(0.5)));
}

TEST_CASE("logits of +-1e4 neither overflow nor lose the winner") {
  Mat x(2, 3);
  x << 1e4f, 0.f, -1e4f,  //
      -1e4f, -1e4f + 1.f, -1e4f;
  const Mat p = aib::softmax(x);
  REQUIRE(p.allFinite());
  CHECK(p(0, 0) == 1.f);
  CHECK(p(0, 2) == 0.f);
  // Row 2: shifted by its max, it is softmax([-1, 0, -1]) exactly.
  const double e = std::exp(-1.0), z = 2 * e + 1;
  CHECK(p(1, 1) == Approx(1 / z).epsilon(1e-6));
  CHECK(p(1, 0) == Approx(e / z).epsilon(1e-6));
  const aib::Vec lse = aib::logsumexp(x);
  CHECK(lse(0) == Approx(1e4f));
  CHECK(lse(1) == Approx(-1e4 + 1 + std::log(z)).epsilon(1e-7));
  const Mat lp = aib::log_softmax(x);
  REQUIRE(lp.allFinite());  // log of an underflowed probability is still a finite number here
  CHECK(lp(0, 2) == Approx(-2e4f));
  CHECK(aib::sigmoid(1e4f) == 1.f);
  CHECK(aib::sigmoid(-1e4f) == 0.f);
  CHECK(aib::sigmoid(-100.0) == Approx(std::exp(-100.0)).epsilon(1e-12));
}

TEST_CASE("all-equal rows give the uniform distribution") {
  Mat x = Mat::Constant(3, 4, 7.5f);
  x.row(2).setConstant(-3e4f);
  const Mat p = aib::softmax(x);
  CHECK((p.array() == 0.25f).all());
  const aib::Vec lse = aib::logsumexp(x);
  CHECK(lse(0) == Approx(7.5 + std::log(4.0)));
  CHECK(lse(2) == Approx(-3e4 + std::log(4.0)));
}

TEST_CASE("a single column is probability 1 and log-probability 0") {
  Mat x(3, 1);
  x << -5.f, 0.f, 1e4f;
  CHECK((aib::softmax(x).array() == 1.f).all());
  CHECK((aib::log_softmax(x).array() == 0.f).all());
  CHECK(aib::logsumexp(x).isApprox(aib::Vec(x.col(0))));
}

TEST_CASE("rows of random logits sum to 1 and match the double computation") {
  aib::Rng rng(4);
  const Mat x = rng.normal_mat(16, 50, 0.f, 5.f);
  const Mat p = aib::softmax(x);
  const MatD pd = aib::softmax(MatD(x.cast<double>()));
  CHECK(p.rows() == 16);
  CHECK(p.cols() == 50);
  for (aib::Index i = 0; i < p.rows(); ++i) CHECK(p.row(i).sum() == Approx(1.f).epsilon(1e-6));
  CHECK((p.cast<double>() - pd).cwiseAbs().maxCoeff() < 1e-6);
  CHECK((aib::log_softmax(x).array().exp() - p.array()).abs().maxCoeff() < 1e-6f);
}

TEST_CASE("sigmoid is symmetric and matches its definition") {
  MatD x(1, 5);
  x << -3, -0.5, 0, 0.5, 3;
  const MatD s = aib::sigmoid(x);
  for (int j = 0; j < 5; ++j) {
    CHECK(s(0, j) == Approx(1 / (1 + std::exp(-x(0, j)))));
    CHECK(s(0, j) + s(0, 4 - j) == Approx(1.0));
  }
}

TEST_CASE("empty rows are fine, zero columns are an error that names the shape") {
  CHECK(aib::softmax(Mat(0, 4)).rows() == 0);
  CHECK(aib::logsumexp(Mat(0, 4)).size() == 0);
  CHECK_THROWS_WITH(aib::softmax(Mat(2, 0)),
                    "softmax: x has shape (2, 0); expected at least 1 column");
  CHECK_THROWS_AS(aib::log_softmax(Mat(2, 0)), aib::ShapeError);
  CHECK_THROWS_AS(aib::logsumexp(Mat(2, 0)), aib::ShapeError);
}

TEST_CASE("non-finite logits follow PyTorch: -inf entries get probability 0, NaN spreads") {
  const float inf = std::numeric_limits<float>::infinity();
  Mat x(2, 3);
  x << 0.f, -inf, 0.f,  //
      1.f, std::nanf(""), 2.f;
  const Mat p = aib::softmax(x);
  CHECK(p(0, 0) == 0.5f);
  CHECK(p(0, 1) == 0.f);
  CHECK(std::isnan(p(1, 0)));
  // Exactly 0 in double as well (Eigen's vectorised exp alone would give a tiny positive value).
  aib::MatD xd(1, 4);
  xd << 1.0, -std::numeric_limits<double>::infinity(), 2.0,
      -std::numeric_limits<double>::infinity();
  const aib::MatD pd = aib::softmax(xd);
  CHECK(pd(0, 1) == 0.0);
  CHECK(pd(0, 3) == 0.0);
  CHECK(pd(0, 0) + pd(0, 2) == Approx(1.0));
  Mat all_masked = Mat::Constant(1, 3, -inf);
  CHECK(aib::logsumexp(all_masked)(0) == -inf);
}

TEST_CASE("fix_product_blocking gives a product the same bits whatever cache Eigen detected") {
  aib::Rng rng(3);
  const aib::Mat a = rng.normal_mat(48, 4000);  // (48, K): K spans several inner blocks
  const aib::Mat b = rng.normal_mat(4000, 48);  // (K, 48)
  const auto product_planned_for = [&](std::ptrdiff_t l1) {
    Eigen::setCpuCacheSizes(l1, 512 * 1024, 8 * 1024 * 1024);  // as another CPU would report
    aib::fix_product_blocking();
    CHECK(Eigen::l1CacheSize() == aib::kPlannedL1);
    CHECK(Eigen::l2CacheSize() == aib::kPlannedL2);
    const aib::Mat c = a * b;  // (48, 48)
    return c;
  };
  const aib::Mat small_l1 = product_planned_for(16 * 1024);
  const aib::Mat large_l1 = product_planned_for(64 * 1024);
  CHECK((small_l1.array() == large_l1.array()).all());
  // Without the fix, the blocking (and so the rounding) does follow the detected cache.
  Eigen::setCpuCacheSizes(16 * 1024, 512 * 1024, 8 * 1024 * 1024);
  const aib::Mat unplanned_small = a * b;  // (48, 48)
  Eigen::setCpuCacheSizes(64 * 1024, 512 * 1024, 8 * 1024 * 1024);
  const aib::Mat unplanned_large = a * b;  // (48, 48)
  CHECK_FALSE((unplanned_small.array() == unplanned_large.array()).all());
  aib::fix_product_blocking();
}
