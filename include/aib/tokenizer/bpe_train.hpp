// aib/tokenizer/bpe_train.hpp — learning a byte-level BPE vocabulary from text.
//
// Start from the 256 bytes (token id = byte value); split the text into pieces with a split pattern
// (pretokenize.hpp), so merges never cross a word boundary; then, until the vocabulary is full,
// find the most frequent adjacent pair of tokens, give it a new id and replace it everywhere.
// Tie-break (documented, deterministic): among pairs with the highest count, the one that occurs
// first in the training text — the rule minbpe's insertion-ordered dict gives. Two trainers sit side
// by side: train_bpe_plain recounts every pair after each merge (as minbpe does), train_bpe keeps a
// table of distinct words and updates only the counts of pairs next to a merge, with a heap; both
// learn identical merges. Leaves out: multithreading, dropout, min-frequency cut-offs.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "aib/core/check.hpp"
#include "aib/tokenizer/encoding.hpp"
#include "aib/tokenizer/pretokenize.hpp"

namespace aib::tokenizer {

struct TrainOptions {
  std::size_t vocab_size = 1000;               // ordinary tokens: 256 bytes + merges
  SplitPattern pattern = SplitPattern::gpt2;   // how the text is cut before counting pairs
  std::vector<std::string> special_tokens;     // get ids vocab_size, vocab_size + 1, ...
};

// One learned merge: tokens left and right, adjacent, become token id; count is how often the pair
// occurred when it was chosen. id is new (256 + merges so far) unless the joined bytes already had
// a token through other merges, in which case that token's id is reused (as Hugging Face does).
struct Merge {
  Rank left, right, id;
  std::uint64_t count;
  bool operator==(const Merge& o) const {
    return left == o.left && right == o.right && id == o.id && count == o.count;
  }
};

struct TrainResult {
  Encoding encoding;          // ranks = ids; ready to encode with
  std::vector<Merge> merges;  // in the order they were learned
};

namespace detail {

// Open addressing from 64-bit keys to 32-bit values: the pair table is the trainer's inner loop,
// and std::unordered_map allocates a node per entry.
class PairMap {
 public:
  static constexpr std::uint32_t kAbsent = std::numeric_limits<std::uint32_t>::max();
  std::uint32_t find(std::uint64_t key) const {
    if (keys_.empty()) return kAbsent;
    for (std::size_t at = slot(key);; at = (at + 1) & (keys_.size() - 1)) {
      if (values_[at] == kAbsent) return kAbsent;
      if (keys_[at] == key) return values_[at];
    }
  }
  // The value of key, inserting `value` first if absent; *added tells which happened.
  std::uint32_t emplace(std::uint64_t key, std::uint32_t value, bool* added) {
    if ((size_ + 1) * 2 > keys_.size()) grow();
    for (std::size_t at = slot(key);; at = (at + 1) & (keys_.size() - 1)) {
      if (values_[at] == kAbsent) {
        keys_[at] = key;
        values_[at] = value;
        ++size_;
        *added = true;
        return value;
      }
      if (keys_[at] == key) {
        *added = false;
        return values_[at];
      }
    }
  }

