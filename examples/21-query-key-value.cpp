// Episode 21 — Query, Key, Value: how attention decides what to look at.
//
// Two parts, all computed here: (1) three tokens of width 4 and integer weights W_q, W_k, W_v,
// followed step by step — Q, K, V, the scores Q·Kᵀ, the scaled scores, the softmax weights and the
// output — and checked against aib::scaled_dot_product_attention (aib/nn/attention.hpp);
// (2) why the scores are divided by √d: for random unit-variance q and k (aib::Rng), the variance
// of q·k grows like d, and without the scaling the softmax (aib/core/numeric.hpp) of 16 scores
// puts nearly all its weight on one key.
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "aib/core/numeric.hpp"
#include "aib/nn/attention.hpp"
#include "aib/show/columns.hpp"
#include "aib/show/table.hpp"
#include "aib/show/terminal.hpp"
#include "episode.hpp"
#include "episode_text.hpp"

namespace {

using aib::Index;

// Entropy of each row of a probability matrix, in bits: −Σ p·log2 p (0·log 0 = 0). (N, K) -> (N)
aib::VecD entropy_bits(const aib::MatD& p) {
  aib::VecD h(p.rows());  // (N)
  for (Index i = 0; i < p.rows(); ++i) {
    double s = 0;
    for (Index j = 0; j < p.cols(); ++j)
      if (p(i, j) > 0) s -= p(i, j) * std::log2(p(i, j));
    h(i) = s;
  }
  return h;
}

}  // namespace

