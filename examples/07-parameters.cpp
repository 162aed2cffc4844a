// Episode 07 — Parameters: the learned numbers inside a model, counted, weighed and moved.
//
// Counts come from aib/nn/param_count.hpp, which lists every matrix of a Transformer from its
// configuration (the same list the library's layers allocate); memory is count × bytes per
// number; the training step uses a small character model built from the library's layers.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "aib/autograd/losses.hpp"
#include "aib/autograd/optim.hpp"
#include "aib/core/text.hpp"
#include "aib/nn/embedding.hpp"
#include "aib/nn/ffn.hpp"
#include "aib/nn/linear.hpp"
#include "aib/nn/param_count.hpp"
#include "aib/show/columns.hpp"
#include "aib/show/format.hpp"
#include "aib/show/plot.hpp"
#include "aib/show/table.hpp"
#include "episode.hpp"
#include "episode_text.hpp"

namespace {

using aib::show::grouped;

// A tiny next-character model: embedding -> MLP -> linear head.
struct CharModel {
  aib::Embedding embed;  // (V, D)
  aib::Mlp ffn;          // (D, 4D), (4D, D)
  aib::Linear head;      // (D, V)
  CharModel(aib::Index V, aib::Index D, aib::Rng& rng)
      : embed(V, D, rng), ffn(D, 4 * D, rng), head(D, V, rng) {}
  aib::Tensor forward(const std::vector<aib::Index>& ids) const {  // T ids -> (T, V) logits
    return head.forward(ffn.forward(embed.forward(ids)));
  }
  aib::Parameters parameters() const {
    aib::Parameters p = embed.parameters("embed");
    aib::append(p, ffn.parameters("ffn"));
    aib::append(p, head.parameters("head"));
    return p;
  }
};

}  // namespace

