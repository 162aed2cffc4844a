// aib/generative/ngram.hpp — a character n-gram language model: the smallest generative model.
//
// Counting estimates p(next | context) = count(context + next) / count(context), where the
// context is the previous n−1 characters (Shannon 1948 built English-like text this way).
// Generation is repeated next-character prediction: draw a character from p(· | context),
// append it, slide the context, repeat. A context never seen in training backs off to its
// longest seen suffix, down to the empty context (character frequencies). Characters are
// Unicode code points; V is the alphabet size, so one distribution is a (V) vector.
// Leaves out: smoothing (a continuation never seen has probability 0) and word-level symbols.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "aib/core/check.hpp"
#include "aib/core/random.hpp"
#include "aib/core/sampling.hpp"
#include "aib/core/text.hpp"
#include "aib/core/types.hpp"

namespace aib {

class NgramModel {
 public:
  // order n: each prediction looks at the previous n − 1 characters (n = 1: no context at all).
  explicit NgramModel(int order) : order_(order) {
    if (order < 1 || order > 16) fail("NgramModel: order must be in [1, 16], got {}", order);
  }

  // Count every (context, next) pair of the text, for every context length 0 … n−1. The text is
  // read as a loop (its end is followed by its start), so every context that occurs has at least
  // one continuation and generation can never get stuck.
  void fit(std::string_view text) {
    const std::vector<std::string_view> chars = utf8_chars(text);
    const auto N = static_cast<Index>(chars.size());
    if (N < order_)
      fail("NgramModel::fit: the text has {} characters; order {} needs at least {}", N, order_,
           order_);
    alphabet_.assign(chars.begin(), chars.end());
    std::sort(alphabet_.begin(), alphabet_.end());
    alphabet_.erase(std::unique(alphabet_.begin(), alphabet_.end()), alphabet_.end());
    id_.clear();
    for (std::size_t i = 0; i < alphabet_.size(); ++i) id_[alphabet_[i]] = static_cast<char32_t>(i);

    std::u32string ids(static_cast<std::size_t>(N), 0);  // (N) the text as symbol ids
    for (Index t = 0; t < N; ++t) ids[static_cast<std::size_t>(t)] = id_.at(std::string(chars[static_cast<std::size_t>(t)]));
    counts_.clear();
    const auto V = static_cast<std::size_t>(alphabet_.size());
    for (Index t = 0; t < N; ++t) {
      std::u32string context;  // grows from the empty context to n−1 symbols before t
      for (int k = 0; k < order_; ++k) {
        if (k > 0) context.insert(context.begin(), ids[static_cast<std::size_t>((t - k + N) % N)]);
        std::vector<double>& row = counts_[context];
        if (row.empty()) row.assign(V, 0.0);
        row[ids[static_cast<std::size_t>(t)]] += 1.0;
      }
    }
    text_size_ = N;
  }

  int order() const { return order_; }
  Index vocab_size() const { return static_cast<Index>(alphabet_.size()); }
  const std::vector<std::string>& alphabet() const { return alphabet_; }  // (V), sorted
  Index training_size() const { return text_size_; }

  // Number of distinct contexts of full length n − 1 seen in training.
  Index num_contexts() const {
    return static_cast<Index>(std::count_if(counts_.begin(), counts_.end(), [&](const auto& kv) {
      return static_cast<int>(kv.first.size()) == order_ - 1;
    }));
  }

  // What the model predicts after `text`: the context it actually used (after back-off), how
  // often that context occurred, and p(next | context) as a (V) vector over alphabet().
  struct Prediction {
    std::string context;  // the suffix of the input that was found in training
    double count = 0;     // occurrences of that context in training
    VecD probs;           // (V)
  };
  Prediction predict(std::string_view text) const {
    require_fitted("NgramModel::predict");
    const std::vector<std::string_view> chars = utf8_chars(text);
    const std::vector<double>& row = lookup(chars);
    const std::size_t used = used_context_length(chars);
    Prediction p;
    for (std::size_t i = chars.size() - used; i < chars.size(); ++i) p.context += chars[i];
    VecD counts = Eigen::Map<const VecD>(row.data(), static_cast<Index>(row.size()));  // (V)
    p.count = counts.sum();
    p.probs = counts / p.count;
    return p;
  }

