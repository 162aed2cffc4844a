// aib/nn/checkpoint.hpp — save a model's parameters to a safetensors file and load them back.
//
// The file holds one F32 tensor per named parameter, shape (rows, cols) as in the model; any
// program that reads safetensors (PyTorch, JAX, the Hugging Face hub) can open it. Loading is
// strict: every parameter of the model must be in the file with its exact shape, and the file
// may not hold names the model does not know, so a checkpoint of another model is refused with
// a message that names the first mismatch. Every tensor carries its CRC-32 in the metadata
// (core/safetensors.hpp add_checksums), so a corrupted byte is refused on load, naming the tensor;
// so is a weight that is NaN or infinite, on save and on load: a model that diverged is not a
// checkpoint. Saving is atomic: a failed save leaves the previous file at the path intact.
// Leaves out: optimizer state, partial loading.
#pragma once

#include <cmath>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aib/core/safetensors.hpp"
#include "aib/nn/module.hpp"

namespace aib {

namespace detail {
// IoError "<who>: '<path>': tensor '<name>' holds N non-finite values (the first, nan, at (r, c))".
inline void check_finite_weights(std::string_view who, std::string_view verb,
                                 const std::string& path, const std::string& name, const Mat& m) {
  Index bad = 0, first = -1;
  for (Index k = 0; k < m.size(); ++k)
    if (!std::isfinite(m.data()[k])) {
      if (bad == 0) first = k;
      ++bad;
    }
  if (bad == 0) return;
  file_error(who, path,
             fmt::format("tensor '{}' holds {} non-finite value{} (the first, {}, at ({}, {})); a "
                         "model whose weights are not numbers cannot be {}",
                         name, bad, bad == 1 ? "" : "s", m.data()[first], first / m.cols(),
                         first % m.cols(), verb));
}
}  // namespace detail

inline void save_parameters(const std::string& path, const Parameters& params,
                            const std::map<std::string, std::string>& metadata = {}) {
  std::vector<std::pair<std::string, Mat>> named;
  named.reserve(params.size());
  for (const auto& p : params) {
    detail::check_finite_weights("save_parameters", "saved", path, p.name, p.tensor.value());
    named.emplace_back(p.name, p.tensor.value());
  }
  save_matrices(path, named, metadata);
}

// Copy the file's values into the model's parameters (same nodes: the model sees them at once).
inline void load_parameters(const std::string& path, const Parameters& params) {
  std::map<std::string, Mat> stored;
  for (auto& [name, m] : load_matrices(path)) {
    detail::check_finite_weights("load_parameters", "loaded", path, name, m);
    stored.emplace(name, std::move(m));
  }
  for (const auto& p : params) {
    const auto it = stored.find(p.name);
    if (it == stored.end())
      throw IoError(fmt::format("load_parameters: '{}' has no tensor '{}' (it holds {} tensors)",
                                path, p.name, stored.size()));
    if (it->second.rows() != p.tensor.rows() || it->second.cols() != p.tensor.cols())
      throw IoError(
          fmt::format("load_parameters: '{}': tensor '{}' has shape {}, the model's is {}", path,
                      p.name, shape_str(it->second), p.tensor.shape()));
  }
  if (stored.size() != params.size()) {
    for (const auto& [name, m] : stored) {
      bool known = false;
      for (const auto& p : params) known = known || p.name == name;
      if (!known)
        throw IoError(
            fmt::format("load_parameters: '{}' holds tensor '{}', which the model does "
                        "not have",
                        path, name));
    }
  }
  for (const auto& p : params) {
    TensorT<float> t = p.tensor;
    t.value() = stored.at(p.name);
  }
}

}  // namespace aib
