// aib/nn/dense.hpp — a stack of fully connected layers: the MLP every generative model is built of.
//
// Shapes: x (B, widths[0]) -> (B, widths[L]), L = widths.size() − 1 linear layers.
//   h_0 = x,   h_i = act(h_{i−1}·W_i + b_i) for i < L,   y = h_{L−1}·W_L + b_L   (no act at the
//   end)
// The encoder and decoder of the autoencoder and the VAE, the coupling networks of RealNVP, the
// GAN's two players and the diffusion model's ε-network are each one DenseNet (or a few). The
// output is left linear: a model adds its own sigmoid, tanh bound or split into (μ, log σ²).
// Parameter names are those of PyTorch's nn.Sequential(Linear, act, Linear, …): the linear layers
// sit at the even positions, so "0.weight", "0.bias", "2.weight", … and a state_dict loads by name
// (our W is the transpose of PyTorch's weight, as in linear.hpp).
// Leaves out: normalisation and dropout between layers, per-layer activations, residual blocks.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "aib/nn/ffn.hpp"
#include "aib/nn/linear.hpp"
#include "aib/nn/module.hpp"

namespace aib {

template <class S>
struct DenseNetT {
  std::vector<LinearT<S>> layers;  // layers[i]: (widths[i], widths[i + 1])
  Activation act = Activation::relu;

  DenseNetT() = default;
  DenseNetT(const std::vector<Index>& widths, Rng& rng, Activation activation = Activation::relu)
      : act(activation) {
    if (widths.size() < 2)
      fail("DenseNet: need at least an input and an output width, got {} width(s)", widths.size());
    for (std::size_t i = 0; i < widths.size(); ++i)
      if (widths[i] < 1)
        fail("DenseNet: width {} (position {} of [{}]) must be >= 1", widths[i], i,
             fmt::join(widths, ", "));
    layers.reserve(widths.size() - 1);
    for (std::size_t i = 0; i + 1 < widths.size(); ++i)
      layers.emplace_back(widths[i], widths[i + 1], rng);
  }

  Index in_features() const { return layers.empty() ? 0 : layers.front().in_features(); }
  Index out_features() const { return layers.empty() ? 0 : layers.back().out_features(); }

  // (B, widths[0]) -> (B, widths[L])
  TensorT<S> forward(const TensorT<S>& x) const {
    if (layers.empty()) fail("DenseNet: forward on an empty (default-constructed) network");
    if (x.cols() != in_features())
      throw ShapeError(
          fmt::format("DenseNet: input has shape {}, expected (B, {})", x.shape(), in_features()));
    TensorT<S> h = layers.front().forward(x);  // (B, widths[1])
    for (std::size_t i = 1; i < layers.size(); ++i)
      h = layers[i].forward(activate(h, act));  // (B, widths[i + 1])
    return h;
  }

  ParametersT<S> parameters(const std::string& prefix = "") const {
    ParametersT<S> out;
    for (std::size_t i = 0; i < layers.size(); ++i)
      append(out, layers[i].parameters(join_name(prefix, std::to_string(2 * i))));
    return out;
  }
};
using DenseNet = DenseNetT<float>;

}  // namespace aib
