// aib/tokenizer/encoding.hpp — byte-level BPE, text to token ids and back, as tiktoken does it.
//
// A rank table lists tokens (byte strings): the 256 bytes, then merges of two earlier tokens; the
// rank is the id and the merge priority. Encoding splits text into pieces (pretokenize.hpp); each
// piece starts as its bytes and the adjacent pair with the lowest-ranked concatenation (leftmost on
// a tie) merges until no pair is a token. byte_pair_merge is that loop as written (tiktoken's),
// byte_pair_merge_tree the same merges in O(n log n) for pieces of any length, tested equal; the
// hash table, piece cache and rank-file parser are in encoding_detail.hpp. Leaves out: split
// patterns other than the three.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "aib/core/check.hpp"
#include "aib/core/files.hpp"
#include "aib/tokenizer/encoding_detail.hpp"
#include "aib/tokenizer/pretokenize.hpp"
#include "aib/tokenizer/unicode.hpp"

namespace aib::tokenizer {

// ---- byte-pair merging: the lowest rank first ---------------------------------------------------
// rank_of(p, n) is the rank of the n >= 2 bytes at p, or kNoRank if they are no token;
// byte_rank(c) the rank of one byte (it throws if the byte has none). Both append the piece's ids.

// The longest piece byte_pair_merge takes: its parts live in fixed arrays, on the stack.
inline constexpr std::size_t kMaxPlainPiece = 64;

// tiktoken's algorithm, as written: parts are byte offsets; rank[i] is the rank of parts i and i+1
// joined; merge the lowest (leftmost on a tie), update the two neighbouring ranks, repeat.
// O(n²) in the piece length, and fast for the short pieces that make up ordinary text.
//   with ranks a b c d ab cd abcd: "abcd" -> a|b|c|d -> ab|c|d -> ab|cd -> abcd
template <class RankOf, class ByteRank>
void byte_pair_merge(std::string_view piece, const RankOf& rank_of, const ByteRank& byte_rank,
                     std::vector<Rank>& out) {
  const std::size_t n = piece.size();
  if (n == 0) return;
  if (n == 1) {
    out.push_back(byte_rank(piece[0]));
    return;
  }
  if (n > kMaxPlainPiece)
    fail("byte_pair_merge: a piece of {} bytes; use byte_pair_merge_tree above {}", n,
         kMaxPlainPiece);
  std::uint32_t start[kMaxPlainPiece + 1];  // start[i]: first byte of part i; start[parts] = n
  Rank rank[kMaxPlainPiece];  // rank[i]: rank of parts i, i+1 joined (kNoRank if no such token)
  for (std::size_t i = 0; i <= n; ++i) start[i] = static_cast<std::uint32_t>(i);
  std::size_t parts = n;
  const auto pair_rank = [&](std::size_t i) {  // parts i and i+1 joined
    if (i + 2 > parts) return kNoRank;
    return rank_of(piece.data() + start[i], std::size_t{start[i + 2] - start[i]});
  };
  for (std::size_t i = 0; i < parts; ++i) rank[i] = pair_rank(i);
  while (parts > 1) {
    std::size_t best = 0;
    for (std::size_t i = 1; i + 1 < parts; ++i)
      if (rank[i] < rank[best]) best = i;
    if (rank[best] == kNoRank) break;
    // Merge part best+1 into part best: drop start[best+1] and rank[best+1].
    std::copy(start + best + 2, start + parts + 1, start + best + 1);
    std::copy(rank + best + 2, rank + parts, rank + best + 1);
    --parts;
    rank[best] = pair_rank(best);
    if (best > 0) rank[best - 1] = pair_rank(best - 1);
  }
  for (std::size_t i = 0; i < parts; ++i) {
    const std::size_t len = start[i + 1] - start[i];
    out.push_back(len == 1 ? byte_rank(piece[start[i]]) : rank_of(piece.data() + start[i], len));
  }
}

// The same merges in O(n log n) time and about 4.3 bytes per input byte, for pieces of any length.
// pair[i] is the state of byte i: at the first byte of a part, the rank of that part joined with
// the next one (kNoRank if that is no token, or there is no next part); inside a part, kInside.
// Parts are tokens, so the next part starts within a token's length of any part's start, and
// neighbours are found by scanning pair[] rather than stored as links. A tournament tree over
// pair[] (each node the minimum of 16 below it) gives the lowest rank and, by descending through
// the first child that holds it, the leftmost: exactly the pair the plain loop picks. A merge
// changes three entries of pair[] (the two merged parts and the part before them) and updates
// their ancestors. Where a binary heap of (rank, start) and linked parts took 16 bytes per byte,
// the tree adds n/15 ranks to pair[]'s n.
//   "aaaa" with ranks a, aa, aaa, aaaa: pair = [aa aa aa -] -> [aa · aa -] (leftmost aa first)
//   -> [aaaa · · -] -> one part.
template <class RankOf, class ByteRank>
void byte_pair_merge_tree(std::string_view piece, const RankOf& rank_of, const ByteRank& byte_rank,
                          std::vector<Rank>& out) {
  const std::size_t n = piece.size();
  if (n <= 1) {
    byte_pair_merge(piece, rank_of, byte_rank, out);
    return;
  }
  // Ranks are ids below a vocabulary's size, far from the two markers at the top of the range.
  constexpr Rank kInside = kNoRank - 1;
  constexpr std::size_t kFan = 16;
  std::vector<Rank> pair(n);  // (n) the leaves
  // Upper levels, bottom up, in one array: level k has ceil(size(k-1) / 16) nodes; the last has 1.
  std::vector<std::size_t> level_start{0}, level_size{n};
  std::size_t upper = 0;
  while (level_size.back() > 1) {
    level_start.push_back(upper);
    level_size.push_back((level_size.back() + kFan - 1) / kFan);
    upper += level_size.back();
  }
  std::vector<Rank> tree(upper);  // (about n / 15) minima of 16 nodes below
  const auto level = [&](std::size_t k) {
    return k == 0 ? pair.data() : tree.data() + level_start[k];
  };
  const std::size_t levels = level_size.size();

  const auto next_part = [&](std::size_t i) {  // first byte of the part after the one at i, or n
    do ++i;
    while (i < n && pair[i] == kInside);
    return i;
  };
  const auto prev_part = [&](std::size_t i) {  // first byte of the part before the one at i > 0
    do --i;
    while (pair[i] == kInside);
    return i;
  };
  const auto pair_rank = [&](std::size_t i) {  // the part at i joined with the next one
    const std::size_t next = next_part(i);
    if (next == n) return kNoRank;
    return rank_of(piece.data() + i, next_part(next) - i);
  };
  // Recompute the ancestors of leaf i, stopping where a minimum does not change.
  const auto update = [&](std::size_t i) {
    for (std::size_t k = 1; k < levels; ++k) {
      const std::size_t child = i - i % kFan, end = std::min(child + kFan, level_size[k - 1]);
      const Rank* below = level(k - 1);
      const Rank m = *std::min_element(below + child, below + end);
      i /= kFan;
      Rank& node = level(k)[i];
      if (node == m) return;
      node = m;
    }
  };

  for (std::size_t i = 0; i < n; ++i) pair[i] = i + 1 < n ? rank_of(piece.data() + i, 2) : kNoRank;
  for (std::size_t k = 1; k < levels; ++k)
    for (std::size_t j = 0; j < level_size[k]; ++j) {
      const Rank* below = level(k - 1) + j * kFan;
      level(k)[j] = *std::min_element(below, below + std::min(kFan, level_size[k - 1] - j * kFan));
    }

  for (;;) {
    const Rank best = level(levels - 1)[0];
    if (best >= kInside) break;  // no pair is a token
    std::size_t i = 0;           // descend through the leftmost child holding `best`
    for (std::size_t k = levels - 1; k-- > 0;) {
      i *= kFan;
      while (level(k)[i] != best) ++i;
    }
    const std::size_t right = next_part(i);  // merge the part at `right` into the part at i
    pair[right] = kInside;
    update(right);
    pair[i] = pair_rank(i);
    update(i);
    if (i > 0) {
      const std::size_t before = prev_part(i);
      pair[before] = pair_rank(before);
      update(before);
    }
  }
  for (std::size_t i = 0; i < n;) {
    const std::size_t end = next_part(i), len = end - i;
    out.push_back(len == 1 ? byte_rank(piece[i]) : rank_of(piece.data() + i, len));
    i = end;
  }
}

// ---- Encoding: rank table, split pattern, special tokens ---------------------------------------

// What encode does with special-token text (e.g. "<|endoftext|>") found in its input.
enum class Disallowed {
  error,  // throw aib::Error (tiktoken's default): user text must not forge control tokens
  text,   // encode it as ordinary text, like any other characters
};

class Encoding {
 public:
  static constexpr Rank kNone = kNoRank;

