// Episode 27 — The attention bottleneck: why attention costs O(n²).
//
// Four parts: (1) the score matrix of one head has T² entries, so its memory is T²·4 bytes
// (computed); (2) plain attention (aib/nn/tiled_attention.hpp plain_attention: build S, softmax,
// P·V) timed from 256 to 8192 tokens, with a least-squares fit time ≈ a·T² + c (measured);
// (3) tiled attention with an online softmax (tiled_attention) gives the same output with a
// memory that does not grow with T², though the work still does; (4) what that means at 100 K
// tokens: 10¹⁰ pairs per head per layer, and the KV cache of a LLaMA-7B-shaped model
// (aib/nn/param_count.hpp), 2 · layers · D · context values at 2 bytes each (fp16).
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "aib/core/timing.hpp"
#include "aib/nn/param_count.hpp"
#include "aib/nn/tiled_attention.hpp"
#include "aib/show/columns.hpp"
#include "aib/show/format.hpp"
#include "aib/show/plot.hpp"
#include "aib/show/table.hpp"
#include "episode.hpp"
#include "episode_text.hpp"

namespace {

using aib::Index;
using aib::show::binary_size;
using aib::show::grouped;

}  // namespace

int main(int argc, char** argv) {
  aib::episode::Program ep(aib_embedded::episode_markdown);
  Index max_tokens = 4096, head_dim = 64;
  double context = 100000;
  ep.option("--max-tokens", max_tokens, "Longest sequence timed (doubling from 256)", Index(512),
            Index(65536));
  ep.option("--head-dim", head_dim, "Width Dh of the attention head", Index(1), Index(512));
  // plain_attention's (T, T) float scores, and q, k, v, two outputs and a tile, each (T, Dh).
  ep.needs_memory("--max-tokens", max_tokens, [&] {
    const double T = double(max_tokens);
    return 4.0 * T * T + 4.0 * 6 * T * double(head_dim) + 64e6;
  });
  ep.option("--context", context, "Context length for the 7B model's costs", 1.0, 1e8);

  return ep.run(argc, argv, [&](aib::episode::Context& ctx) {
    namespace show = aib::show;
    std::vector<Index> lengths;
    for (Index T = 256; T <= max_tokens; T *= 2) lengths.push_back(T);

    // ---- 1. The score matrix ------------------------------------------------------------------
    ctx.section("1. Every token scores every token: T² numbers");
    fmt::print("One head: S = Q·Kᵀ/√Dh has one score per (query, key) pair,\n");
    fmt::print("T × T of them, 4 bytes each in float. Doubling T quadruples it.\n\n");
    std::vector<std::string> labels;
    std::vector<double> mib;
    for (const Index T : lengths) {
      labels.push_back(fmt::format("T = {:>5}", T));
      mib.push_back(4.0 * double(T) * double(T) / (1 << 20));
    }
    fmt::print("Score matrix of one head, MiB:\n");
    show::print(show::bar_chart(labels, mib, ctx.style, 40, 1));

    // ---- 2. Plain attention, timed ------------------------------------------------------------
    ctx.section("2. Plain attention, one head, timed");
    const bool causal = true;
    const aib::TileOptions tiles;  // block_q × block_k
    std::vector<double> plain_s, tiled_s, max_diff;
    for (const Index T : lengths) {
      const aib::Mat q = ctx.rng.normal_mat(T, head_dim), k = ctx.rng.normal_mat(T, head_dim),
                     v = ctx.rng.normal_mat(T, head_dim);  // each (T, Dh)
      aib::Mat plain, tiled;                               // (T, Dh)
      const int repeats = T <= 2048 ? 3 : 1;
      plain_s.push_back(
          aib::best_time([&] { plain = aib::plain_attention(q, k, v, causal); }, repeats));
      tiled_s.push_back(
          aib::best_time([&] { tiled = aib::tiled_attention(q, k, v, causal, tiles); }, repeats));
      max_diff.push_back((plain - tiled).cwiseAbs().maxCoeff());
    }
    // Least squares of time against x = T²: t ≈ a·x + c, and R² of that line.
    const std::size_t n = lengths.size();
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double x = double(lengths[i]) * double(lengths[i]), y = plain_s[i];
      sx += x, sy += y, sxx += x * x, sxy += x * y;
    }
    const double a = (n * sxy - sx * sy) / (n * sxx - sx * sx), c = (sy - a * sx) / n;
    double ss_res = 0, ss_tot = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double x = double(lengths[i]) * double(lengths[i]);
      ss_res += std::pow(plain_s[i] - (a * x + c), 2);
      ss_tot += std::pow(plain_s[i] - sy / n, 2);
    }
    show::Table timing({"tokens T", "pairs T²", "plain time", "x previous", "fit a·T²+c"});
    for (std::size_t col = 0; col < 5; ++col) timing.align(col, show::Align::right);
    for (std::size_t i = 0; i < n; ++i) {
      const double x = double(lengths[i]) * double(lengths[i]);
      timing.add_row({grouped(double(lengths[i])), grouped(x),
                      aib::measured("{:.2f} ms", plain_s[i] * 1e3),
                      i == 0 ? "" : aib::measured("{:.1f}", plain_s[i] / plain_s[i - 1]),
                      aib::measured("{:.2f} ms", (a * x + c) * 1e3)});
    }
    fmt::print("Dh = {}, causal, float, one thread; best of 3 up to 2,048 tokens.\n\n", head_dim);
    show::print(timing.render(ctx.style));
    fmt::print("\nLeast squares, time = a·T² + c:\n");
    fmt::print("  a = {} per pair (c = {})\n", aib::measured("{:.3f} ns", a * 1e9),
               aib::measured("{:.3f} ms", c * 1e3));
    fmt::print("  R² = {}  (1 = a perfect parabola)\n",
               aib::measured("{:.4f}", 1 - ss_res / ss_tot));

    // ---- 3. Tiled attention -------------------------------------------------------------------
    ctx.section("3. Tiled attention: same answer, no T² matrix");
    fmt::print("Queries in tiles of {}, keys in tiles of {}; each row keeps a running\n",
               tiles.block_q, tiles.block_k);
    fmt::print("max and sum of its softmax and rescales when the max grows. Causal tiles\n");
    fmt::print("above the diagonal are skipped.\n\n");
    show::Table side({"tokens T", "score matrix", "tiled extra", "plain", "tiled", "max diff"});
    for (std::size_t col = 0; col < 6; ++col) side.align(col, show::Align::right);
    double worst = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const Index T = lengths[i], bq = std::min(tiles.block_q, T), bk = std::min(tiles.block_k, T);
      // tiled_attention allocates a (bq, bk) tile, two (bq, Dh) buffers, four (bq) row vectors
      // and the (T) logsumexp.
      const double tiled_bytes = 4.0 * double(bq * bk + 2 * bq * head_dim + 4 * bq + T);
      worst = std::max(worst, max_diff[i]);
      side.add_row({grouped(double(T)), binary_size(4.0 * double(T) * double(T)),
                    binary_size(tiled_bytes), aib::measured("{:.1f} ms", plain_s[i] * 1e3),
                    aib::measured("{:.1f} ms", tiled_s[i] * 1e3),
                    max_diff[i] < 1e-5 ? "< 1e-5" : fmt::format("{:.1e}", max_diff[i])});
    }
    show::print(side.render(ctx.style));
    fmt::print("\nMemory stops growing as T²; the work does not: {:.0f}% of the pairs at\n",
               100.0 * aib::tiled_attention_flops(lengths.back(), head_dim, causal, tiles) /
                   (4.0 * head_dim * double(lengths.back()) * double(lengths.back())));
    fmt::print("T = {} are still computed (the causal half plus the diagonal tiles).\n",
               grouped(double(lengths.back())));
    if (worst >= 1e-5) fmt::print("(warning: plain and tiled differ by {:.1e})\n", worst);

    // ---- 4. At 100 K tokens -------------------------------------------------------------------
    ctx.section(fmt::format("4. A {}-token context", grouped(context)));
    const aib::TransformerConfig m = aib::llama_7b();
    const double pairs = context * context;
    const double heads = double(m.n_heads) * double(m.n_layers);
    const double dh = double(m.d_model) / double(m.n_heads);
    fmt::print("Pairs per head per layer: {} = {:.1e}\n", grouped(pairs), pairs);
    fmt::print("Its score matrix in float: {}\n", binary_size(4 * pairs));
    fmt::print("{} ({} layers x {} heads, Dh = {:.0f}): {:.0f} head-layers,\n", m.name, m.n_layers,
               m.n_heads, dh, heads);
    fmt::print("  {:.2e} pairs and {:.2e} FLOPs of Q·Kᵀ and P·V per forward pass\n", heads * pairs,
               heads * pairs * 4 * dh);
    const double params = double(aib::count_parameters(aib::parameter_shapes(m)));
    const double kv = 2.0 * double(m.n_layers) * double(m.d_model) * context * 2.0;
    fmt::print("\nKV cache at fp16 = 2 (K and V) · {} layers · D = {} · {} tokens\n", m.n_layers,
               m.d_model, grouped(context));
    fmt::print("  · 2 bytes = {} bytes = {}\n", grouped(kv), binary_size(kv));
    fmt::print("The weights at fp16: {} parameters · 2 bytes = {}\n", grouped(params),
               aib::show::gib(2 * params));  // as episode 07 prints them
    fmt::print("The cache for one {}-token conversation is {:.1f}x the model.\n", grouped(context),
               kv / (2 * params));
  });
}
