// Tests for aib/nn/softmax_regression.hpp: shapes, a hand-computable loss, gradient check,
// and learning a separable problem.
#include <cmath>

#include "catch.hpp"

#include "aib/core/random.hpp"
#include "aib/nn/softmax_regression.hpp"

using aib::MatD;

TEST_CASE("shapes and probabilities") {
  aib::SoftmaxRegression m(5, 3);
  aib::Rng rng(0);
  m.W = rng.normal_mat(5, 3);
  const aib::Mat X = rng.normal_mat(7, 5);
  const aib::Mat P = m.predict_proba(X);
  CHECK(P.rows() == 7);
  CHECK(P.cols() == 3);
  for (aib::Index n = 0; n < 7; ++n) CHECK(P.row(n).sum() == Approx(1.f));
  CHECK(m.predict(X).size() == 7);
  CHECK_THROWS_WITH(m.logits(aib::Mat(7, 4)),
                    "SoftmaxRegression: X has shape (7, 4), expected (any, 5)");
}

TEST_CASE("at zero weights the loss is log K") {
  aib::SoftmaxRegressionT<double> m(2, 4);
  MatD X(3, 2);
  X << 1, 2, 3, 4, 5, 6;
  CHECK(m.loss(X, {0, 3, 1}, 0.0) == Approx(std::log(4.0)));
  // With decay: + λ/2 ‖W‖²; W = all ones (8 entries), λ = 0.5 -> +2, logits shift equally per row
  m.W.setOnes();
  CHECK(m.loss(X, {0, 3, 1}, 0.5) == Approx(std::log(4.0) + 2.0));
}

TEST_CASE("hand-written gradients match central differences (double)") {
  aib::Rng rng(12);
  aib::SoftmaxRegressionT<double> m(4, 3);
  m.W = rng.normal_mat(4, 3).cast<double>();
  m.b = rng.normal_mat(1, 3).cast<double>();
  const MatD X = rng.normal_mat(6, 4).cast<double>();
  const std::vector<aib::Index> y = {0, 2, 1, 1, 0, 2};
  const double l2 = 0.3, h = 1e-6, tol = 1e-7;
  MatD dW;
  aib::RowVecD db;
  m.loss(X, y, l2, &dW, &db);
  int checked = 0;
  for (aib::Index i = 0; i < m.W.size(); ++i) {
    const double w0 = m.W.data()[i];
    m.W.data()[i] = w0 + h;
    const double up = m.loss(X, y, l2);
    m.W.data()[i] = w0 - h;
    const double down = m.loss(X, y, l2);
    m.W.data()[i] = w0;
    CHECK(dW.data()[i] == Approx((up - down) / (2 * h)).margin(tol));
    ++checked;
  }
  for (aib::Index k = 0; k < 3; ++k) {
    const double b0 = m.b(k);
    m.b(k) = b0 + h;
    const double up = m.loss(X, y, l2);
    m.b(k) = b0 - h;
    const double down = m.loss(X, y, l2);
    m.b(k) = b0;
    CHECK(db(k) == Approx((up - down) / (2 * h)).margin(tol));
    ++checked;
  }
  CHECK(checked == 15);
}

TEST_CASE("gradient descent separates three clusters") {
  aib::Rng rng(5);
  const int per_class = 30;
  aib::Mat X(3 * per_class, 2);
  std::vector<aib::Index> y;
  const float cx[3] = {-3.f, 3.f, 0.f}, cy[3] = {0.f, 0.f, 4.f};
  for (int k = 0; k < 3; ++k)
    for (int i = 0; i < per_class; ++i) {
      X.row(k * per_class + i) << cx[k] + 0.5f * rng.normal(), cy[k] + 0.5f * rng.normal();
      y.push_back(k);
    }
  aib::SoftmaxRegression m(2, 3);
  const std::vector<float> history = m.fit(X, y, 200, 0.5f, 0.f);
  CHECK(history.front() == Approx(std::log(3.f)));
  CHECK(history.back() < 0.1f * history.front());
  const auto pred = m.predict(X);
  int correct = 0;
  for (std::size_t n = 0; n < y.size(); ++n) correct += pred[n] == y[n];
  CHECK(correct == 3 * per_class);
}

TEST_CASE("bad labels and sizes are named") {
  aib::SoftmaxRegression m(2, 3);
  const aib::Mat X = aib::Mat::Zero(2, 2);
  CHECK_THROWS_WITH(m.loss(X, {0}, 0.f), "SoftmaxRegression::loss: X has 2 rows but there are 1 labels");
  CHECK_THROWS_WITH(m.loss(X, {0, 3}, 0.f),
                    "SoftmaxRegression::loss: label 3 of sample 1 is outside [0, 3)");
  CHECK_THROWS_AS(aib::SoftmaxRegression(2, 1), aib::Error);
  CHECK_THROWS_AS(m.fit(X, {0, 1}, 10, -1.f, 0.f), aib::Error);
}