  Encoding() = default;

  // From the text of a .tiktoken file ("<base64 token> <rank>" per line; ranks 0..n-1, each once).
  // `source` names the file in error messages.
  static Encoding from_tiktoken(std::string_view ranks_text, SplitPattern pattern,
                                std::map<std::string, Rank> specials, std::string name = "",
                                std::string_view source = "<ranks>") {
    Encoding enc;
    enc.name_ = std::move(name);
    enc.pattern_ = pattern;
    enc.ranks_ = detail::parse_rank_file(ranks_text, source);
    enc.index_bytes();
    enc.set_special_tokens(std::move(specials));
    return enc;
  }

  // From token bytes in rank order (token r gets id r); bytes must be distinct.
  static Encoding from_tokens(std::vector<std::string> tokens, SplitPattern pattern,
                              std::map<std::string, Rank> specials, std::string name = "") {
    if (tokens.empty()) fail("Encoding::from_tokens: no tokens");
    Encoding enc;
    enc.name_ = std::move(name);
    enc.pattern_ = pattern;
    std::string arena;
    std::vector<std::uint32_t> offsets(tokens.size() + 1, 0);
    for (std::size_t r = 0; r < tokens.size(); ++r) {
      arena.append(tokens[r]);
      if (arena.size() > std::numeric_limits<std::uint32_t>::max())
        fail("Encoding::from_tokens: more than 4 GB of tokens");
      offsets[r + 1] = static_cast<std::uint32_t>(arena.size());
    }
    Rank first = 0;
    const Rank dup = enc.ranks_.build(std::move(arena), std::move(offsets), &first);
    if (dup != kNone)
      fail("Encoding::from_tokens: tokens {} and {} are both {}", first, dup,
           detail::quoted_bytes(tokens[dup]));
    enc.index_bytes();
    enc.set_special_tokens(std::move(specials));
    return enc;
  }

