// shape_tasks.hpp — the three small tasks of episode 25, one for each Transformer shape, and the
// size of its models.
//
// An encoder classifies a whole string (majority_strings: does a outnumber b?), a decoder
// continues a repeating motif (all_motifs, repeated), an encoder-decoder reverses a digit string
// (digit_strings). Every generator draws from the caller's Rng, in a fixed order, and keeps the
// training and held-out items distinct. Leaves out: padding (batches hold equal lengths or are
// padded by the models), noise in the labels.
#pragma once

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "aib/core/random.hpp"
#include "aib/core/types.hpp"
#include "aib/nn/transformer.hpp"

namespace aib::toy {

using Ids = std::vector<Index>;

// "a b c" letters (first = 'a') or digits (first = '0') of a token string: {0, 2} -> "ac".
inline std::string letters(const Ids& ids, char first) {
  std::string s;
  for (const Index t : ids) s += static_cast<char>(first + t);
  return s;
}

// The one size all three models share: D = 16, 2 heads, F = 32, one block.
inline StackConfig tiny_stack(Index vocab, Index max_len, Positions positions) {
  StackConfig c;
  c.vocab_size = vocab;
  c.d_model = 16;
  c.n_heads = 2;
  c.ffn_hidden = 32;
  c.n_layers = 1;
  c.max_len = max_len;
  c.positions = positions;
  return c;
}

// Minibatch b of a shuffled order, wrapping around: the indices of its `size` items.
inline std::vector<std::size_t> batch_of(const std::vector<Index>& order, int b, int size) {
  std::vector<std::size_t> out;
  for (int i = 0; i < size; ++i)
    out.push_back(
        static_cast<std::size_t>(order[static_cast<std::size_t>(b * size + i) % order.size()]));
  return out;
}

// Strings and their labels, split into training and held-out items.
struct Labelled {
  std::vector<Ids> train, test;
  Ids y_train, y_test;  // (N) label of each string
};

// Distinct strings of `length` letters a/b/c (tokens 0, 1, 2), labelled 1 if a outnumbers b and
// 0 if b outnumbers a; ties are never drawn. The first n_train go to training.
inline Labelled majority_strings(Index length, std::size_t n_train, std::size_t n_test, Rng& rng) {
  Labelled out;
  std::set<Ids> seen;
  while (out.train.size() < n_train || out.test.size() < n_test) {
    Ids s;
    Index balance = 0;  // #a − #b
    for (Index t = 0; t < length; ++t) {
      s.push_back(rng.uniform_index(3));
      balance += s.back() == 0 ? 1 : s.back() == 1 ? -1 : 0;
    }
    if (balance == 0 || !seen.insert(s).second) continue;  // no ties, no repeats
    const bool train = out.train.size() < n_train;
    (train ? out.train : out.test).push_back(s);
    (train ? out.y_train : out.y_test).push_back(balance > 0 ? 1 : 0);
  }
  return out;
}

// Every three-token motif over `letters` tokens, in order: {0,0,0}, {0,0,1}, …
inline std::vector<Ids> all_motifs(Index letters) {
  std::vector<Ids> out;
  for (Index m = 0; m < letters * letters * letters; ++m)
    out.push_back({m / (letters * letters), (m / letters) % letters, m % letters});
  return out;
}

// `motif` written `times` times in a row.
inline Ids repeated(const Ids& motif, int times) {
  Ids s;
  for (int r = 0; r < times; ++r) s.insert(s.end(), motif.begin(), motif.end());
  return s;
}

// Distinct strings of 3 to 5 digits (tokens 0..9): n_train to train on, then n_test held out.
inline std::pair<std::vector<Ids>, std::vector<Ids>> digit_strings(std::size_t n_train,
                                                                   std::size_t n_test, Rng& rng) {
  std::vector<Ids> train, test;
  std::set<Ids> seen;
  while (train.size() < n_train || test.size() < n_test) {
    Ids s;
    const Index len = 3 + rng.uniform_index(3);
    for (Index t = 0; t < len; ++t) s.push_back(rng.uniform_index(10));
    if (!seen.insert(s).second) continue;
    (train.size() < n_train ? train : test).push_back(s);
  }
  return {train, test};
}

}  // namespace aib::toy
