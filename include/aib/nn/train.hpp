// aib/nn/train.hpp — the pieces every language-model training loop in the course repeats.
//
//   split_stream(stream, 0.9)           -> {first 90% of the tokens, the last 10%}
//   TokenBatches data(stream, T, B)     data.sample(rng): B random windows  x (B·T), y (B·T)
//                                       data.sequential(): every whole window, in order, once
//   evaluate_loss(model, batches)       mean cross-entropy per predicted token, under NoGrad
//   save_checkpoint / load_checkpoint   a GPT's parameters + step + config in one safetensors file
//   train_steps(model, opt, data, ...)  zero_grad, loss, backward, step — `steps` times
// A window of T + 1 consecutive tokens gives the inputs x = tokens[s, s+T) and the targets
// y = tokens[s+1, s+T+1): the token that follows each input (B windows stacked as GptT expects).
// Leaves out: data loading from disk, shuffled epochs, gradient accumulation, optimizer state in
// the checkpoint (a resumed run restarts AdamW's moments).
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "aib/autograd/optim.hpp"
#include "aib/core/random.hpp"
#include "aib/core/safetensors.hpp"
#include "aib/nn/checkpoint.hpp"
#include "aib/nn/gpt.hpp"

namespace aib {

// ---- Train / validation split -------------------------------------------------------------------

// The first round(fraction·n) tokens for training, the rest held out. Both parts must be non-empty.
inline std::pair<std::vector<Index>, std::vector<Index>> split_stream(
    const std::vector<Index>& stream, double fraction) {
  if (!(fraction > 0.0 && fraction < 1.0))
    fail("split_stream: fraction = {}; it must lie strictly between 0 and 1", fraction);
  const auto n = static_cast<Index>(stream.size());
  const auto cut = static_cast<Index>(std::llround(fraction * static_cast<double>(n)));
  if (cut < 1 || cut >= n)
    fail(
        "split_stream: {} tokens split at fraction {} leave {} for training and {} held out; "
        "both parts need at least one token",
        n, fraction, cut, n - cut);
  return {std::vector<Index>(stream.begin(), stream.begin() + cut),
          std::vector<Index>(stream.begin() + cut, stream.end())};
}

// ---- Batches of windows -------------------------------------------------------------------------

// B windows of T tokens: the inputs and, one position later, the targets.
struct TokenBatch {
  std::vector<Index> x;       // (B·T) window b's tokens at [b·T, (b+1)·T)
  std::vector<Index> y;       // (B·T) y[i] is the token after x[i]
  Index batch = 0;            // B
  Index context = 0;          // T
  std::vector<Index> starts;  // (B) where each window begins in the stream
};

class TokenBatches {
 public:
  // stream: the token ids; context T: tokens per window; batch B: windows per batch.
  TokenBatches(std::vector<Index> stream, Index context, Index batch)
      : stream_(std::move(stream)), context_(context), batch_(batch) {
    if (context < 1 || batch < 1)
      fail("TokenBatches: context = {} and batch = {}; both must be >= 1", context, batch);
    if (static_cast<Index>(stream_.size()) < context + 1)
      fail(
          "TokenBatches: a stream of {} tokens is too short for one window of context {} "
          "(it needs T + 1 = {} tokens: T inputs and the target after the last)",
          stream_.size(), context, context + 1);
  }

  Index context() const { return context_; }
  Index batch() const { return batch_; }
  const std::vector<Index>& stream() const { return stream_; }
  // Number of distinct windows: starts 0 .. n − T − 1.
  Index windows() const { return static_cast<Index>(stream_.size()) - context_; }

  // The windows beginning at `starts` (each in [0, windows())).
  TokenBatch at(const std::vector<Index>& starts) const {
    if (starts.empty()) fail("TokenBatches::at: no window starts given");
    TokenBatch out;
    out.batch = static_cast<Index>(starts.size());
    out.context = context_;
    out.starts = starts;
    out.x.reserve(starts.size() * static_cast<std::size_t>(context_));
    out.y.reserve(out.x.capacity());
    for (const Index s : starts) {
      if (s < 0 || s >= windows())
        fail(
            "TokenBatches::at: window start {} is outside [0, {}) for a stream of {} tokens and "
            "context {}",
            s, windows(), stream_.size(), context_);
      for (Index t = 0; t < context_; ++t) {
        out.x.push_back(stream_[static_cast<std::size_t>(s + t)]);
        out.y.push_back(stream_[static_cast<std::size_t>(s + t + 1)]);
      }
    }
    return out;
  }