  // Reads a .tiktoken file.
  static Encoding load(const std::string& path, SplitPattern pattern,
                       std::map<std::string, Rank> specials = {}, std::string name = "") {
    const std::string text = read_file(path, "Encoding::load");
    return from_tiktoken(text, pattern, std::move(specials), std::move(name), path);
  }

  // ---- encoding --------------------------------------------------------------------------------

  // Ids of `text`, special-token text treated as ordinary text.
  std::vector<Rank> encode_ordinary(std::string_view text) const {
    std::vector<Rank> out;
    out.reserve(text.size() / 3);
    encode_ordinary_into(text, out);
    return out;
  }

  // Ids of `text`. Special tokens named in `allowed` become their ids; any other special-token
  // text is an error (Disallowed::error, the default) or ordinary text (Disallowed::text).
  std::vector<Rank> encode(std::string_view text, const std::set<std::string>& allowed = {},
                           Disallowed disallowed = Disallowed::error) const {
    for (const std::string& name : allowed)
      if (specials_.count(name) == 0)
        fail("Encoding::encode: '{}' is not a special token of {}", name, display_name());
    if (disallowed == Disallowed::error)
      for (const auto& [name, id] : specials_) {
        if (allowed.count(name) != 0) continue;
        const std::size_t at = text.find(name);
        if (at != std::string_view::npos)
          fail(
              "Encoding::encode: the text contains the special token '{}' at byte {}; allow it "
              "(allowed special tokens) or encode it as plain text (Disallowed::text)",
              name, at);
      }
    std::vector<Rank> out;
    out.reserve(text.size() / 3);
    std::vector<const std::pair<const std::string, Rank>*> names;  // the allowed special tokens
    std::vector<std::size_t> next;                                 // where each occurs next
    for (const std::string& name : allowed) {
      names.push_back(&*specials_.find(name));
      next.push_back(text.find(name));
    }
    std::size_t pos = 0;
    while (pos < text.size()) {
      // The earliest allowed special token at or after pos (the longest on a tie). Each name's
      // next occurrence is remembered and searched again only once pos has passed it, so the
      // whole loop reads the text once per allowed name: linear, however many tokens are found.
      std::size_t best = std::string_view::npos;
      const std::pair<const std::string, Rank>* which = nullptr;
      for (std::size_t k = 0; k < names.size(); ++k) {
        if (next[k] != std::string_view::npos && next[k] < pos)
          next[k] = text.find(names[k]->first, pos);
        const std::size_t at = next[k];
        if (at < best || (at == best && at != std::string_view::npos &&
                          names[k]->first.size() > which->first.size())) {
          best = at;
          which = names[k];
        }
      }
      encode_ordinary_into(
          text.substr(pos, best == std::string_view::npos ? std::string_view::npos : best - pos),
          out);
      if (which == nullptr) break;
      out.push_back(which->second);
      pos = best + which->first.size();
    }
    return out;
  }