int main(int argc, char** argv) {
  aib::episode::Program ep(aib_embedded::episode_markdown);
  aib::Index d_model = 0, layers = 0;
  int batch = 16;
  ep.option("--d-model", d_model, "Also count a GPT-2-shaped model of this width (F = 4D)", 8,
            65536)
      .no_default();
  ep.option("--layers", layers, "Layers of that model (default: GPT-2 small's 12)", 1, 1000)
      .no_default();
  ep.option("--batch", batch, "Characters in the training step's batch", 1, 512);

  return ep.run(argc, argv, [&](aib::episode::Context& ctx) {
    namespace show = aib::show;
    std::vector<aib::TransformerConfig> configs = {aib::gpt2_small(), aib::llama_7b()};
    if (d_model > 0 || layers > 0) {
      aib::TransformerConfig mine = aib::gpt2_small();
      mine.name = "yours";
      if (d_model > 0) mine.d_model = d_model, mine.ffn_hidden = 4 * d_model;
      if (layers > 0) mine.n_layers = layers;
      configs.push_back(mine);
    }

    // ---- Where the parameters live --------------------------------------------------------------
    ctx.section("Where the parameters live");
    std::vector<std::string> header = {"component"};
    for (const auto& c : configs) {
      header.push_back(c.name);
      header.push_back("share");
    }
    show::Table table(header);
    for (std::size_t col = 1; col < header.size(); ++col) table.align(col, show::Align::right);
    std::vector<std::map<std::string, aib::Index>> parts;
    std::vector<aib::Index> totals;
    for (const auto& c : configs) {
      const auto shapes = aib::parameter_shapes(c);
      parts.push_back(aib::count_by_component(shapes));
      totals.push_back(aib::count_parameters(shapes));
    }
    for (const char* component : {"embeddings", "attention", "feed-forward", "norms", "head"}) {
      std::vector<std::string> row = {component};
      for (std::size_t i = 0; i < configs.size(); ++i) {
        const aib::Index n = parts[i].count(component) ? parts[i].at(component) : 0;
        row.push_back(grouped(n));
        row.push_back(fmt::format("{:.1f}%", 100.0 * n / totals[i]));
      }
      table.add_row(row);
    }
    std::vector<std::string> total_row = {"total"};
    for (const auto t : totals) {
      total_row.push_back(grouped(t));
      total_row.push_back("100%");
    }
    table.add_row(total_row);
    show::print(table.render(ctx.style));
    for (const auto& c : configs)
      fmt::print("{}: V = {}, D = {}, {} layers, {} width {}{}{}.\n", c.name, grouped(c.vocab_size),
                 grouped(c.d_model), c.n_layers, c.gated_ffn ? "SwiGLU" : "MLP",
                 grouped(c.ffn_hidden), c.biases ? "" : ", no biases",
                 c.tied_embeddings ? ", tied head" : "");

    // ---- Memory ---------------------------------------------------------------------------------
    ctx.section("Memory just to hold the weights (1 GiB = 2³⁰ bytes)");
    show::Table memory({"precision", "bytes each", configs[0].name, configs[1].name});
    for (std::size_t col = 1; col < 4; ++col) memory.align(col, show::Align::right);
    for (const auto& [name, bytes] : std::vector<std::pair<std::string, double>>{
             {"fp32", 4}, {"fp16 / bf16", 2}, {"int8", 1}, {"int4", 0.5}}) {
      memory.add_row({name, fmt::format("{}", bytes), show::gib(double(totals[0]) * bytes),
                      show::gib(double(totals[1]) * bytes)});
    }
    show::print(memory.render(ctx.style));

    // ---- One training step ----------------------------------------------------------------------
    const std::string text(aib::episode::parse_info(aib_embedded::episode_markdown).narrative);
    std::vector<std::string> alphabet;
    for (const auto ch : aib::utf8_chars(text)) alphabet.emplace_back(ch);
    std::sort(alphabet.begin(), alphabet.end());
    alphabet.erase(std::unique(alphabet.begin(), alphabet.end()), alphabet.end());
    std::vector<aib::Index> ids;
    for (const auto ch : aib::utf8_chars(text))
      ids.push_back(std::lower_bound(alphabet.begin(), alphabet.end(), std::string(ch)) -
                    alphabet.begin());
    const auto V = static_cast<aib::Index>(alphabet.size());

    std::vector<aib::Index> inputs, targets;  // a batch of (character, next character) pairs
    for (int i = 0; i < batch; ++i) {
      const aib::Index at = ctx.rng.uniform_index(static_cast<aib::Index>(ids.size()) - 1);
      inputs.push_back(ids[static_cast<std::size_t>(at)]);
      targets.push_back(ids[static_cast<std::size_t>(at) + 1]);
    }
    std::set<aib::Index> distinct(inputs.begin(), inputs.end());

    ctx.section("One training step of a small model");
    const aib::Rng init = ctx.rng;  // both runs start from the same weights
    std::vector<std::vector<aib::Index>> changed(2);
    aib::Index model_size = 0;
    std::vector<std::string> names;
    std::vector<aib::Index> sizes;
    for (int run = 0; run < 2; ++run) {
      aib::Rng rng = init;
      CharModel model(V, 16, rng);
      const aib::Parameters params = model.parameters();
      std::vector<aib::Mat> before;
      for (const auto& p : params) before.push_back(p.tensor.value());
      const aib::Tensor loss = aib::cross_entropy(model.forward(inputs), targets);
      loss.backward();
      if (run == 0) {
        aib::SGD opt(aib::tensors_of(params), 0.1);
        opt.step();
      } else {
        aib::AdamW opt(aib::tensors_of(params), 1e-3, 0.9, 0.999, 1e-8, 0.1);
        opt.step();
      }
      for (std::size_t k = 0; k < params.size(); ++k) {
        changed[static_cast<std::size_t>(run)].push_back(
            (params[k].tensor.value().array() != before[k].array()).count());
        if (run == 0) {
          names.push_back(params[k].name);
          sizes.push_back(params[k].tensor.size());
        }
      }
      model_size = aib::count_parameters(params);
    }
    fmt::print(
        "Embedding ({} characters x 16) -> MLP (16 -> 64 -> 16) -> head (16 -> {}):\n"
        "{} parameters. One batch of {} characters, {} of them distinct.\n\n",
        V, V, grouped(model_size), batch, distinct.size());
    show::Table step({"parameter", "numbers", "changed by SGD", "changed by AdamW"});
    for (std::size_t col = 1; col < 4; ++col) step.align(col, show::Align::right);
    aib::Index sgd_total = 0, adamw_total = 0;
    for (std::size_t k = 0; k < names.size(); ++k) {
      step.add_row({names[k], grouped(sizes[k]), grouped(changed[0][k]), grouped(changed[1][k])});
      sgd_total += changed[0][k];
      adamw_total += changed[1][k];
    }
    step.add_row({"total", grouped(model_size), grouped(sgd_total), grouped(adamw_total)});
    show::print(step.render(ctx.style));
  });
}