 private:
  std::size_t slot(std::uint64_t key) const {
    key ^= key >> 31;
    key *= 0x9E3779B97F4A7C15ull;
    return (key >> 20) & (keys_.size() - 1);
  }
  void grow() {
    std::vector<std::uint64_t> old_keys(std::max<std::size_t>(1024, keys_.size() * 2));
    std::vector<std::uint32_t> old_values(old_keys.size(), kAbsent);
    old_keys.swap(keys_);
    old_values.swap(values_);
    size_ = 0;
    bool added = false;
    for (std::size_t i = 0; i < old_keys.size(); ++i)
      if (old_values[i] != kAbsent) emplace(old_keys[i], old_values[i], &added);
  }
  std::vector<std::uint64_t> keys_;
  std::vector<std::uint32_t> values_;
  std::size_t size_ = 0;
};

// The distinct pieces of the training text, in order of first appearance, with their counts.
struct WordTable {
  std::vector<Rank> symbols;           // the tokens of all words, one after another
  std::vector<std::uint32_t> begin;    // (W): where each word starts in symbols
  std::vector<std::uint32_t> length;   // (W): tokens the word has now (shrinks as merges happen)
  std::vector<std::uint64_t> freq;     // (W): occurrences in the text
};

inline WordTable count_words(const std::vector<std::string>& texts, SplitPattern pattern) {
  WordTable t;
  // piece -> word id, open addressing keyed by hash_bytes; the pieces are views into `texts`.
  std::vector<std::string_view> pieces;
  std::vector<std::uint32_t> slots(1 << 16, PairMap::kAbsent);
  const auto find_or_add = [&](std::string_view piece, bool* added) {
    if ((pieces.size() + 1) * 2 > slots.size()) {
      std::vector<std::uint32_t> bigger(slots.size() * 2, PairMap::kAbsent);
      for (std::uint32_t w = 0; w < pieces.size(); ++w) {
        std::size_t at = hash_bytes(pieces[w].data(), pieces[w].size()) & (bigger.size() - 1);
        while (bigger[at] != PairMap::kAbsent) at = (at + 1) & (bigger.size() - 1);
        bigger[at] = w;
      }
      slots.swap(bigger);
    }
    std::size_t at = hash_bytes(piece.data(), piece.size()) & (slots.size() - 1);
    for (;; at = (at + 1) & (slots.size() - 1)) {
      const std::uint32_t w = slots[at];
      if (w == PairMap::kAbsent) break;
      if (pieces[w] == piece) {
        *added = false;
        return w;
      }
    }
    slots[at] = static_cast<std::uint32_t>(pieces.size());
    pieces.push_back(piece);
    *added = true;
    return slots[at];
  };
  for (const std::string& text : texts)
    split(text, pattern, [&](std::string_view piece) {
      bool added = false;
      const std::uint32_t w = find_or_add(piece, &added);
      if (!added) {
        ++t.freq[w];
        return;
      }
      if (t.symbols.size() + piece.size() > std::numeric_limits<std::uint32_t>::max())
        fail("train_bpe: the distinct words of the training text exceed 4 GB");
      t.begin.push_back(static_cast<std::uint32_t>(t.symbols.size()));
      t.length.push_back(static_cast<std::uint32_t>(piece.size()));
      t.freq.push_back(1);
      for (const char c : piece) t.symbols.push_back(static_cast<unsigned char>(c));
    });
  return t;
}

inline void check_options(const TrainOptions& o, std::string_view where) {
  if (o.vocab_size < 256)
    fail("{}: vocab_size must be at least 256 (the single bytes), got {}", where, o.vocab_size);
  if (o.vocab_size > (std::size_t{1} << 28))
    fail("{}: vocab_size {} is too large (at most 2^28)", where, o.vocab_size);
}

// The token table: bytes of each id, growing with each merge; joined bytes that already exist
// map to their id.
struct Vocabulary {
  std::vector<std::string> bytes;
  std::unordered_map<std::string, Rank> id_of;
  Vocabulary() {
    for (int b = 0; b < 256; ++b) add(std::string(1, static_cast<char>(b)));
  }
  Rank add(std::string token) {  // the id of token, new if it was not there
    const auto it = id_of.find(token);
    if (it != id_of.end()) return it->second;
    const auto id = static_cast<Rank>(bytes.size());
    id_of.emplace(token, id);
    bytes.push_back(std::move(token));
    return id;
  }
};

inline TrainResult finish(Vocabulary& vocab, std::vector<Merge> merges, const TrainOptions& o) {
  std::map<std::string, Rank> specials;
  for (std::size_t k = 0; k < o.special_tokens.size(); ++k)
    if (!specials.emplace(o.special_tokens[k], static_cast<Rank>(vocab.bytes.size() + k)).second)
      fail("train_bpe: special token '{}' is listed twice", o.special_tokens[k]);
  return {Encoding::from_tokens(std::move(vocab.bytes), o.pattern, std::move(specials)), std::move(merges)};
}

// Replaces every (left, right) in tokens[0, n) by id, left to right; returns the new length.
inline std::uint32_t merge_in_place(Rank* tokens, std::uint32_t n, Rank left, Rank right, Rank id) {
  std::uint32_t out = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    if (i + 1 < n && tokens[i] == left && tokens[i + 1] == right) {
      tokens[out++] = id;
      ++i;
    } else {
      tokens[out++] = tokens[i];
    }
  }
  return out;
}

}  // namespace detail

// ---- the plain trainer: recount everything after each merge --------------------------------------