  // The ids of one piece, appended to out: the whole piece if it is a token, else BPE merges.
  void encode_piece(std::string_view piece, std::vector<Rank>& out) const {
    const Rank whole = ranks_.find(piece);
    if (whole != kNone) {
      out.push_back(whole);
      return;
    }
    if (piece.size() <= kShortPiece)
      merge_plain(piece, out);
    else
      merge_tree(piece, out);
  }

  // ---- decoding --------------------------------------------------------------------------------

  // The exact bytes of the ids (special tokens give their text). Throws on an unknown id.
  std::string decode_bytes(const std::vector<Rank>& ids) const {
    std::string out;
    out.reserve(ids.size() * 4);
    for (const Rank id : ids) out.append(token_bytes(id));
    return out;
  }

  // Text: the bytes, with U+FFFD for each incomplete or invalid UTF-8 sequence (as tiktoken's
  // decode, which uses errors="replace").
  std::string decode(const std::vector<Rank>& ids) const {
    return to_valid_utf8(decode_bytes(ids));
  }

  // The bytes of one token id (ordinary or special).
  std::string_view token_bytes(Rank id) const {
    if (id < n_ranks()) return ranks_.bytes(id);
    const auto it = special_names_.find(id);
    if (it == special_names_.end())
      fail("Encoding::decode: token id {} is not in {} (ordinary ids 0..{}{})", id, display_name(),
           n_ranks() - 1, special_names_.empty() ? "" : ", or a special token id");
    return it->second;
  }

  // The rank of exactly these bytes, or kNone.
  Rank rank_of(std::string_view bytes) const { return ranks_.find(bytes); }

  // ---- properties ------------------------------------------------------------------------------

  const std::string& name() const { return name_; }
  SplitPattern pattern() const { return pattern_; }
  // Ordinary tokens (ids 0..n_ranks()-1).
  std::size_t n_ranks() const { return ranks_.size(); }
  // One more than the largest id, specials included (tiktoken's n_vocab).
  std::size_t n_vocab() const {
    std::size_t n = n_ranks();
    for (const auto& [name, id] : specials_) n = std::max<std::size_t>(n, std::size_t{id} + 1);
    return n;
  }
  const std::map<std::string, Rank>& special_tokens() const { return specials_; }
  std::set<std::string> special_names() const {
    std::set<std::string> names;
    for (const auto& [name, id] : specials_) names.insert(name);
    return names;
  }
  Rank special_id(const std::string& name) const {
    const auto it = specials_.find(name);
    if (it == specials_.end())
      fail("Encoding::special_id: {} has no special token '{}'", display_name(), name);
    return it->second;
  }

