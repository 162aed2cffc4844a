// aib/nn/linear.hpp — the affine layer Y = X·W + b.
//
// Shapes: X (T, D_in), W (D_in, D_out), b (1, D_out) added to every row, Y (T, D_out).
// Note the layout: our W is the transpose of PyTorch's nn.Linear.weight (out, in), so a
// PyTorch weight loads as W = weightᵀ. Default init is PyTorch's: U(−1/√D_in, 1/√D_in) for
// both W and b (Kaiming-uniform with a = √5 reduces to this bound).
// Leaves out: fused activation, low-rank adapters.
#pragma once

#include <cmath>
#include <string>

#include "aib/autograd/ops.hpp"
#include "aib/core/random.hpp"
#include "aib/nn/module.hpp"

namespace aib {

template <class S>
struct LinearT {
  TensorT<S> weight;  // (D_in, D_out)
  TensorT<S> bias;    // (1, D_out), empty handle when the layer has no bias

  LinearT() = default;
  LinearT(Index d_in, Index d_out, Rng& rng, bool with_bias = true) {
    if (d_in < 1 || d_out < 1) fail("Linear: sizes must be >= 1, got ({}, {})", d_in, d_out);
    const double bound = 1.0 / std::sqrt(static_cast<double>(d_in));
    const auto draw = [&](Index r, Index c) {
      MatT<S> m(r, c);
      for (Index i = 0; i < m.size(); ++i)
        m.data()[i] = static_cast<S>(-bound + 2 * bound * rng.uniform_double());
      return m;
    };
    weight = TensorT<S>::parameter(draw(d_in, d_out));
    if (with_bias) bias = TensorT<S>::parameter(draw(1, d_out));
  }

  Index in_features() const { return weight.rows(); }
  Index out_features() const { return weight.cols(); }

  // (T, D_in) -> (T, D_out)
  TensorT<S> forward(const TensorT<S>& x) const {
    if (x.cols() != in_features())
      throw ShapeError(fmt::format("Linear: input has shape {}, expected (T, {})", x.shape(),
                                   in_features()));
    return bias.defined() ? affine(x, weight, bias) : matmul(x, weight);  // (T, D_out) X·W + b
  }

  ParametersT<S> parameters(const std::string& prefix = "") const {
    ParametersT<S> out{{join_name(prefix, "weight"), weight}};
    if (bias.defined()) out.push_back({join_name(prefix, "bias"), bias});
    return out;
  }
};
using Linear = LinearT<float>;

}  // namespace aib