int main(int argc, char** argv) {
  aib::episode::Program ep(aib_embedded::episode_markdown);
  Index samples = 2000;
  ep.option("--samples", samples, "Random (q, k) pairs per width in the scaling experiment", 10,
            1000000);
  // Section 3 at the widest d = 1024: q and k as (N, d) doubles, each drawn as floats first.
  ep.needs_memory("--samples", samples, [&] { return 20.0 * 1024 * double(samples) + 64e6; });

  return ep.run(argc, argv, [&](aib::episode::Context& ctx) {
    namespace show = aib::show;

    // ---- 1. Three roles for every token -------------------------------------------------------
    ctx.section("1. Every token asks, offers and carries");
    const std::vector<std::string> tokens = {"cat", "sat", "mat"};
    aib::Mat X(3, 4), Wq(4, 4), Wk(4, 4), Wv(4, 4);  // (T, D), three (D, Dh), Dh = D = 4
    // clang-format off
    X  << 1, 0, 1, 0,
          0, 2, 0, 1,
          1, 1, 0, 1;
    Wq << 1, 0, 0, 0,   // the identity: each query is the token itself
          0, 1, 0, 0,
          0, 0, 1, 0,
          0, 0, 0, 1;
    Wk << 0, 1, 0, 0,   // swaps columns 0 <-> 1 and 2 <-> 3
          1, 0, 0, 0,
          0, 0, 0, 1,
          0, 0, 1, 0;
    Wv << 1, 0, 0, 0,   // mixes neighbouring columns
          1, 1, 0, 0,
          0, 0, 1, 1,
          0, 0, 0, 1;
    // clang-format on
    const aib::Mat Q = X * Wq, K = X * Wk, V = X * Wv;  // each (T, Dh)
    const Index d = Q.cols();
    fmt::print("T = {} tokens of width D = {}, and three weight matrices:\n\n", X.rows(), X.cols());
    show::print(show::matrices_side_by_side({{"X", X}}, tokens, 0));
    fmt::print("\n");
    show::print(
        show::matrices_side_by_side({{"W_q", Wq}, {"W_k", Wk}, {"W_v", Wv}}, {"", "", "", ""}, 0));
    fmt::print("\nQ = X·W_q (what each token looks for), K = X·W_k (what it offers),\n");
    fmt::print("V = X·W_v (what it passes on):\n\n");
    show::print(show::matrices_side_by_side({{"Q", Q}, {"K", K}, {"V", V}}, tokens, 0));

    // ---- 2. Scores, scaling, softmax, output --------------------------------------------------
    ctx.section("2. Scores, scaling, softmax, output");
    const aib::Mat scores = Q * K.transpose();                          // (T, T)
    const aib::Mat scaled = scores / std::sqrt(static_cast<float>(d));  // (T, T)
    const aib::Mat weights = aib::softmax(scaled);                      // (T, T)
    const aib::Mat out = weights * V;                                   // (T, Dh)
    fmt::print("Row i, column j: how well query i matches key j. d = {}, so √d = {:.0f}.\n\n", d,
               std::sqrt(static_cast<double>(d)));
    show::print(show::matrices_side_by_side({{"Q·Kᵀ", scores}, {"Q·Kᵀ/√d", scaled}}, tokens, 1));
    fmt::print("\nSoftmax of each row: weights that are positive and sum to 1.\n\n");
    aib::Mat with_sums(3, 4);  // (T, T + 1): the weights and their row sum
    with_sums << weights, weights.rowwise().sum();
    show::print(show::matrices_side_by_side(
        {{"weights (to cat, sat, mat) and their sum", with_sums}}, tokens, 3));
    fmt::print("\nOutput = weights·V: each row a blend of the value rows.\n\n");
    show::print(show::matrices_side_by_side({{"output", out}}, tokens, 3));

    aib::Mat lib_weights;  // (T, T)
    aib::Mat lib_out;      // (T, Dh)
    {
      aib::NoGrad no_grad;
      lib_out = aib::scaled_dot_product_attention(aib::Tensor(Q), aib::Tensor(K), aib::Tensor(V),
                                                  {}, &lib_weights)
                    .value();
    }
    fmt::print("\naib::scaled_dot_product_attention(Q, K, V) agrees: weights to {:.6f},\n",
               (lib_weights - weights).cwiseAbs().maxCoeff());
    fmt::print("output to {:.6f}.\n", (lib_out - out).cwiseAbs().maxCoeff());

    // ---- 3. Why divide by √d ------------------------------------------------------------------
    ctx.section("3. Why divide by √d");
    const std::vector<Index> widths = {16, 64, 256, 1024};
    fmt::print("{} random pairs q, k per width, entries drawn with mean 0, variance 1:\n\n",
               samples);
    show::Table spread({"d", "var(q·k)", "var(q·k/√d)", "largest |q·k|"});
    for (const Index w : widths) {
      const aib::MatD q = ctx.rng.normal_mat(samples, w).cast<double>();  // (N, d)
      const aib::MatD k = ctx.rng.normal_mat(samples, w).cast<double>();  // (N, d)
      const aib::VecD dots = (q.array() * k.array()).rowwise().sum();     // (N)
      const double mean = dots.mean();
      const double var = (dots.array() - mean).square().sum() / static_cast<double>(samples - 1);
      const aib::VecD dots_scaled = dots / std::sqrt(static_cast<double>(w));  // (N)
      const double mean_s = dots_scaled.mean();
      const double var_s =
          (dots_scaled.array() - mean_s).square().sum() / static_cast<double>(samples - 1);
      spread.add_row({std::to_string(w), show::fixed(var, 1), show::fixed(var_s, 3),
                      show::fixed(dots.cwiseAbs().maxCoeff(), 1)});
    }
    show::print(spread.render(ctx.style));
    fmt::print("\nA sum of d products of variance 1 has variance d; dividing by √d brings\n");
    fmt::print("it back to 1 at every width.\n");

    // ---- 4. Without it, softmax saturates -----------------------------------------------------
    ctx.section("4. Without it, softmax picks one key and goes deaf");
    const Index keys = 16, rows = std::max<Index>(samples / 8, 10);
    fmt::print("One query against {} keys, softmax of the {} scores, averaged over {} queries.\n",
               keys, keys, rows);
    fmt::print("Even weights would be 1/{} = {:.4f} each, entropy log2({}) = {:.0f} bits.\n\n",
               keys, 1.0 / keys, keys, std::log2(static_cast<double>(keys)));
    show::Table sat({"d", "top weight", "scaled: top", "entropy (bits)", "scaled: entropy"});
    for (const Index w : widths) {
      aib::MatD raw(rows, keys);  // (N, keys): q·k_j for each query
      for (Index i = 0; i < rows; ++i) {
        const aib::MatD q = ctx.rng.normal_mat(1, w).cast<double>();     // (1, d)
        const aib::MatD k = ctx.rng.normal_mat(keys, w).cast<double>();  // (keys, d)
        raw.row(i) = q * k.transpose();
      }
      const aib::MatD p_raw = aib::softmax(raw);  // (N, keys)
      const aib::MatD p_scaled =
          aib::softmax(raw / std::sqrt(static_cast<double>(w)));  // (N, keys)
      sat.add_row({std::to_string(w), show::fixed(p_raw.rowwise().maxCoeff().mean(), 3),
                   show::fixed(p_scaled.rowwise().maxCoeff().mean(), 3),
                   show::fixed(entropy_bits(p_raw).mean(), 2),
                   show::fixed(entropy_bits(p_scaled).mean(), 2)});
    }
    show::print(sat.render(ctx.style));
    fmt::print("\nUnscaled, the top key takes nearly all the weight and the others are barely\n");
    fmt::print("heard (softmax's gradient fades with them); scaled, the row stays soft.\n");
  });
}