inline TrainResult train_bpe_plain(const std::vector<std::string>& texts, const TrainOptions& options) {
  detail::check_options(options, "train_bpe_plain");
  detail::WordTable words = detail::count_words(texts, options.pattern);
  detail::Vocabulary vocab;
  std::vector<Merge> merges;
  while (vocab.bytes.size() < options.vocab_size) {
    // Count pairs in text order; `order` remembers first appearances for the tie-break.
    std::unordered_map<std::uint64_t, std::uint64_t> count;
    std::vector<std::uint64_t> order;
    for (std::size_t w = 0; w < words.freq.size(); ++w) {
      const Rank* t = words.symbols.data() + words.begin[w];
      for (std::uint32_t i = 0; i + 1 < words.length[w]; ++i) {
        const std::uint64_t key = (std::uint64_t{t[i]} << 32) | t[i + 1];
        auto [it, added] = count.emplace(key, 0);
        if (added) order.push_back(key);
        it->second += words.freq[w];
      }
    }
    if (order.empty()) break;  // every word is a single token: nothing left to merge
    std::uint64_t best = order[0];
    for (const std::uint64_t key : order)
      if (count[key] > count[best]) best = key;  // strictly greater: the first of equals wins
    const auto left = static_cast<Rank>(best >> 32), right = static_cast<Rank>(best & 0xFFFFFFFFu);
    const Rank id = vocab.add(vocab.bytes[left] + vocab.bytes[right]);
    merges.push_back({left, right, id, count[best]});
    for (std::size_t w = 0; w < words.freq.size(); ++w)
      words.length[w] = detail::merge_in_place(words.symbols.data() + words.begin[w], words.length[w], left, right, id);
  }
  return detail::finish(vocab, std::move(merges), options);
}

// ---- the fast trainer: incremental pair counts and a heap ---------------------------------------
//
// State: for every pair ever seen, its count, the words it occurs in (a list that may hold words
// that lost it since) and a "first seen" key (word id, byte offset) that is a lower bound of where
// it first occurs now. The heap holds (count, key) snapshots; a snapshot is stale if the pair's
// count changed since (version), and its key is checked against the true first occurrence before
// the pair is merged — if the true one is later, the pair goes back with the corrected key. A
// merge visits only the words that contain the pair, and changes only counts of pairs next to it.

