// aib/nn/module.hpp — the parameters of a model, by name.
//
// Layers are plain structs whose learned tensors are public fields. Each has
// `parameters(prefix)`, listing (name, tensor) pairs such as ("fc1.weight", W); a model
// concatenates its layers' lists. That one list feeds the optimizer (tensors_of), the parameter
// count (count_parameters) and saving (aib/nn/checkpoint.hpp). Names follow PyTorch's
// state_dict style. Leaves out: buffers, hooks, automatic registration.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "aib/autograd/tensor.hpp"

namespace aib {

template <class S>
struct NamedParameterT {
  std::string name;   // e.g. "h.0.mlp.c_fc.weight"
  TensorT<S> tensor;  // shares the layer's node: updating it updates the layer
};
template <class S>
using ParametersT = std::vector<NamedParameterT<S>>;
using NamedParameter = NamedParameterT<float>;
using Parameters = ParametersT<float>;

// "prefix.name", or just "name" when the prefix is empty.
inline std::string join_name(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

// Append `more` to `into` (a model gathering its layers' parameters).
template <class S>
void append(ParametersT<S>& into, const ParametersT<S>& more) {
  into.insert(into.end(), more.begin(), more.end());
}

// The tensors alone, for an optimizer.
template <class S>
std::vector<TensorT<S>> tensors_of(const ParametersT<S>& params) {
  std::vector<TensorT<S>> out;
  out.reserve(params.size());
  for (const auto& p : params) out.push_back(p.tensor);
  return out;
}

// Σ of the sizes: the number of learned numbers in the model.
template <class S>
Index count_parameters(const ParametersT<S>& params) {
  Index n = 0;
  for (const auto& p : params) n += p.tensor.size();
  return n;
}

}  // namespace aib
