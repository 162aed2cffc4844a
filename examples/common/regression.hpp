// regression.hpp — episode 28's training ground for feed-forward blocks: a random teacher to
// regress on, a harness that runs a block alone or inside a residual stream, and the loop.
//
// Teacher: x ~ N(0, I) in D dimensions, y = tanh(x·A + c)·B, standardised so that predicting the
// mean scores a loss of 1. train_regression() runs Adam with cosine decay on mse_loss, each step
// on fresh rows, and returns the held-out loss. Leaves out: minibatch shuffling (every sample is
// used once), early stopping, weight decay.
#pragma once

#include <cmath>
#include <utility>

#include "aib/autograd/losses.hpp"
#include "aib/autograd/optim.hpp"
#include "aib/core/random.hpp"
#include "aib/nn/ffn.hpp"
#include "aib/nn/linear.hpp"
#include "aib/nn/module.hpp"

namespace aib::toy {

// The task: x ~ N(0, I) in D dimensions, target = tanh(x·A + c)·B, a fixed random teacher,
// standardised per column so that a loss of 1 is what predicting the mean scores.
struct Teacher {
  Mat A;               // (D, 2D)
  Mat c;               // (1, 2D)
  Mat B;               // (2D, D)
  RowVec mean, scale;  // (1, D)

  Teacher(Index D, Rng& rng)
      : A(rng.normal_mat(D, 2 * D, 0.f, 1.5f / std::sqrt(static_cast<float>(D)))),
        c(rng.normal_mat(1, 2 * D)),
        B(rng.normal_mat(2 * D, D, 0.f, 1.f / std::sqrt(static_cast<float>(2 * D)))),
        mean(RowVec::Zero(D)),
        scale(RowVec::Ones(D)) {
    const Mat y = sample(4096, rng).second;  // (4096, D) before standardising
    mean = y.colwise().mean();
    scale = (y.rowwise() - mean).array().square().colwise().mean().sqrt().matrix();
  }
  std::pair<Mat, Mat> sample(Index n, Rng& rng) const {  // (n, D), (n, D)
    Mat x = rng.normal_mat(n, A.rows());                 // (n, D)
    Mat z = x * A;                                       // (n, 2D)
    z.rowwise() += c.row(0);
    const Mat y = z.array().tanh().matrix() * B;  // (n, D)
    return {x, ((y.rowwise() - mean).array().rowwise() / scale.array()).matrix()};
  }
};

// A feed-forward block alone, or the way a Transformer uses it: inside a residual stream read by
// a linear head, prediction = (x + ffn(x))·W_head. No block at all: prediction = x·W_head.
template <class Block>
struct Harness {
  const Block* block;  // may be null
  Linear head;         // (D, D), no bias; only when `residual`
  bool residual;
  Tensor forward(const Tensor& x) const {  // (B, D) -> (B, D)
    if (!residual) return block->forward(x);
    return head.forward(block ? add(x, block->forward(x)) : x);
  }
  Parameters parameters() const {
    Parameters p = block ? block->parameters("ffn") : Parameters{};
    if (residual) append(p, head.parameters("head"));
    return p;
  }
};

struct Setup {
  int steps, batch;  // Adam steps, fresh rows per step
  double lr;         // peak learning rate (cosine decay to 0)
};

// Adam with a cosine schedule; step s reads rows [s·B, (s + 1)·B) of the training stream, so
// every model sees the same fresh samples in the same order. Returns the held-out loss.
template <class Model>
double train_regression(const Model& model, const Mat& x_train, const Mat& y_train,
                        const Mat& x_test, const Mat& y_test, const Setup& setup) {
  Adam opt(tensors_of(model.parameters()), setup.lr);
  for (int s = 0; s < setup.steps; ++s) {
    const Index first = static_cast<Index>(s) * setup.batch;
    const Tensor x(x_train.middleRows(first, setup.batch));  // (B, D)
    const Tensor y(y_train.middleRows(first, setup.batch));  // (B, D)
    opt.set_lr(cosine_annealing(s, setup.steps, setup.lr));
    opt.zero_grad();
    mse_loss(model.forward(x), y).backward();
    opt.step();
  }
  NoGrad no_grad;
  return mse_loss(model.forward(Tensor(x_test)), Tensor(y_test)).item();
}

}  // namespace aib::toy
