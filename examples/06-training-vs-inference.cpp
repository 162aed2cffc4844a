// Episode 06 — The training-inference split: what learning costs, and what answering costs.
//
// On nanoGPT's CPU shape (aib/nn/gpt.hpp nanogpt_cpu) the program (1) counts the FLOPs of every
// matrix multiplication of a forward pass from its shapes, (2) sets them against the rules of
// thumb 6·N per token for a training step and 2·N per token for generation, (3) times a real
// AdamW step on a batch (aib/nn/train.hpp) and one generated token with and without the KV cache
// (aib/nn/generate.hpp), and (4) applies the same rules to GPT-3 (Brown et al. 2020).
// Counted: matmuls (2·m·k·n FLOPs each), backward = 2 × forward. Not counted: the embedding
// lookup (a copy), norms, softmax, GELU, biases, residual adds, the loss and the AdamW update.
#include <string>
#include <vector>

#include <fmt/format.h>

#include "aib/core/timing.hpp"
#include "aib/nn/generate.hpp"
#include "aib/nn/train.hpp"
#include "aib/show/format.hpp"
#include "aib/show/table.hpp"
#include "episode.hpp"
#include "episode_text.hpp"

namespace {

using aib::Index;
using aib::show::grouped;

// `count` products (m, k) · (k, n): 2·m·k·n FLOPs each (a multiply and an add per term).
struct Matmul {
  std::string name;
  Index m, k, n, count;
  bool weights;  // multiplies by a learned matrix (part of the 2·N rule); else attention
  double flops() const { return 2.0 * double(m) * double(k) * double(n) * double(count); }
};

// Every matmul of one forward pass over B sequences of T tokens (T_k keys per query: T for a
// full pass, t + 1 for the token at position t with a KV cache, where B = T = 1).
std::vector<Matmul> forward_matmuls(const aib::TransformerConfig& c, Index B, Index T, Index keys) {
  const Index D = c.d_model, F = c.ffn_hidden, L = c.n_layers, H = c.n_heads, Dh = D / H;
  return {{"qkv projection", B * T, D, 3 * D, L, true},
          {"scores Q·Kᵀ", T, Dh, keys, B * H * L, false},
          {"weights·V", T, keys, Dh, B * H * L, false},
          {"output projection", B * T, D, D, L, true},
          {"FFN up", B * T, D, F, L, true},
          {"FFN down", B * T, F, D, L, true},
          {"LM head", B * T, D, c.vocab_size, 1, true}};
}

double total(const std::vector<Matmul>& ms, bool weights_only = false) {
  double s = 0;
  for (const Matmul& m : ms) s += (!weights_only || m.weights) ? m.flops() : 0.0;
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  aib::episode::Program ep(aib_embedded::episode_markdown);
  Index batch = 12;
  int repeats = 3;
  double gpus = 1024, tflops = 100;
  ep.option("--batch", batch, "Sequences per training batch", 1, 256);
  ep.option("--repeats", repeats, "Timed runs of each measurement (the best is kept)", 1, 100);
  ep.option("--gpus", gpus, "GPUs assumed for the GPT-3 estimate", 1.0, 1e6);
  ep.option("--tflops", tflops, "Sustained TFLOP/s per GPU assumed for the GPT-3 estimate", 0.001,
            1e4);

  return ep.run(argc, argv, [&](aib::episode::Context& ctx) {
    namespace show = aib::show;
    const aib::TransformerConfig c = aib::nanogpt_cpu();
    const Index T = c.context, D = c.d_model, L = c.n_layers;
    const aib::Gpt model(c, ctx.rng);
    const aib::Parameters params = model.parameters();
    double n_all = 0, n_embed = 0, n_matrix = 0;
    for (const auto& p : params) {
      const double size = double(p.tensor.size());
      n_all += size;
      if (p.name == "wte.weight" || p.name == "wpe.weight")
        n_embed += size;
      else if (p.name.find(".weight") != std::string::npos && p.tensor.rows() > 1)
        n_matrix += size;
    }
    const double N = n_all - n_embed;  // the N of the rules: parameters outside the embeddings

    // ---- 1. FLOPs from the shapes -------------------------------------------------------------
    ctx.section("1. Counting the multiplications of one forward pass");
    fmt::print("{}: {} layers, width {}, context {}, vocabulary {}.\n", c.name, L, D, T,
               c.vocab_size);
    fmt::print(
        "Parameters: {} in all, {} in the embedding tables (looked up, not\n"
        "multiplied), N = {} in the rest: {} in matrices, {} in biases\n"
        "and norms.\n\n",
        grouped(n_all), grouped(n_embed), grouped(N), grouped(n_matrix), grouped(N - n_matrix));
    const Index tokens = batch * T;
    const std::vector<Matmul> fwd = forward_matmuls(c, batch, T, T);
    show::Table table({"matmul (m×k · k×n)", "times", "forward FLOPs"});
    for (const Matmul& m : fwd)
      table.add_row({fmt::format("{} ({}×{} · {}×{})", m.name, m.m, m.k, m.k, m.n),
                     std::to_string(m.count), grouped(m.flops())});
    table.add_row({"forward pass, total", "", grouped(total(fwd))});
    table.align(1, show::Align::right);
    table.align(2, show::Align::right);
    fmt::print("A batch of {} sequences × {} tokens = {} tokens:\n\n", batch, T, tokens);
    show::print(table.render(ctx.style));

    // ---- 2. The rules of thumb ----------------------------------------------------------------
    ctx.section("2. Training step 6·N·D, generated token 2·N");
    const double train_counted = 3.0 * total(fwd);  // backward: dX and dW, each a same-size matmul
    const double train_rule = 6.0 * N * double(tokens);
    const double attention = total(fwd) - total(fwd, true);
    fmt::print("Training step, counted: forward + backward (2 × forward) = {:.3e} FLOPs\n",
               train_counted);
    fmt::print("Rule 6·N·D with D = {} tokens:                          {:.3e} FLOPs\n", tokens,
               train_rule);
    fmt::print(
        "  counted / rule = {:.3f}; attention's T-dependent matmuls are {:.1f}% of\n"
        "  the count (the rule leaves them out; they grow with the context T).\n",
        train_counted / train_rule, 100.0 * attention / total(fwd));

    const Index pos = T - 1;  // the last position: the model attends to all T tokens
    const std::vector<Matmul> cached = forward_matmuls(c, 1, 1, pos + 1);
    const std::vector<Matmul> full = forward_matmuls(c, 1, T, T);
    fmt::print("\nGenerating token {} (the last of the context), counted:\n", pos + 1);
    fmt::print("  with a KV cache, one new row through every matmul: {:.3e} FLOPs\n",
               total(cached));
    fmt::print("  without it, the whole {}-token sequence again:       {:.3e} FLOPs\n", T,
               total(full));
    fmt::print("Rule 2·N:                                            {:.3e} FLOPs\n", 2.0 * N);
    fmt::print("One training step costs as much as generating {} tokens with a cache.\n",
               grouped(train_counted / total(cached)));

    // ---- 3. Measured ----------------------------------------------------------------------------
    ctx.section("3. Measured on this machine (one thread)");
    std::vector<Index> stream;
    for (Index i = 0; i < 20 * tokens; ++i) stream.push_back(ctx.rng.uniform_index(c.vocab_size));
    const aib::TokenBatches data(stream, T, batch);
    aib::AdamW opt(aib::tensors_of(params), 1e-3);
    aib::train_steps(model, opt, data, ctx.rng, 1);  // warm-up: allocations, AdamW moments
    const double t_train =
        aib::best_time([&] { aib::train_steps(model, opt, data, ctx.rng, 1); }, repeats);
    const std::vector<Index> ids(stream.begin(), stream.begin() + T);
    aib::KvCache prefilled;
    aib::forward_cached(model, {ids.begin(), ids.end() - 1}, prefilled);
    const double t_cached = aib::best_time(
        [&] {
          aib::KvCache cache = prefilled;
          aib::forward_cached(model, {ids.back()}, cache);
        },
        repeats * 4);
    const double t_full = aib::best_time(
        [&] {
          aib::NoGrad no_graph;
          model.forward(ids);
        },
        repeats);
    show::Table timing({"", "time", "FLOPs", "GFLOP/s"});
    const auto row = [&](const std::string& what, double seconds, double flops) {
      timing.add_row({what, aib::measured("{:.3f} ms", seconds * 1e3), fmt::format("{:.2e}", flops),
                      aib::measured("{:.1f}", flops / seconds / 1e9)});
    };
    row(fmt::format("training step ({} tokens)", tokens), t_train, train_counted);
    row(fmt::format("token {}, KV cache", pos + 1), t_cached, total(cached));
    row(fmt::format("token {}, no cache", pos + 1), t_full, total(full));
    for (std::size_t col = 1; col < 4; ++col) timing.align(col, show::Align::right);
    show::print(timing.render(ctx.style));
    fmt::print(
        "Per token, training takes {} the time of a cached generated token;\n"
        "the FLOPs alone say {:.1f}×. The count leaves out norms, softmax, GELU, the loss\n"
        "and AdamW, and 768 rows and one row do not multiply at the same speed.\n",
        aib::measured("{:.1f}×", t_train / double(tokens) / t_cached),
        train_counted / double(tokens) / total(cached));

    // ---- 4. GPT-3 -----------------------------------------------------------------------------
    ctx.section("4. The same rules for GPT-3 (Brown et al. 2020)");
    aib::TransformerConfig gpt3 = aib::gpt2_small();  // GPT-2's layout at GPT-3's sizes
    gpt3.name = "GPT-3 175B";
    gpt3.context = 2048;
    gpt3.d_model = 12288;
    gpt3.n_layers = 96;
    gpt3.n_heads = 96;
    gpt3.ffn_hidden = 4 * 12288;
    const double n3 = double(aib::count_parameters(aib::parameter_shapes(gpt3)));
    const double N3 = 175e9, D3 = 300e9;
    const double c3 = 6.0 * N3 * D3;
    fmt::print(
        "Shapes (96 layers, width 12,288, context 2,048) give {:.1f} billion\n"
        "parameters; the paper rounds to N = 175 billion, trained on D = 300 billion\n"
        "tokens.\n",
        n3 / 1e9);
    fmt::print("Training, 6·N·D = {:.3e} FLOPs (the paper: 3.14e+23, 3,640 petaflop/s-days).\n",
               c3);
    fmt::print("Generating one token, 2·N = {:.2e} FLOPs.\n", 2.0 * N3);
    fmt::print("So training cost as much as generating 3·D = {:.0f} billion tokens.\n",
               3.0 * D3 / 1e9);
    const double cluster = gpus * tflops * 1e12;
    fmt::print(
        "\nAssume {} GPUs each sustaining {} TFLOP/s (an assumption, not a\n"
        "measurement): {:.0f} days of training, {:.2f} ms of compute per token.\n",
        grouped(gpus), tflops, c3 / cluster / 86400.0, 2.0 * N3 / (tflops * 1e12) * 1e3);
    fmt::print("This machine, at its measured training rate: {} years.\n",
               aib::measured("{}", grouped(c3 / (train_counted / t_train) / (365.25 * 86400.0))));
  });
}