inline TrainResult train_bpe(const std::vector<std::string>& texts, const TrainOptions& options) {
  detail::check_options(options, "train_bpe");
  detail::WordTable words = detail::count_words(texts, options.pattern);
  detail::Vocabulary vocab;
  std::vector<std::uint32_t> token_len(256, 1);  // bytes per token id
  std::vector<Merge> merges;

  struct Key {  // where a pair occurs: word id, then byte offset in the word
    std::uint32_t word, offset;
    bool operator<(const Key& o) const { return word != o.word ? word < o.word : offset < o.offset; }
    bool operator==(const Key& o) const { return word == o.word && offset == o.offset; }
  };
  struct Pair {
    Rank left, right;
    std::int64_t count = 0;
    std::uint32_t version = 0;
    Key first{std::numeric_limits<std::uint32_t>::max(), 0};
    std::vector<std::uint32_t> words;  // word ids that had the pair at some point
  };
  std::vector<Pair> pairs;
  detail::PairMap pair_index;  // (left << 32 | right) -> pairs index
  const auto pair_id = [&](Rank l, Rank r) {
    bool added = false;
    const std::uint32_t k = pair_index.emplace((std::uint64_t{l} << 32) | r, static_cast<std::uint32_t>(pairs.size()), &added);
    if (added) {
      pairs.emplace_back();
      pairs.back().left = l;
      pairs.back().right = r;
    }
    return k;
  };

  struct Snapshot {
    std::int64_t count;
    Key first;
    std::uint32_t pair, version;
    bool operator<(const Snapshot& o) const {  // for a max-heap: higher count, then earlier key
      if (count != o.count) return count < o.count;
      return o.first < first;
    }
  };
  std::priority_queue<Snapshot> heap;

  // Initial counts, in text order, so each pair's key is exact.
  for (std::uint32_t w = 0; w < words.freq.size(); ++w) {
    const Rank* t = words.symbols.data() + words.begin[w];
    for (std::uint32_t i = 0; i + 1 < words.length[w]; ++i) {
      Pair& p = pairs[pair_id(t[i], t[i + 1])];
      p.count += static_cast<std::int64_t>(words.freq[w]);
      if (p.words.empty() || p.words.back() != w) p.words.push_back(w);
      p.first = std::min(p.first, Key{w, i});
    }
  }
  for (std::uint32_t k = 0; k < pairs.size(); ++k) heap.push({pairs[k].count, pairs[k].first, k, 0});

  // The first occurrence of (left, right) in word w, as a key; nullopt-like flag if absent.
  const auto find_in_word = [&](std::uint32_t w, Rank l, Rank r, Key* key) {
    const Rank* t = words.symbols.data() + words.begin[w];
    std::uint32_t offset = 0;
    for (std::uint32_t i = 0; i + 1 < words.length[w]; ++i) {
      if (t[i] == l && t[i + 1] == r) {
        *key = {w, offset};
        return true;
      }
      offset += token_len[t[i]];
    }
    return false;
  };

  std::vector<std::int64_t> delta;         // per pair: change of count during this merge
  std::vector<std::uint32_t> touched;      // pairs with a delta
  std::vector<Rank> before;                // a word's tokens before the merge
  while (vocab.bytes.size() < options.vocab_size && !heap.empty()) {
    const Snapshot top = heap.top();
    heap.pop();
    Pair& best = pairs[top.pair];
    if (top.version != best.version || best.count <= 0) continue;  // stale snapshot
    // Check the key: the true first occurrence may be later than the stored lower bound. It is
    // in the lowest-numbered word that still holds the pair.
    std::vector<std::uint32_t>& list = best.words;
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
    Key truth{std::numeric_limits<std::uint32_t>::max(), 0};
    std::size_t first_live = 0;
    while (first_live < list.size() && !find_in_word(list[first_live], best.left, best.right, &truth)) ++first_live;
    list.erase(list.begin(), list.begin() + static_cast<std::ptrdiff_t>(first_live));
    if (!(truth == best.first) || !(truth == top.first)) {
      best.first = truth;
      heap.push({best.count, truth, top.pair, best.version});
      continue;
    }

    // Merge it everywhere.
    const Rank left = best.left, right = best.right;
    const Rank id = vocab.add(vocab.bytes[left] + vocab.bytes[right]);
    if (id == token_len.size()) token_len.push_back(token_len[left] + token_len[right]);
    merges.push_back({left, right, id, static_cast<std::uint64_t>(best.count)});
    const std::vector<std::uint32_t> affected = std::move(best.words);
    best.words.clear();
    for (const std::uint32_t w : affected) {
      Rank* t = words.symbols.data() + words.begin[w];
      const std::uint32_t n = words.length[w];
      const auto f = static_cast<std::int64_t>(words.freq[w]);
      before.assign(t, t + n);
      const std::uint32_t m = detail::merge_in_place(t, n, left, right, id);
      if (m == n) continue;  // the word lost the pair to an earlier merge
      words.length[w] = m;
      const auto add = [&](std::uint32_t k, std::int64_t d) {
        if (delta.size() <= k) delta.resize(pairs.size() + 1024, 0);
        if (delta[k] == 0) touched.push_back(k);
        delta[k] += d;
      };
      for (std::uint32_t i = 0; i + 1 < n; ++i) add(pair_index.find((std::uint64_t{before[i]} << 32) | before[i + 1]), -f);
      std::uint32_t offset = 0;
      for (std::uint32_t i = 0; i + 1 < m; ++i) {
        const std::uint32_t k = pair_id(t[i], t[i + 1]);
        add(k, f);
        if (t[i] == id || t[i + 1] == id) {  // a pair the merge created here
          Pair& p = pairs[k];
          if (p.words.empty() || p.words.back() != w) p.words.push_back(w);
          p.first = std::min(p.first, Key{w, offset});
        }
        offset += token_len[t[i]];
      }
    }
    for (const std::uint32_t k : touched) {
      if (delta[k] != 0) {
        Pair& p = pairs[k];
        p.count += delta[k];
        ++p.version;
        if (p.count > 0) heap.push({p.count, p.first, k, p.version});
      }
      delta[k] = 0;
    }
    touched.clear();
  }
  return detail::finish(vocab, std::move(merges), options);
}

}  // namespace aib::tokenizer
