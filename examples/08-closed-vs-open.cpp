// Episode 08 — Closed vs open models: renting tokens from an API, or renting a GPU for weights.
// Long (about 280 lines) because it has two halves that share nothing but the story: the cost of
// hosting, from three sourced tables, and a checkpoint saved, listed, quantised and fine-tuned.
//
// The cost half: an open model of LLaMA-7B's shape (aib/nn/gpt.hpp llama_7b) served in bf16 on
// rented GPUs. Decoding throughput comes from the config alone (aib/nn/decode_cost.hpp): batch-1
// tokens/s = memory bandwidth / bytes of weights, capped by peak FLOP/s / 2·N; a month of the GPU
// against episode 18's API output prices gives the break-even volume. Facts from the world are
// in sourced tables (examples/common/sourced_table.hpp): examples/data/gpu-prices.csv,
// gpu-specs.csv and token-prices.csv, embedded; --gpu-prices, --gpu-specs, --prices for yours.
// The hands-on half: a small character GPT is trained here on three parts of the course
// sentences, saved in Hugging Face's GPT-2 layout (aib/nn/hf_gpt2.hpp) to a temporary directory
// (or --save DIR) and loaded back; its tensors are listed from model.safetensors; it is quantised
// to int8 (aib/nn/quantize.hpp) and fine-tuned on the fourth part, which it never saw.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "aib/core/safetensors.hpp"
#include "aib/core/text.hpp"
#include "aib/nn/decode_cost.hpp"
#include "aib/nn/hf_gpt2.hpp"
#include "aib/nn/quantize.hpp"
#include "aib/nn/train.hpp"
#include "aib/show/format.hpp"
#include "aib/show/table.hpp"
#include "course_data.hpp"
#include "episode.hpp"
#include "episode_text.hpp"
#include "sourced_table.hpp"

namespace {

using aib::Index;
using aib::episode::SourcedTable;
using aib::show::grouped;

std::string tokens(double v) {  // 2.18e9 -> "2.18 billion"
  return v >= 1e9 ? fmt::format("{:.2f} billion", v / 1e9) : fmt::format("{:.0f} million", v / 1e6);
}

SourcedTable table(const std::string& path, std::string_view embedded, const char* name,
                   std::vector<std::string> columns) {
  return path.empty() ? SourcedTable::parse(embedded, name, std::move(columns))
                      : SourcedTable::read(path, std::move(columns));
}

// A positive number from a sourced table, or an error naming the file, line and column.
double positive(const SourcedTable& t, const aib::episode::SourcedRow& r, const char* column) {
  const double v = t.number(r, column);
  if (!(v > 0)) t.fail_at(r, column, "must be positive");
  return v;
}

// Characters as ids over a fixed alphabet.
std::vector<Index> encode(const std::string& text, const std::vector<std::string>& alphabet) {
  std::vector<Index> ids;
  for (const auto ch : aib::utf8_chars(text))
    ids.push_back(std::lower_bound(alphabet.begin(), alphabet.end(), std::string(ch)) -
                  alphabet.begin());
  return ids;
}

// The temporary checkpoint directory, removed at the end (not with --save).
struct Scratch {
  std::string dir;
  bool keep = false;
  ~Scratch() {
    std::error_code ec;
    if (!keep) std::filesystem::remove_all(dir, ec);
  }
};

}  // namespace