  // Generate up to n_chars characters after `prompt` (the prompt is not repeated in the result),
  // stopping early after a `stop` character if one is given (e.g. "\n": one line).
  // temperature reshapes each distribution: p_i ∝ count_i^(1/T), i.e. softmax(log count / T);
  // T = 1 is the counted distribution, T → 0 always takes the most frequent continuation.
  std::string sample(Rng& rng, std::string_view prompt, Index n_chars, double temperature,
                     std::string_view stop = {}) const {
    require_fitted("NgramModel::sample");
    if (n_chars < 0) fail("NgramModel::sample: n_chars must be >= 0, got {}", n_chars);
    std::vector<std::string_view> context = utf8_chars(prompt);
    std::string out;
    VecD logits(vocab_size());  // (V)
    for (Index t = 0; t < n_chars; ++t) {
      const std::vector<double>& row = lookup(context);
      for (Index v = 0; v < vocab_size(); ++v)
        logits(v) = row[static_cast<std::size_t>(v)] > 0
                        ? std::log(row[static_cast<std::size_t>(v)])
                        : -std::numeric_limits<double>::infinity();
      const Index next = sample_logits(rng, logits, temperature);
      const std::string& c = alphabet_[static_cast<std::size_t>(next)];
      out += c;
      if (!stop.empty() && c == stop) break;
      context.push_back(c);
      if (static_cast<int>(context.size()) > order_) context.erase(context.begin());
    }
    return out;
  }

 private:
  void require_fitted(const char* where) const {
    if (alphabet_.empty()) fail("{}: the model has not been fitted; call fit(text) first", where);
  }

  // The symbol ids of the last k characters, or nothing if one of them is not in the alphabet.
  bool suffix_ids(const std::vector<std::string_view>& chars, std::size_t k,
                  std::u32string& key) const {
    key.clear();
    for (std::size_t i = chars.size() - k; i < chars.size(); ++i) {
      const auto it = id_.find(std::string(chars[i]));
      if (it == id_.end()) return false;
      key.push_back(it->second);
    }
    return true;
  }

  // Longest suffix length (≤ n − 1) of `chars` that occurred as a context in training.
  std::size_t used_context_length(const std::vector<std::string_view>& chars) const {
    std::u32string key;
    const std::size_t longest = std::min<std::size_t>(chars.size(), order_ - 1);
    for (std::size_t k = longest; k > 0; --k)
      if (suffix_ids(chars, k, key) && counts_.count(key)) return k;
    return 0;
  }

  const std::vector<double>& lookup(const std::vector<std::string_view>& chars) const {
    std::u32string key;
    suffix_ids(chars, used_context_length(chars), key);
    return counts_.at(key);
  }

  int order_;
  Index text_size_ = 0;
  std::vector<std::string> alphabet_;                             // (V) symbols
  std::unordered_map<std::string, char32_t> id_;                  // symbol -> id
  std::unordered_map<std::u32string, std::vector<double>> counts_;  // context -> (V) counts
};

// How much of a generated text is new: the share of its n-character windows that never occur
// anywhere in the training text. Short windows are mostly copied; long ones mostly are not.
struct Novelty {
  Index windows = 0;  // n-character windows in the sample
  Index novel = 0;    // of those, how many never occur in the training text
  double fraction() const { return windows ? static_cast<double>(novel) / windows : 0.0; }
};

inline Novelty novelty(const std::vector<std::string>& samples, std::string_view training, int n) {
  if (n < 1) fail("novelty: window length must be >= 1, got {}", n);
  const auto windows_of = [n](std::string_view s) {
    const std::vector<std::string_view> chars = utf8_chars(s);
    std::vector<std::string> out;
    for (std::size_t i = 0; i + static_cast<std::size_t>(n) <= chars.size(); ++i) {
      std::string w;
      for (int k = 0; k < n; ++k) w += chars[i + static_cast<std::size_t>(k)];
      out.push_back(std::move(w));
    }
    return out;
  };
  const std::vector<std::string> seen_list = windows_of(training);
  const std::unordered_set<std::string> seen(seen_list.begin(), seen_list.end());
  Novelty result;
  for (const std::string& s : samples)
    for (const std::string& w : windows_of(s)) {
      ++result.windows;
      result.novel += seen.count(w) ? 0 : 1;
    }
  return result;
}

}  // namespace aib
