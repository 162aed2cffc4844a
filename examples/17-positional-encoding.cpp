// Episode 17 — Positional encoding: teaching word order.
//
// Four demonstrations, all computed here: (1) self-attention (aib::MultiHeadAttention,
// aib/nn/attention.hpp) gives "the dog bit the man" and "the man bit the dog" the same outputs,
// only reordered, until sinusoidal positions (aib/nn/positional.hpp) are added; (2) the
// sinusoidal table as a heatmap, and the fixed linear map that shifts it by k positions;
// (3) RoPE: rope(q, m)·rope(k, n) depends on m − n only, where added positions do not;
// (4) a learned table (GPT-2's wpe) has a last row and refuses positions beyond it.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "aib/nn/attention.hpp"
#include "aib/nn/positional.hpp"
#include "aib/show/format.hpp"
#include "aib/show/plot.hpp"
#include "aib/show/table.hpp"
#include "episode.hpp"
#include "episode_text.hpp"

namespace {

using aib::Index;
using aib::show::grouped;

// Self-attention of x (T, D) with no gradient recorded -> (T, D).
aib::Mat attend(const aib::MultiHeadAttention& attn, const aib::Mat& x) {
  aib::NoGrad no_grad;
  return attn.forward(aib::Tensor(x)).value();
}

// M_k (D, D): block-diagonal 2×2 rotations [[cos kθ_i, −sin kθ_i], [sin kθ_i, cos kθ_i]], so
// that PE[p + k] = PE[p]·M_k for every position p.
aib::MatD shift_map(Index D, Index k) {
  const aib::VecD theta = aib::position_frequencies(D);  // (D/2)
  aib::MatD m = aib::MatD::Zero(D, D);                   // (D, D)
  for (Index i = 0; i < D / 2; ++i) {
    const double c = std::cos(k * theta(i)), s = std::sin(k * theta(i));
    m(2 * i, 2 * i) = c;
    m(2 * i, 2 * i + 1) = -s;
    m(2 * i + 1, 2 * i) = s;
    m(2 * i + 1, 2 * i + 1) = c;
  }
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  aib::episode::Program ep(aib_embedded::episode_markdown);
  Index width = 16;
  ep.option("--width", width, "Model width D of the attention demo (even)", 2, 512);

  return ep.run(argc, argv, [&](aib::episode::Context& ctx) {
    namespace show = aib::show;
    if (width % 2 != 0) aib::fail("--width {} must be even (sin, cos pairs)", width);

    // ---- 1. Attention alone is blind to order -------------------------------------------------
    ctx.section("1. Same words, different order");
    const std::vector<std::string> vocab = {"the", "dog", "bit", "man"};
    const std::vector<Index> s1 = {0, 1, 2, 0, 3};     // the dog bit the man
    const std::vector<Index> s2 = {0, 3, 2, 0, 1};     // the man bit the dog
    const std::vector<Index> where = {0, 4, 2, 3, 1};  // token t of s1 sits at where[t] in s2
    const Index T = static_cast<Index>(s1.size()), D = width;
    const aib::Mat table = ctx.rng.normal_mat(static_cast<Index>(vocab.size()), D);  // (V, D)
    const aib::MultiHeadAttention attn(D, 2, ctx.rng);
    const aib::Mat pe = aib::sinusoidal_table(T, D);                        // (T, D)
    const aib::Mat x1 = table(s1, Eigen::all), x2 = table(s2, Eigen::all);  // each (T, D)
    const aib::Mat y1 = attend(attn, x1), y2 = attend(attn, x2);            // each (T, D)
    const aib::Mat z1 = attend(attn, x1 + pe), z2 = attend(attn, x2 + pe);  // each (T, D)

    fmt::print("Self-attention (D = {}, 2 heads, random weights) on two sentences:\n", D);
    fmt::print("  A: the dog bit the man      B: the man bit the dog\n");
    fmt::print("How far each word's output vector moves from A to B (|change| / |output|):\n\n");
    show::Table words({"word", "A pos", "B pos", "no positions", "with sin positions"});
    for (Index t = 0; t < T; ++t) {
      const Index u = where[static_cast<std::size_t>(t)];
      const double plain = (y2.row(u) - y1.row(t)).norm() / y1.row(t).norm();
      const double with = (z2.row(u) - z1.row(t)).norm() / z1.row(t).norm();
      words.add_row({vocab[static_cast<std::size_t>(s1[static_cast<std::size_t>(t)])],
                     std::to_string(t), std::to_string(u), show::fixed(100 * plain, 4) + "%",
                     show::fixed(100 * with, 1) + "%"});
    }
    show::print(words.render(ctx.style));
    // Un-permute B's outputs into A's order: P·attn(A) against attn(B), every entry.
    aib::Mat y2_back(T, D), z2_back(T, D);  // each (T, D)
    for (Index t = 0; t < T; ++t) {
      y2_back.row(t) = y2.row(where[static_cast<std::size_t>(t)]);
      z2_back.row(t) = z2.row(where[static_cast<std::size_t>(t)]);
    }
    fmt::print("\nB's outputs put back in A's order, largest entry difference:\n");
    fmt::print("  no positions:   {:.6f}  (the same vectors, reshuffled)\n",
               (y2_back - y1).cwiseAbs().maxCoeff());
    fmt::print("  with positions: {:.3f}  (entries of size {:.3f} on average)\n",
               (z2_back - z1).cwiseAbs().maxCoeff(), z1.cwiseAbs().mean());
    fmt::print("To attention alone, A and B are the same bag of words.\n");

    // ---- 2. The sinusoidal table --------------------------------------------------------------
    ctx.section("2. The sinusoidal table: a clock with many hands");
    const Index rows = 24, cols = 32;
    const aib::Mat wave = aib::sinusoidal_table(rows, cols);  // (rows, cols)
    fmt::print("PE[p, 2i] = sin(p·θ_i), PE[p, 2i+1] = cos(p·θ_i), θ_i = 10000^(-2i/D).\n");
    fmt::print("Positions 0-{} (rows) by dimensions 0-{} (columns, left to right):\n", rows - 1,
               cols - 1);
    show::print(show::heatmap(wave, {}, std::vector<std::string>(cols, " "), ctx.style, -1.0, 1.0));
    const aib::VecD theta = aib::position_frequencies(cols);  // (D/2)
    constexpr double two_pi = 6.283185307179586;
    fmt::print("Columns 0-1 repeat every {:.2f} positions, columns {}-{} every {:.0f}.\n",
               two_pi / theta(0), cols - 2, cols - 1, two_pi / theta(theta.size() - 1));

    const Index k = 3, n_pos = 100;
    const aib::MatD table_d = aib::sinusoidal_table<double>(n_pos + k, cols);  // (n_pos + k, D)
    const aib::MatD shifted = table_d.topRows(n_pos) * shift_map(cols, k);     // (n_pos, D)
    const double shift_err = (shifted - table_d.bottomRows(n_pos)).cwiseAbs().maxCoeff();
    fmt::print("One fixed {}x{} matrix M_{} moves every row {} positions on:\n", cols, cols, k, k);
    fmt::print("  max |PE[p]·M_{} - PE[p+{}]| over p = 0..{}: {:.12f}\n", k, k, n_pos - 1,
               shift_err);

    // ---- 3. RoPE: scores that depend on distance only -----------------------------------------
    ctx.section("3. RoPE: turn q and k by their positions");
    const Index Dh = 8;
    const aib::MatD q = ctx.rng.normal_mat(1, Dh).cast<double>();        // (1, Dh)
    const aib::MatD kk = ctx.rng.normal_mat(1, Dh).cast<double>();       // (1, Dh)
    const aib::MatD table_pe = aib::sinusoidal_table<double>(1001, Dh);  // (1001, Dh)
    fmt::print("A random query q and key k, Dh = {}; unrotated q·k = {:.4f}.\n", Dh,
               (q * kk.transpose())(0, 0));
    fmt::print("Put q at position m and k at position n:\n\n");
    show::Table scores({"m", "n", "m - n", "RoPE q·k", "added: (q+PE[m])·(k+PE[n])"});
    const std::vector<std::pair<Index, Index>> pairs = {{2, 0}, {7, 5},  {40, 38},   {1000, 998},
                                                        {5, 0}, {12, 7}, {1000, 995}};
    for (const auto& [m, n] : pairs) {
      const double rotated = (aib::rope(q, m) * aib::rope(kk, n).transpose())(0, 0);
      const double added = ((q + table_pe.row(m)) * (kk + table_pe.row(n)).transpose())(0, 0);
      scores.add_row({std::to_string(m), std::to_string(n), std::to_string(m - n),
                      show::fixed(rotated, 4), show::fixed(added, 4)});
    }
    show::print(scores.render(ctx.style));
    fmt::print("\nRoPE: one score per distance, wherever the pair sits. Added sinusoids:\n");
    fmt::print("the score also depends on where the pair sits.\n");

    // ---- 4. Learned positions -----------------------------------------------------------------
    ctx.section("4. Learned positions: a table with a last row");
    const Index t_max = 16;
    const aib::LearnedPositions wpe(t_max, D, ctx.rng);
    fmt::print("A learned table for {} positions of width {}: {} numbers to train.\n", t_max, D,
               wpe.weight.value().size());
    fmt::print("(GPT-2's holds 1024 x 768 = {}.) Asking it for {} positions:\n",
               grouped(1024 * 768), t_max + 4);
    try {
      (void)wpe.forward(t_max + 4);
      fmt::print("  accepted\n");
    } catch (const aib::Error& e) {
      show::print(show::wrap(e.what(), ctx.style.width, "  "));
    }
  });
}