int main(int argc, char** argv) {
  aib::episode::Program ep(aib_embedded::episode_markdown);
  std::string prices_file, gpu_prices_file, gpu_specs_file, save_dir;
  double bytes_per_weight = 2;
  int steps = 600, tune_steps = 50;
  ep.option("--bytes-per-weight", bytes_per_weight,
            "Bytes per weight of the hosted model (2 bf16, 1 int8, 0.5 int4)", 0.5, 4);
  ep.option("--steps", steps, "AdamW steps training the small GPT", 1, 20000);
  ep.option("--tune-steps", tune_steps, "AdamW steps fine-tuning it on the new text", 1, 5000);
  ep.flags()
      .add("--prices", prices_file, "API prices (default: examples/data/token-prices.csv)")
      .existing_file();
  ep.flags()
      .add("--gpu-prices", gpu_prices_file, "GPU prices (default: examples/data/gpu-prices.csv)")
      .existing_file();
  ep.flags()
      .add("--gpu-specs", gpu_specs_file, "GPU data sheets (default: examples/data/gpu-specs.csv)")
      .existing_file();
  ep.flags()
      .add("--save", save_dir, "Keep the saved checkpoint in this directory")
      .type_name("DIR");

  return ep.run(argc, argv, [&](aib::episode::Context& ctx) {
    namespace show = aib::show;
    // ---- The sourced facts --------------------------------------------------------------------
    const SourcedTable api = table(prices_file, aib_embedded::token_prices, "token-prices.csv",
                                   {"model", "input_per_million", "output_per_million"});
    const SourcedTable rent = table(gpu_prices_file, aib_embedded::gpu_prices, "gpu-prices.csv",
                                    {"gpu", "dollars_per_hour", "provider"});
    const SourcedTable specs = table(gpu_specs_file, aib_embedded::gpu_specs, "gpu-specs.csv",
                                     {"gpu", "quantity", "value"});
    std::map<std::string, std::map<std::string, double>> sheet;  // gpu -> quantity -> value
    for (const auto& r : specs.rows()) {
      const std::string& q = specs.text(r, "quantity");
      if (q != "memory_gb" && q != "bandwidth_gb_per_s" && q != "bf16_dense_tflops")
        specs.fail_at(r, "quantity", "must be memory_gb, bandwidth_gb_per_s or bf16_dense_tflops");
      if (!sheet[specs.text(r, "gpu")].emplace(q, positive(specs, r, "value")).second)
        specs.fail_at(r, "quantity", "this GPU's " + q + " is listed twice");
    }

    const aib::TransformerConfig c = aib::llama_7b();
    ctx.section("Hosting an open model of " + c.name + "'s shape");
    const aib::DecodeCost per = aib::decode_cost(c, bytes_per_weight, {"unit", 1, 1});
    fmt::print(
        "{} parameters. Each decoding step reads N = {} of them:\n"
        "{:.1f} GB at {:g} bytes a weight, and spends 2·N = {:.1f} GFLOP per token.\n\n",
        grouped(aib::count_parameters(aib::parameter_shapes(c))), grouped(per.parameters),
        per.bytes_per_step / 1e9, bytes_per_weight, per.flops_per_token / 1e9);
    show::Table gpus(
        {"GPU", "$/hour", "$/month", "GB/s", "TFLOP/s", "tokens/s", "cap/s", "ridge", "$/M"});
    struct Offer {
      std::string gpu;
      double month = 0, tokens_per_s = 0, ridge = 0;
    };
    std::vector<Offer> offers;
    for (const auto& r : rent.rows()) {
      const std::string& gpu = rent.text(r, "gpu");
      const auto s = sheet.find(gpu);
      if (s == sheet.end() || s->second.size() != 3)
        rent.fail_at(r, "gpu", "'" + gpu + "' needs memory, bandwidth and peak in gpu-specs.csv");
      if (s->second.at("memory_gb") * 1e9 < per.bytes_per_step)
        rent.fail_at(r, "gpu", "'" + gpu + "' cannot hold the weights");
      const aib::Accelerator a{gpu, s->second.at("bandwidth_gb_per_s") * 1e9,
                               s->second.at("bf16_dense_tflops") * 1e12};
      const aib::DecodeCost d = aib::decode_cost(c, bytes_per_weight, a);
      const double hour = positive(rent, r, "dollars_per_hour");
      const double month = hour * aib::hours_per_month;
      const double per_month = d.tokens_per_s * aib::hours_per_month * 3600;
      gpus.add_row({gpu, fmt::format("{:.2f}", hour), grouped(std::round(month)),
                    grouped(a.bandwidth / 1e9), fmt::format("{:g}", a.peak_flops / 1e12),
                    grouped(std::round(d.tokens_per_s)), grouped(d.compute_tokens_per_s),
                    fmt::format("{:.0f}", d.ridge_batch),
                    fmt::format("{:.2f}", month / per_month * 1e6)});
      offers.push_back({gpu, month, d.tokens_per_s, d.ridge_batch});
    }
    show::print(gpus.render(ctx.style));
    fmt::print(
        "tokens/s: decoding one sequence (batch 1), bandwidth / bytes; cap/s: peak / 2·N,\n"
        "the most any batch reaches, from the ridge batch on; $/M: dollars per million\n"
        "tokens at batch 1, the GPU busy all {:g} hours of a month.\n",
        aib::hours_per_month);

    ctx.section("Break-even against an API's output price (tokens per month)");
    std::vector<std::string> head = {"API", "$/M out"};
    for (const Offer& o : offers) head.insert(head.end(), {o.gpu, "batch"});
    show::Table even(head);
    for (const auto& r : api.rows()) {
      const double price = positive(api, r, "output_per_million");
      std::vector<std::string> row = {api.text(r, "model"), fmt::format("{:.2f}", price)};
      for (const Offer& o : offers) {
        const double volume = aib::break_even_tokens(o.month, price);
        const double batch = std::ceil(volume / (o.tokens_per_s * aib::hours_per_month * 3600));
        row.push_back(tokens(volume));
        row.push_back(batch <= o.ridge ? fmt::format("{:g}", batch) : "> ridge");
      }
      even.add_row(row);
    }
    show::print(even.render(ctx.style));
    fmt::print(
        "batch: sequences decoded together to serve that volume on one GPU (memory bound:\n"
        "each step reads the weights once for all of them). At batch 1 a month is\n");
    for (const Offer& o : offers)
      fmt::print("  {:<14} {} tokens\n", o.gpu,
                 tokens(o.tokens_per_s * aib::hours_per_month * 3600));
    fmt::print(
        "A 7B open model and these API models do not answer equally well: this compares\n"
        "price only.\n");

    // ---- Open weights in your hands -----------------------------------------------------------
    const auto sentences =
        aib::episode::parse_sentences(aib_embedded::course_sentences, "course-sentences.txt");
    std::string old_text, new_text, new_held;
    int seen_new = 0;
    for (const auto& s : sentences) {
      if (s.label != "big-picture")
        old_text += s.text + "\n";
      else
        (++seen_new % 4 == 0 ? new_held : new_text) += s.text + "\n";
    }
    std::vector<std::string> alphabet;
    const std::string all = old_text + new_text + new_held;  // named: utf8_chars views into it
    for (const auto ch : aib::utf8_chars(all)) alphabet.emplace_back(ch);
    std::sort(alphabet.begin(), alphabet.end());
    alphabet.erase(std::unique(alphabet.begin(), alphabet.end()), alphabet.end());
    const auto [train_ids, held_ids] = aib::split_stream(encode(old_text, alphabet), 0.9);
    const Index T = 32;
    const aib::TokenBatches train(train_ids, T, 8), held(held_ids, T, 16);
    const aib::TokenBatches tune(encode(new_text, alphabet), T, 8);
    const aib::TokenBatches tune_held(encode(new_held, alphabet), T, 16);

    aib::TransformerConfig small{
        "course GPT", Index(alphabet.size()), T, 32, 2, 2, 128, false, true, true, true, true};
    aib::Gpt model(small, ctx.rng);
    aib::AdamW opt(aib::tensors_of(model.parameters()), 3e-3);
    aib::train_steps(model, opt, train, ctx.rng, steps);

    Scratch scratch{save_dir, !save_dir.empty()};
    if (save_dir.empty())
      scratch.dir = (std::filesystem::temp_directory_path() /
                     fmt::format("aibasics-08-{}", std::random_device{}()))
                        .string();
    aib::save_hf_gpt2(model, scratch.dir);
    const aib::Gpt loaded = aib::load_hf_gpt2(scratch.dir);
    double differ = 0;
    for (std::size_t k = 0; k < model.parameters().size(); ++k)
      differ += (model.parameters()[k].tensor.value().array() !=
                 loaded.parameters()[k].tensor.value().array())
                    .count();

    ctx.section("Open weights: a checkpoint on disk, in Hugging Face's GPT-2 layout");
    const std::string weights = scratch.dir + "/" + aib::hf_weights_file;
    fmt::print(
        "A {}-layer character GPT ({} parameters, {} characters), {} AdamW steps\n"
        "on three parts of the course sentences, saved to {}:\n"
        "  {} ({} bytes) and {} ({} bytes);\n"
        "loaded back, {} numbers differ.\n\n",
        small.n_layers, grouped(aib::count_parameters(model.parameters())), alphabet.size(), steps,
        save_dir.empty() ? "a temporary directory" : save_dir, aib::hf_weights_file,
        grouped(double(std::filesystem::file_size(weights))), aib::hf_config_file,
        grouped(double(std::filesystem::file_size(scratch.dir + "/" + aib::hf_config_file))),
        differ);
    show::Table list({"tensor", "shape", "dtype", "mean", "std", "max |w|"});
    for (const auto& [name, t] : aib::read_safetensors(weights).tensors) {
      const std::vector<float> v = aib::to_vector<float>(t, name);
      double sum = 0, sq = 0, top = 0;
      for (const float w : v)
        sum += w, sq += double(w) * w, top = std::max(top, double(std::abs(w)));
      const double mean = sum / double(v.size());
      std::string shape;
      for (const Index n : t.shape) shape += (shape.empty() ? "" : " × ") + std::to_string(n);
      list.add_row(
          {name, shape, std::string(aib::safetensors_dtype(t.dtype)), fmt::format("{:+.3f}", mean),
           fmt::format("{:.3f}", std::sqrt(std::max(0.0, sq / double(v.size()) - mean * mean))),
           fmt::format("{:.3f}", top)});
    }
    show::print(list.render(ctx.style));

    ctx.section("Quantised to int8: 8 bits a weight, one scale per output channel");
    aib::QuantReport q;
    const aib::Gpt int8 = aib::quantized_copy(loaded, &q);
    const double before = aib::evaluate_loss(loaded, held), after = aib::evaluate_loss(int8, held);
    fmt::print(
        "{} matrices, {} weights; {} numbers stay float (norms, biases).\n"
        "Size {} -> {} bytes: {:.2f}× smaller. Largest error: {:.3f} of a step.\n"
        "Held-out loss {:.4f} -> {:.4f} ({:+.2f}%), perplexity {:.3f} -> {:.3f}.\n",
        q.matrices, grouped(q.weights), grouped(q.kept_float), grouped(double(q.bytes_before)),
        grouped(double(q.bytes_after)), double(q.bytes_before) / double(q.bytes_after),
        q.max_error_in_steps, before, after, 100 * (after / before - 1), std::exp(before),
        std::exp(after));
    double float_bytes = 0, int8_bytes = 0;  // the same scheme on the hosted model's shapes
    for (const aib::ParamShape& p : aib::parameter_shapes(c)) {
      float_bytes += 4.0 * double(p.size());
      const bool kept = p.rows == 1;  // norms (and biases): float
      const Index channels = p.name == "wte.weight" ? p.rows : p.cols;
      int8_bytes += kept ? 4.0 * double(p.size()) : double(p.size()) + 4.0 * double(channels);
    }
    fmt::print("The same scheme on {}: {:.1f} -> {:.1f} GB, {:.2f}× smaller.\n", c.name,
               float_bytes / 1e9, int8_bytes / 1e9, float_bytes / int8_bytes);

    ctx.section("Fine-tuned on text it never saw (the big-picture sentences)");
    const double new_before = aib::evaluate_loss(loaded, tune_held);
    aib::AdamW tune_opt(aib::tensors_of(loaded.parameters()), 1e-3);
    aib::train_steps(loaded, tune_opt, tune, ctx.rng, tune_steps);
    fmt::print(
        "{} AdamW steps on {} characters. Loss on {} held-out characters of the new\n"
        "text {:.3f} -> {:.3f}; on the old held-out text {:.3f} -> {:.3f}.\n",
        tune_steps, grouped(double(tune.stream().size())),
        grouped(double(tune_held.stream().size())), new_before,
        aib::evaluate_loss(loaded, tune_held), before, aib::evaluate_loss(loaded, held));
  });
}
