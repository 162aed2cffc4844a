// aib/nn/ffn.hpp — the feed-forward block of a Transformer: each token, on its own, through an MLP.
//
// Shapes: x (T, D) -> (T, D), hidden width F.
//   MLP (GPT-2):      y = act(x·W_up + b_up)·W_down + b_down,            F = 4D by convention
//   gated (GLU family, Shazeer 2020 "GLU Variants Improve Transformer"):
//                     y = (act(x·W_gate) ⊙ (x·W_up))·W_down,  SwiGLU: act = SiLU, GeGLU: act = GELU
// A gated block has three matrices instead of two, so LLaMA shrinks F to ⅔·4D = 8D/3 (rounded up
// to a multiple, 256 in LLaMA) to keep the parameter count of a 4D MLP.
// Leaves out: mixture-of-experts routing, dropout inside the block (apply it outside).
#pragma once

#include <string>
#include <utility>

#include "aib/autograd/activations.hpp"
#include "aib/nn/linear.hpp"

namespace aib {

enum class Activation { relu, gelu, gelu_tanh, silu, tanh, sigmoid };

// The activation as an op on a tensor.
template <class S>
TensorT<S> activate(const TensorT<S>& x, Activation act) {
  switch (act) {
    case Activation::relu:
      return relu(x);
    case Activation::gelu:
      return gelu(x);
    case Activation::gelu_tanh:
      return gelu_tanh(x);
    case Activation::silu:
      return silu(x);
    case Activation::tanh:
      return aib::tanh(x);
    case Activation::sigmoid:
      return aib::sigmoid(x);
  }
  fail("activate: unknown activation");
}

// LLaMA's hidden width for a gated block: ⅔·4D, rounded up to a multiple of `multiple_of`.
inline Index gated_hidden_width(Index d_model, Index multiple_of = 1) {
  if (d_model < 1 || multiple_of < 1)
    fail("gated_hidden_width: need d_model >= 1 and multiple_of >= 1, got {} and {}", d_model,
         multiple_of);
  const Index f = 8 * d_model / 3;
  return (f + multiple_of - 1) / multiple_of * multiple_of;
}

// Two linear layers with an activation between them (with biases, as GPT-2).
template <class S>
struct MlpT {
  LinearT<S> up;    // (D, F)
  LinearT<S> down;  // (F, D)
  Activation act = Activation::gelu;

  MlpT() = default;
  MlpT(Index d_model, Index hidden, Rng& rng, Activation activation = Activation::gelu)
      : up(d_model, hidden, rng), down(hidden, d_model, rng), act(activation) {}

  TensorT<S> forward(const TensorT<S>& x) const {       // (T, D) -> (T, D)
    const TensorT<S> h = activate(up.forward(x), act);  // (T, F)
    return down.forward(h);
  }

  ParametersT<S> parameters(const std::string& prefix = "") const {
    ParametersT<S> out = up.parameters(join_name(prefix, "up"));
    append(out, down.parameters(join_name(prefix, "down")));
    return out;
  }
};
using Mlp = MlpT<float>;

// A gated feed-forward block without biases (as LLaMA): SwiGLU with silu, GeGLU with gelu.
template <class S>
struct GatedFfnT {
  LinearT<S> gate;  // (D, F)
  LinearT<S> up;    // (D, F)
  LinearT<S> down;  // (F, D)
  Activation act = Activation::silu;

  GatedFfnT() = default;
  GatedFfnT(Index d_model, Index hidden, Rng& rng, Activation activation = Activation::silu)
      : gate(d_model, hidden, rng, false),
        up(d_model, hidden, rng, false),
        down(hidden, d_model, rng, false),
        act(activation) {}

  TensorT<S> forward(const TensorT<S>& x) const {                             // (T, D) -> (T, D)
    const TensorT<S> h = mul(activate(gate.forward(x), act), up.forward(x));  // (T, F)
    return down.forward(h);
  }

  ParametersT<S> parameters(const std::string& prefix = "") const {
    ParametersT<S> out = gate.parameters(join_name(prefix, "gate"));
    append(out, up.parameters(join_name(prefix, "up")));
    append(out, down.parameters(join_name(prefix, "down")));
    return out;
  }
};
using GatedFfn = GatedFfnT<float>;

// The feed-forward sublayer of a Transformer block (gpt.hpp, transformer.hpp): an MLP or a gated
// block, as the model's config says, under the names of the checkpoints people load: GPT-2's
// "c_fc", "c_proj" for the MLP, LLaMA's "gate_proj", "up_proj", "down_proj" for the gated block.
// (MlpT and GatedFfnT on their own keep the plain names "up", "down", "gate".)
template <class S>
struct FeedForwardT {
  bool gated = false;
  MlpT<S> mlp;       // (D, F), (F, D)          when !gated
  GatedFfnT<S> glu;  // (D, F), (D, F), (F, D)  when gated

  FeedForwardT() = default;
  explicit FeedForwardT(MlpT<S> m) : gated(false), mlp(std::move(m)) {}
  explicit FeedForwardT(GatedFfnT<S> g) : gated(true), glu(std::move(g)) {}

  TensorT<S> forward(const TensorT<S>& x) const {  // (T, D) -> (T, D)
    return gated ? glu.forward(x) : mlp.forward(x);
  }

  ParametersT<S> parameters(const std::string& prefix = "") const {
    if (!gated) {
      ParametersT<S> out = mlp.up.parameters(join_name(prefix, "c_fc"));
      append(out, mlp.down.parameters(join_name(prefix, "c_proj")));
      return out;
    }
    ParametersT<S> out = glu.gate.parameters(join_name(prefix, "gate_proj"));
    append(out, glu.up.parameters(join_name(prefix, "up_proj")));
    append(out, glu.down.parameters(join_name(prefix, "down_proj")));
    return out;
  }
};
using FeedForward = FeedForwardT<float>;

}  // namespace aib
