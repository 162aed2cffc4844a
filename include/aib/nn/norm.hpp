// aib/nn/norm.hpp — LayerNorm and RMSNorm as layers: the functions of autograd/norms.hpp plus
// their learned gain (and bias); Norm, either one as a model's config says.
//
// Shapes: x (T, D) -> (T, D); weight γ (1, D) starts at 1, bias β (1, D) at 0, so a fresh layer
// only standardises each token. Names follow PyTorch: "weight", "bias".
// Leaves out: elementwise_affine = false (set the weight's requires_grad off instead).
#pragma once

#include <string>

#include "aib/autograd/activations.hpp"
#include "aib/autograd/norms.hpp"
#include "aib/nn/module.hpp"

namespace aib {

template <class S>
struct LayerNormT {
  TensorT<S> weight;  // (1, D) γ
  TensorT<S> bias;    // (1, D) β
  S eps = S(1e-5);

  LayerNormT() = default;
  explicit LayerNormT(Index dim, S epsilon = S(1e-5))
      : weight(TensorT<S>::parameter(MatT<S>::Ones(1, dim))),
        bias(TensorT<S>::parameter(MatT<S>::Zero(1, dim))),
        eps(epsilon) {
    if (dim < 1) fail("LayerNorm: dim must be >= 1, got {}", dim);
  }
  TensorT<S> forward(const TensorT<S>& x) const { return layernorm(x, weight, bias, eps); }
  ParametersT<S> parameters(const std::string& prefix = "") const {
    return {{join_name(prefix, "weight"), weight}, {join_name(prefix, "bias"), bias}};
  }
};
using LayerNorm = LayerNormT<float>;

template <class S>
struct RMSNormT {
  TensorT<S> weight;  // (1, D) γ
  S eps = S(1e-6);

  RMSNormT() = default;
  explicit RMSNormT(Index dim, S epsilon = S(1e-6))
      : weight(TensorT<S>::parameter(MatT<S>::Ones(1, dim))), eps(epsilon) {
    if (dim < 1) fail("RMSNorm: dim must be >= 1, got {}", dim);
  }
  TensorT<S> forward(const TensorT<S>& x) const { return rmsnorm(x, weight, eps); }
  ParametersT<S> parameters(const std::string& prefix = "") const {
    return {{join_name(prefix, "weight"), weight}};
  }
};
using RMSNorm = RMSNormT<float>;

// LayerNorm or RMSNorm, chosen at run time: a model's config picks one (GPT-2: LayerNorm, LLaMA:
// RMSNorm). Both call their gain "weight": a model's parameter names do not depend on the choice.
template <class S>
struct NormT {
  bool layer = true;
  LayerNormT<S> ln;  // (1, D) γ, β  when layer
  RMSNormT<S> rms;   // (1, D) γ     otherwise

  NormT() = default;
  NormT(Index dim, bool layernorm) : layer(layernorm) {
    if (layer)
      ln = LayerNormT<S>(dim);
    else
      rms = RMSNormT<S>(dim);
  }
  TensorT<S> forward(const TensorT<S>& x) const { return layer ? ln.forward(x) : rms.forward(x); }
  ParametersT<S> parameters(const std::string& prefix = "") const {
    return layer ? ln.parameters(prefix) : rms.parameters(prefix);
  }
};
using Norm = NormT<float>;

// Dropout as a layer: active while `training`, the identity otherwise.
struct Dropout {
  double p = 0.1;
  bool training = true;
  template <class S>
  TensorT<S> forward(const TensorT<S>& x, Rng& rng) const {
    return dropout(x, p, rng, training);
  }
};

}  // namespace aib