  // Adds or replaces special tokens; their ids must not collide with ordinary ids or each other.
  void set_special_tokens(std::map<std::string, Rank> specials) {
    special_names_.clear();
    for (const auto& [name, id] : specials) {
      if (name.empty()) fail("Encoding: a special token has an empty name");
      if (id < n_ranks())
        fail("Encoding: special token '{}' has id {}, which is an ordinary token's id (0..{})",
             name, id, n_ranks() - 1);
      if (!special_names_.emplace(id, name).second)
        fail("Encoding: special tokens '{}' and '{}' share id {}", special_names_[id], name, id);
    }
    specials_ = std::move(specials);
  }

  // Plain and tree merging, public so tests can compare them on any piece.
  void merge_plain(std::string_view piece, std::vector<Rank>& out) const;
  void merge_tree(std::string_view piece, std::vector<Rank>& out) const;

  static constexpr std::size_t kShortPiece = kMaxPlainPiece;  // longer pieces merge with the tree

 private:
  std::string display_name() const { return name_.empty() ? std::string("this encoding") : name_; }

  void index_bytes() {
    for (int b = 0; b < 256; ++b) {
      const char c = static_cast<char>(b);
      byte_rank_[static_cast<std::size_t>(b)] = ranks_.find(&c, 1);
    }
  }

  Rank byte_rank(char c) const {
    const Rank r = byte_rank_[static_cast<unsigned char>(c)];
    if (r == kNone)
      fail("Encoding::encode: byte 0x{:02x} has no token in {}, so this text cannot be encoded",
           static_cast<unsigned char>(c), display_name());
    return r;
  }

  // Splits and encodes text with no special-token handling. Texts longer than a few pages use a
  // PieceCache (for short ones, setting it up would cost more than it saves).
  void encode_ordinary_into(std::string_view text, std::vector<Rank>& out) const {
    if (text.size() < 16384) {
      split(text, pattern_, [&](std::string_view piece) { encode_piece(piece, out); });
      return;
    }
    detail::PieceCache cache;
    const auto encode_hashed = [&](std::string_view piece, std::uint64_t h) {
      const Rank whole = ranks_.find(piece.data(), piece.size(), h);
      if (whole != kNone) {
        out.push_back(whole);
        return;
      }
      std::size_t n = 0;
      if (const Rank* ids = cache.find(piece, h, &n)) {
        out.insert(out.end(), ids, ids + n);
        return;
      }
      const std::size_t before = out.size();
      if (piece.size() <= kShortPiece)
        merge_plain(piece, out);
      else
        merge_tree(piece, out);
      cache.insert(piece, h, out.data() + before, out.size() - before);
    };
    split(text, pattern_, [&](std::string_view piece) {
      encode_hashed(piece, detail::hash_bytes(piece.data(), piece.size()));
    });
  }

  std::string name_;
  SplitPattern pattern_ = SplitPattern::gpt2;
  detail::RankTable ranks_;               // bytes <-> rank
  Rank byte_rank_[256] = {};              // rank of each single byte, or kNone
  std::map<std::string, Rank> specials_;  // name -> id
  std::map<Rank, std::string> special_names_;
};

// ---- an Encoding's merge loops: the two above with its own rank lookups -------------------------

inline void Encoding::merge_plain(std::string_view piece, std::vector<Rank>& out) const {
  byte_pair_merge(
      piece, [this](const char* p, std::size_t n) { return ranks_.find(p, n); },
      [this](char c) { return byte_rank(c); }, out);
}

inline void Encoding::merge_tree(std::string_view piece, std::vector<Rank>& out) const {
  byte_pair_merge_tree(
      piece, [this](const char* p, std::size_t n) { return ranks_.find(p, n); },
      [this](char c) { return byte_rank(c); }, out);
}

}  // namespace aib::tokenizer
