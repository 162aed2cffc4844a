// aib/nn/softmax_regression.hpp — multinomial logistic regression, the classic classifier.
//
// Shapes: X (N, D) features, one sample per row; W (D, K); b (1, K); K classes.
//   logits Z = X·W + b (N, K),  P = softmax(Z) row-wise,  loss = −(1/N) Σ_n log P[n, y_n]
//   + (λ/2)·‖W‖²  (cross-entropy with L2 weight decay; the bias is not decayed).
// The model answers p(class | x): it can rank K labels but cannot produce an x — which is the
// difference between classification and generation that episode 02 shows.
// Gradients are written by hand (no autograd): dZ = (P − Y)/N, dW = Xᵀ·dZ + λW, db = Σ_n dZ.
// Leaves out: mini-batches and fancy optimizers (full-batch gradient descent is enough here).
#pragma once

#include <cmath>
#include <vector>

#include "aib/core/check.hpp"
#include "aib/core/numeric.hpp"
#include "aib/core/types.hpp"

namespace aib {

template <class S>
struct SoftmaxRegressionT {
  MatT<S> W;     // (D, K)
  RowVecT<S> b;  // (1, K)

  SoftmaxRegressionT(Index D, Index K) : W(MatT<S>::Zero(D, K)), b(RowVecT<S>::Zero(K)) {
    if (D < 1 || K < 2) fail("SoftmaxRegression: need D >= 1 and K >= 2, got D = {}, K = {}", D, K);
  }
  Index num_features() const { return W.rows(); }
  Index num_classes() const { return W.cols(); }

  // ---- forward --------------------------------------------------------------------------------
  MatT<S> logits(const MatT<S>& X) const {  // (N, D) -> (N, K)
    check_shape("SoftmaxRegression", "X", X, any, num_features());
    MatT<S> Z = X * W;  // (N, K)
    Z.rowwise() += b;
    return Z;
  }
  MatT<S> predict_proba(const MatT<S>& X) const { return softmax(logits(X)); }  // (N, K)
  std::vector<Index> predict(const MatT<S>& X) const {                           // (N)
    const MatT<S> Z = logits(X);
    std::vector<Index> out(static_cast<std::size_t>(Z.rows()));
    for (Index n = 0; n < Z.rows(); ++n) Z.row(n).maxCoeff(&out[static_cast<std::size_t>(n)]);
    return out;
  }

  // ---- loss, and its backward right below ---------------------------------------------------------
  // Returns the loss; when dW/db are given, also writes ∂loss/∂W (D, K) and ∂loss/∂b (1, K).
  S loss(const MatT<S>& X, const std::vector<Index>& y, S l2, MatT<S>* dW = nullptr,
         RowVecT<S>* db = nullptr) const {
    const Index N = X.rows();
    if (N < 1) fail("SoftmaxRegression::loss: X has no rows");
    if (static_cast<Index>(y.size()) != N)
      fail("SoftmaxRegression::loss: X has {} rows but there are {} labels", N, y.size());
    for (std::size_t n = 0; n < y.size(); ++n)
      if (y[n] < 0 || y[n] >= num_classes())
        fail("SoftmaxRegression::loss: label {} of sample {} is outside [0, {})", y[n], n,
             num_classes());
    const MatT<S> logp = log_softmax(logits(X));  // (N, K)
    S nll = 0;
    for (Index n = 0; n < N; ++n) nll -= logp(n, y[static_cast<std::size_t>(n)]);
    const S value = nll / S(N) + S(0.5) * l2 * W.squaredNorm();
    if (dW == nullptr && db == nullptr) return value;

    // ∂loss/∂Z = (P − Y) / N, where Y is the one-hot label matrix.
    MatT<S> dZ = logp.array().exp().matrix();  // (N, K), P
    for (Index n = 0; n < N; ++n) dZ(n, y[static_cast<std::size_t>(n)]) -= S(1);
    dZ /= S(N);
    if (dW) *dW = X.transpose() * dZ + l2 * W;  // ∂/∂W: Xᵀ·dZ from the data, λW from the decay
    if (db) *db = dZ.colwise().sum();           // ∂/∂b: the bias is added to every row
    return value;
  }

  // Full-batch gradient descent; returns the loss before each step.
  std::vector<S> fit(const MatT<S>& X, const std::vector<Index>& y, int steps, S learning_rate,
                     S l2) {
    if (steps < 0 || !(learning_rate > 0))
      fail("SoftmaxRegression::fit: need steps >= 0 and learning_rate > 0, got {} and {}", steps,
           learning_rate);
    std::vector<S> history;
    MatT<S> dW;
    RowVecT<S> db;
    for (int step = 0; step < steps; ++step) {
      history.push_back(loss(X, y, l2, &dW, &db));
      W -= learning_rate * dW;
      b -= learning_rate * db;
    }
    return history;
  }
};

using SoftmaxRegression = SoftmaxRegressionT<float>;

}  // namespace aib
