// aib/nn/embedding.hpp — a learned vector per token id: row `id` of a (V, D) table.
//
// forward(ids) gathers rows: T ids -> (T, D). The backward adds each position's gradient into
// its token's row, so a token seen three times gets three contributions. Init N(0, 1) as
// PyTorch's nn.Embedding (GPT-2 uses N(0, 0.02): pass std).
// Leaves out: padding_idx, max_norm, sparse gradients.
#pragma once

#include <string>
#include <vector>

#include "aib/autograd/ops.hpp"
#include "aib/core/random.hpp"
#include "aib/nn/module.hpp"

namespace aib {

template <class S>
struct EmbeddingT {
  TensorT<S> weight;  // (V, D)

  EmbeddingT() = default;
  EmbeddingT(Index vocab_size, Index dim, Rng& rng, double stddev = 1.0) {
    if (vocab_size < 1 || dim < 1)
      fail("Embedding: sizes must be >= 1, got V = {}, D = {}", vocab_size, dim);
    MatT<S> table(vocab_size, dim);
    for (Index i = 0; i < table.size(); ++i)
      table.data()[i] = static_cast<S>(stddev * rng.normal_double());
    weight = TensorT<S>::parameter(std::move(table));
  }

  Index vocab_size() const { return weight.rows(); }
  Index dim() const { return weight.cols(); }

  // T ids -> (T, D); ids outside [0, V) raise aib::Error naming the id and its position.
  TensorT<S> forward(const std::vector<Index>& ids) const { return gather_rows(weight, ids); }

  ParametersT<S> parameters(const std::string& prefix = "") const {
    return {{join_name(prefix, "weight"), weight}};
  }
};
using Embedding = EmbeddingT<float>;

}  // namespace aib