  // B windows with starts drawn uniformly (with replacement) from the project's Rng.
  TokenBatch sample(Rng& rng) const {
    std::vector<Index> starts(static_cast<std::size_t>(batch_));
    for (Index& s : starts) s = rng.uniform_index(windows());
    return at(starts);
  }

  // Every non-overlapping window 0, T, 2T, … that fits, in order, grouped B at a time (the last
  // batch may hold fewer). Each target position 1 .. k·T is predicted exactly once, where
  // k = ⌊(n − 1)/T⌋; the last n − 1 − k·T tokens of the stream are left out.
  std::vector<TokenBatch> sequential() const {
    const Index k = (static_cast<Index>(stream_.size()) - 1) / context_;
    std::vector<TokenBatch> out;
    for (Index first = 0; first < k; first += batch_) {
      std::vector<Index> starts;
      for (Index w = first; w < std::min(k, first + batch_); ++w) starts.push_back(w * context_);
      out.push_back(at(starts));
    }
    return out;
  }

 private:
  std::vector<Index> stream_;
  Index context_ = 0, batch_ = 0;
};

// ---- Evaluation ---------------------------------------------------------------------------------

// Mean cross-entropy per predicted token over the given batches, without building a graph:
//   Σ_b (B_b·T)·loss_b / Σ_b (B_b·T)
// which is the plain mean of the batch losses when every batch has the same size.
template <class Model>
double evaluate_loss(const Model& model, const std::vector<TokenBatch>& batches) {
  if (batches.empty()) fail("evaluate_loss: no batches to evaluate");
  NoGrad no_graph;
  double sum = 0.0, tokens = 0.0;
  for (const TokenBatch& b : batches) {
    const double n = static_cast<double>(b.x.size());
    sum += n * static_cast<double>(model.loss(b.x, b.y, b.batch).item());
    tokens += n;
  }
  const double mean = sum / tokens;
  if (!std::isfinite(mean))
    throw DivergenceError(fmt::format(
        "evaluate_loss: the loss is {}; the model's weights are not finite (did training diverge?)",
        mean));
  return mean;
}

// Mean loss over `n_batches` random batches drawn from `data` with `rng`.
template <class Model>
double evaluate_loss(const Model& model, const TokenBatches& data, Index n_batches, Rng& rng) {
  if (n_batches < 1) fail("evaluate_loss: n_batches = {}; it must be >= 1", n_batches);
  std::vector<TokenBatch> batches;
  for (Index i = 0; i < n_batches; ++i) batches.push_back(data.sample(rng));
  return evaluate_loss(model, batches);
}

// Mean loss over the whole stream of `data`, window by window (TokenBatches::sequential).
template <class Model>
double evaluate_loss(const Model& model, const TokenBatches& data) {
  return evaluate_loss(model, data.sequential());
}

// ---- Training loop ------------------------------------------------------------------------------

// `steps` optimizer steps on random batches of `data`; after each, on_step(step, loss), the step
// counted from 1 like every training loop's messages. Returns the last batch loss. A loss that is
// NaN or infinite stops the run before the optimizer applies its gradients: DivergenceError naming
// the step (check_finite_loss).
template <class Model, class OnStep>
float train_steps(const Model& model, Optimizer& optimizer, const TokenBatches& data, Rng& rng,
                  Index steps, OnStep&& on_step) {
  if (steps < 1) fail("train_steps: steps = {}; it must be >= 1", steps);
  float last = 0.f;
  for (Index s = 1; s <= steps; ++s) {
    const TokenBatch b = data.sample(rng);
    optimizer.zero_grad();
    const Tensor loss = model.loss(b.x, b.y, b.batch);  // (1, 1)
    check_finite_loss("train_steps", loss.item(), static_cast<long>(s));
    loss.backward();
    optimizer.step();
    last = loss.item();
    on_step(s, last);
  }
  return last;
}
template <class Model>
float train_steps(const Model& model, Optimizer& optimizer, const TokenBatches& data, Rng& rng,
                  Index steps) {
  return train_steps(model, optimizer, data, rng, steps, [](Index, float) {});
}

// ---- Checkpoints --------------------------------------------------------------------------------

// The config as safetensors metadata strings ("config.d_model" -> "128", …).
inline std::map<std::string, std::string> config_metadata(const TransformerConfig& c) {
  const auto flag = [](bool b) { return std::string(b ? "true" : "false"); };
  return {{"config.name", c.name},
          {"config.vocab_size", std::to_string(c.vocab_size)},
          {"config.context", std::to_string(c.context)},
          {"config.d_model", std::to_string(c.d_model)},
          {"config.n_layers", std::to_string(c.n_layers)},
          {"config.n_heads", std::to_string(c.n_heads)},
          {"config.ffn_hidden", std::to_string(c.ffn_hidden)},
          {"config.gated_ffn", flag(c.gated_ffn)},
          {"config.biases", flag(c.biases)},
          {"config.layernorm", flag(c.layernorm)},
          {"config.learned_positions", flag(c.learned_positions)},
          {"config.tied_embeddings", flag(c.tied_embeddings)}};
}

struct CheckpointInfo {
  long step = 0;
  std::map<std::string, std::string> metadata;  // everything in the file's __metadata__
};

// The model's parameters (nn/checkpoint.hpp), plus metadata: "format", "step", the config
// (config_metadata) and any `extra` strings (which may not reuse those keys).
inline void save_checkpoint(const std::string& path, const Gpt& model, long step,
                            const std::map<std::string, std::string>& extra = {}) {
  std::map<std::string, std::string> meta = config_metadata(model.config);
  meta["format"] = "aibasics-gpt";
  meta["step"] = std::to_string(step);
  for (const auto& [key, value] : extra)
    if (!meta.emplace(key, value).second)
      fail("save_checkpoint: extra metadata key '{}' is reserved (format, step, config.*)", key);
  save_parameters(path, model.parameters(), meta);
}

// Loads a checkpoint save_checkpoint wrote into `model`, whose config must match the file's
// (every size and switch except the name); a mismatch is refused before any value is copied.
inline CheckpointInfo load_checkpoint(const std::string& path, const Gpt& model) {
  const SafeTensors file = read_safetensors(path);
  const auto it = file.metadata.find("format");
  if (it == file.metadata.end() || it->second != "aibasics-gpt")
    throw IoError(
        fmt::format("load_checkpoint: '{}' is not a GPT checkpoint of save_checkpoint "
                    "(its metadata has no \"format\": \"aibasics-gpt\")",
                    path));
  for (const auto& [key, value] : config_metadata(model.config)) {
    if (key == "config.name") continue;
    const auto stored = file.metadata.find(key);
    if (stored == file.metadata.end())
      throw IoError(fmt::format("load_checkpoint: '{}' has no metadata '{}'", path, key));
    if (stored->second != value)
      throw IoError(fmt::format("load_checkpoint: '{}' was saved with {} = {}, the model has {}",
                                path, key.substr(7), stored->second, value));
  }
  load_parameters(path, model.parameters());
  CheckpointInfo info;
  info.metadata = file.metadata;
  const auto step = file.metadata.find("step");
  if (step != file.metadata.end()) {
    // The whole string or nothing: "5e3", "0x10", "3.9" and "12abc" are refused, not read as 5,
    // 0, 3 and 12 as std::stol would.
    const std::string& text = step->second;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, info.step);
    if (text.empty() || ec != std::errc() || ptr != end || info.step < 0)
      throw IoError(fmt::format("load_checkpoint: '{}' has step = '{}', not a whole number >= 0",
                                path, printable(text)));
  }
  return info;
}

}  // namespace aib
