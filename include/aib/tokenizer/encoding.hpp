// aib/tokenizer/encoding.hpp — byte-level BPE encoding and decoding, compatible with tiktoken.
//
// An Encoding is a rank table (token bytes -> rank; the rank is also the token id), a split pattern
// and special tokens. Encoding text: split it into pieces (pretokenize.hpp); a piece that is itself
// a token becomes its id; otherwise start from its single bytes and repeatedly merge the adjacent
// pair whose concatenation has the lowest rank (the leftmost on a tie), as tiktoken's
// byte_pair_merge does. Long pieces use a heap so that 1 MB without a space costs O(n log n), not
// O(n²); the plain loop stays next to it and the two are tested against each other.
// Loads `.tiktoken` rank files (base64 token, space, rank). Leaves out: arbitrary regex patterns.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <queue>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "aib/core/check.hpp"
#include "aib/core/files.hpp"
#include "aib/tokenizer/pretokenize.hpp"
#include "aib/tokenizer/unicode.hpp"

namespace aib::tokenizer {

using Rank = std::uint32_t;  // a token id; for ordinary tokens also its merge priority

// What encode does with special-token text (e.g. "<|endoftext|>") found in its input.
enum class Disallowed {
  error,  // throw aib::Error (tiktoken's default): user text must not forge control tokens
  text,   // encode it as ordinary text, like any other characters
};

namespace detail {

// ---- base64 (RFC 4648, with padding), as used by .tiktoken files --------------------------------

inline int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Decodes `in` into `out`; false if it is not valid padded base64.
inline bool base64_decode(std::string_view in, std::string& out) {
  out.clear();
  if (in.empty() || in.size() % 4 != 0) return false;
  for (std::size_t i = 0; i < in.size(); i += 4) {
    const bool last = i + 4 == in.size();
    const int pad = last ? (in[i + 3] == '=') + (in[i + 2] == '=') : 0;
    if (pad == 1 && in[i + 2] == '=') return false;  // "x=y=" is not padding
    std::uint32_t v = 0;
    for (int k = 0; k < 4 - pad; ++k) {
      const int d = base64_value(in[i + static_cast<std::size_t>(k)]);
      if (d < 0) return false;
      v = (v << 6) | static_cast<std::uint32_t>(d);
    }
    v <<= 6 * pad;
    out += static_cast<char>((v >> 16) & 0xFF);
    if (pad < 2) out += static_cast<char>((v >> 8) & 0xFF);
    if (pad < 1) out += static_cast<char>(v & 0xFF);
  }
  return true;
}

inline std::string base64_encode(std::string_view in) {
  static constexpr char kDigits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < in.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, in.size() - i);
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < 3; ++k)
      v = (v << 8) | (k < n ? static_cast<unsigned char>(in[i + k]) : 0u);
    for (std::size_t k = 0; k < 4; ++k) out += k <= n ? kDigits[(v >> (18 - 6 * k)) & 63] : '=';
  }
  return out;
}

// ---- a hash table from byte strings to ranks ----------------------------------------------------
// Open addressing over a power-of-two table of ids; the bytes live in one arena. Lookups of short
// substrings are the inner loop of encoding, so the hash reads 8 bytes at a time.

inline std::uint64_t hash_bytes(const char* p, std::size_t n) {
  constexpr std::uint64_t k = 0x9E3779B97F4A7C15ull;
  std::uint64_t h = n * k;
  while (n >= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * k;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    std::uint64_t w = 0;
    std::memcpy(&w, p, n);
    h = (h ^ w) * k;
  }
  h ^= h >> 32;
  return h * 0xD6E8FEB86659FD93ull ^ (h >> 29);
}

// Token bytes live in one arena in rank order (offsets[r]..offsets[r+1]), so the frequent,
// low-ranked tokens share a few cache lines. A slot packs a rank in its low `rank_bits` bits and
// the top bits of the hash above them: most mismatches end without touching the bytes, and the
// table of o200k_base fits in 1 MB.
class RankTable {
 public:
  static constexpr Rank kNone = std::numeric_limits<Rank>::max();

  // Indexes tokens 0..n-1 of (arena, offsets). Returns kNone, or the first rank whose bytes
  // equal those of an earlier rank (then *first_rank is that earlier rank).
  Rank build(std::string arena, std::vector<std::uint32_t> offsets, Rank* first_rank) {
    arena_ = std::move(arena);
    offsets_ = std::move(offsets);
    const std::size_t n = offsets_.size() - 1;
    rank_bits_ = 1;
    while ((std::size_t{1} << rank_bits_) <= n)
      ++rank_bits_;  // kEmpty's rank field is never a rank
    if (rank_bits_ > 28) fail("Encoding: {} tokens is more than this table supports (2^28)", n);
    std::size_t size = 64;
    while (size < n * 2) size *= 2;
    slots_.assign(size, kEmpty);
    for (Rank r = 0; r < n; ++r) {
      const char* p = arena_.data() + offsets_[r];
      const std::size_t len = offsets_[r + 1] - offsets_[r];
      const std::uint64_t h = hash_bytes(p, len);
      const std::size_t at = probe(p, len, h);
      if (slots_[at] != kEmpty) {
        *first_rank = slots_[at] & rank_mask();
        return r;
      }
      slots_[at] = static_cast<std::uint32_t>(tag_of(h) | r);
    }
    return kNone;
  }

  // The rank of `bytes`, or kNone.
  Rank find(const char* p, std::size_t n) const { return find(p, n, hash_bytes(p, n)); }
  // The same, with the hash of the bytes already computed.
  Rank find(const char* p, std::size_t n, std::uint64_t h) const {
    if (slots_.empty()) return kNone;
    const std::uint32_t s = slots_[probe(p, n, h)];
    return s == kEmpty ? kNone : (s & rank_mask());
  }
  Rank find(std::string_view s) const { return find(s.data(), s.size()); }

  // Tokens indexed, and the bytes of one of them.
  std::size_t size() const { return offsets_.empty() ? 0 : offsets_.size() - 1; }
  std::string_view bytes(Rank r) const {
    return std::string_view(arena_).substr(offsets_[r], offsets_[r + 1] - offsets_[r]);
  }

 private:
  static constexpr std::uint32_t kEmpty = std::numeric_limits<std::uint32_t>::max();

  std::uint32_t rank_mask() const { return (std::uint32_t{1} << rank_bits_) - 1; }
  std::uint32_t tag_of(std::uint64_t h) const {
    return static_cast<std::uint32_t>(h >> 32) & ~rank_mask();
  }

  static bool same_bytes(const char* a, const char* b, std::size_t n) {
    for (; n >= 8; n -= 8, a += 8, b += 8) {
      std::uint64_t x, y;
      std::memcpy(&x, a, 8);
      std::memcpy(&y, b, 8);
      if (x != y) return false;
    }
    for (; n > 0; --n)
      if (*a++ != *b++) return false;
    return true;
  }

  std::size_t probe(const char* p, std::size_t n, std::uint64_t h) const {
    const std::size_t mask = slots_.size() - 1;
    const std::uint32_t tag = tag_of(h);
    for (std::size_t at = h & mask;; at = (at + 1) & mask) {
      const std::uint32_t s = slots_[at];
      if (s == kEmpty) return at;
      if ((s & ~rank_mask()) != tag) continue;
      const std::uint32_t r = s & rank_mask();
      const std::uint32_t begin = offsets_[r];
      if (offsets_[r + 1] - begin == n && same_bytes(arena_.data() + begin, p, n)) return at;
    }
  }

  std::vector<std::uint32_t> slots_;    // tag | rank, or kEmpty
  std::string arena_;                   // token bytes in rank order
  std::vector<std::uint32_t> offsets_;  // (n + 1): token r is arena_[offsets_[r], offsets_[r+1])
  unsigned rank_bits_ = 1;
};

// Remembers the ids of pieces that took more than one token, so a long text merges each such word
// once instead of every time it occurs. Direct-mapped (a new piece evicts the old one in its slot);
// pieces up to 22 bytes and 5 tokens, which covers nearly all words.
class PieceCache {
 public:
  static constexpr std::size_t kMaxBytes = 22, kMaxIds = 5, kSlots = 4096;

  // The cached ids of the piece with hash h, or nullptr (then *n_ids is untouched).
  const Rank* find(std::string_view piece, std::uint64_t h, std::size_t* n_ids) const {
    const Entry& e = entries_[h & (kSlots - 1)];
    if (e.n_bytes != piece.size() || e.n_ids == 0 ||
        std::memcmp(e.bytes, piece.data(), piece.size()) != 0)
      return nullptr;
    *n_ids = e.n_ids;
    return e.ids;
  }
  void insert(std::string_view piece, std::uint64_t h, const Rank* ids, std::size_t n_ids) {
    if (piece.size() > kMaxBytes || n_ids > kMaxIds) return;
    Entry& e = entries_[h & (kSlots - 1)];
    e.n_bytes = static_cast<std::uint8_t>(piece.size());
    e.n_ids = static_cast<std::uint8_t>(n_ids);
    std::memcpy(e.bytes, piece.data(), piece.size());
    std::copy(ids, ids + n_ids, e.ids);
  }

 private:
  struct Entry {
    char bytes[kMaxBytes];
    std::uint8_t n_bytes = 0, n_ids = 0;
    Rank ids[kMaxIds];
  };
  std::vector<Entry> entries_ = std::vector<Entry>(kSlots);
};

}  // namespace detail

class Encoding {
 public:
  static constexpr Rank kNone = detail::RankTable::kNone;

  Encoding() = default;

  // From the text of a .tiktoken file ("<base64 token> <rank>" per line; ranks 0..n-1, each once).
  // `source` names the file in error messages.
  static Encoding from_tiktoken(std::string_view ranks_text, SplitPattern pattern,
                                std::map<std::string, Rank> specials, std::string name = "",
                                std::string_view source = "<ranks>") {
    Encoding enc;
    enc.name_ = std::move(name);
    enc.pattern_ = pattern;
    std::vector<std::pair<Rank, std::string>> by_line;  // (rank, token bytes) per line
    std::vector<std::size_t> line_of_entry;             // file line of each by_line entry
    std::string token;
    for_each_line(ranks_text, [&](std::string_view line, std::size_t line_no) {
      if (line.empty()) {
        const auto at = static_cast<std::size_t>(line.data() - ranks_text.data());
        if (ranks_text.find_first_not_of("\r\n", at) == std::string_view::npos)
          return false;  // blank lines at the very end
        throw IoError(fmt::format("{}:{}: empty line in a rank file", source, line_no));
      }
      const std::size_t space = line.find(' ');
      if (space == std::string_view::npos || line.find(' ', space + 1) != std::string_view::npos)
        throw IoError(fmt::format("{}:{}: expected '<base64 token> <rank>', got '{}'", source,
                                  line_no, aib::printable(line, 40)));
      if (!detail::base64_decode(line.substr(0, space), token))
        throw IoError(fmt::format("{}:{}: '{}' is not valid base64", source, line_no,
                                  aib::printable(line.substr(0, space), 40)));
      const std::string_view digits = line.substr(space + 1);
      std::uint64_t rank = 0;
      bool ok = !digits.empty() && digits.size() <= 10;
      for (char c : digits) {
        ok = ok && c >= '0' && c <= '9';
        rank = rank * 10 + static_cast<std::uint64_t>(c - '0');
      }
      if (!ok || rank >= kNone)
        throw IoError(fmt::format("{}:{}: rank '{}' is not a non-negative integer", source, line_no,
                                  aib::printable(digits, 40)));
      by_line.emplace_back(static_cast<Rank>(rank), token);
      line_of_entry.push_back(line_no);
      return true;
    });
    if (by_line.empty()) throw IoError(fmt::format("{}: the rank file has no tokens", source));
    // Ranks must be exactly 0..n-1: ids index the token table, and a gap would be an id with no
    // bytes.
    const std::size_t n = by_line.size();
    std::vector<std::size_t> line_of(n, 0);  // file line of each rank
    for (std::size_t k = 0; k < n; ++k) {
      const Rank r = by_line[k].first;
      if (r >= n)
        throw IoError(
            fmt::format("{}:{}: rank {} is too large: a file of {} tokens must use ranks "
                        "0..{}, each once (so some smaller rank is missing)",
                        source, line_of_entry[k], r, n, n - 1));
      if (line_of[r] != 0)
        throw IoError(fmt::format("{}:{}: rank {} appears twice (first on line {})", source,
                                  line_of_entry[k], r, line_of[r]));
      line_of[r] = line_of_entry[k];
    }
    std::vector<const std::string*> bytes(n);
    for (const auto& [r, t] : by_line) bytes[r] = &t;
    std::string arena;
    std::vector<std::uint32_t> offsets(n + 1, 0);
    for (std::size_t r = 0; r < n; ++r) {
      arena.append(*bytes[r]);
      if (arena.size() > std::numeric_limits<std::uint32_t>::max())
        throw IoError(fmt::format("{}: the tokens add up to more than 4 GB", source));
      offsets[r + 1] = static_cast<std::uint32_t>(arena.size());
    }
    Rank first = 0;
    const Rank dup = enc.ranks_.build(std::move(arena), std::move(offsets), &first);
    if (dup != kNone)
      throw IoError(fmt::format("{}:{}: token {} appears twice (first on line {})", source,
                                line_of[dup], quoted(*bytes[dup]), line_of[first]));
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
      fail("Encoding::from_tokens: tokens {} and {} are both {}", first, dup, quoted(tokens[dup]));
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
      merge_heap(piece, out);
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

  // Plain and heap merging, public so tests can compare them on any piece.
  void merge_plain(std::string_view piece, std::vector<Rank>& out) const;
  void merge_heap(std::string_view piece, std::vector<Rank>& out) const;

  static constexpr std::size_t kShortPiece = 64;  // bytes; longer pieces merge with the heap

 private:
  std::string display_name() const { return name_.empty() ? std::string("this encoding") : name_; }

  // Token bytes in a message: in quotes, escaped as aib::printable does ("a\x01", "é").
  static std::string quoted(std::string_view bytes) {
    return fmt::format("\"{}\"", aib::printable(bytes));
  }

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
        merge_heap(piece, out);
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

// ---- the merge loops ----------------------------------------------------------------------------

// tiktoken's algorithm, as written: parts are byte offsets; rank[i] is the rank of parts i and i+1
// joined; merge the lowest (leftmost on a tie), update the two neighbouring ranks, repeat.
// O(n²) in the piece length, and fast for the short pieces that make up ordinary text.
inline void Encoding::merge_plain(std::string_view piece, std::vector<Rank>& out) const {
  const std::size_t n = piece.size();
  if (n == 0) return;
  if (n == 1) {
    out.push_back(byte_rank(piece[0]));
    return;
  }
  if (n > kShortPiece)
    fail("Encoding::merge_plain: a piece of {} bytes; use merge_heap above {}", n, kShortPiece);
  std::uint32_t start[kShortPiece + 1];  // start[i]: first byte of part i; start[parts] = n
  Rank rank[kShortPiece];  // rank[i]: rank of parts i, i+1 joined (kNone if no such token)
  for (std::size_t i = 0; i <= n; ++i) start[i] = static_cast<std::uint32_t>(i);
  std::size_t parts = n;
  const auto pair_rank = [&](std::size_t i) {  // parts i and i+1 joined
    if (i + 2 > parts) return kNone;
    return ranks_.find(piece.data() + start[i], start[i + 2] - start[i]);
  };
  for (std::size_t i = 0; i < parts; ++i) rank[i] = pair_rank(i);
  while (parts > 1) {
    std::size_t best = 0;
    for (std::size_t i = 1; i + 1 < parts; ++i)
      if (rank[i] < rank[best]) best = i;
    if (rank[best] == kNone) break;
    // Merge part best+1 into part best: drop start[best+1] and rank[best+1].
    std::copy(start + best + 2, start + parts + 1, start + best + 1);
    std::copy(rank + best + 2, rank + parts, rank + best + 1);
    --parts;
    rank[best] = pair_rank(best);
    if (best > 0) rank[best - 1] = pair_rank(best - 1);
  }
  for (std::size_t i = 0; i < parts; ++i) {
    const std::size_t len = start[i + 1] - start[i];
    out.push_back(len == 1 ? byte_rank(piece[start[i]])
                           : ranks_.find(piece.data() + start[i], len));
  }
}

// The same merges in O(n log n): parts form a doubly linked list; a min-heap holds candidate pairs
// keyed by (rank, byte offset), so the pair popped is the lowest rank and, among equal ranks, the
// leftmost — exactly the pair the plain loop picks. Entries made stale by a merge next to them
// carry an old version number and are skipped.
inline void Encoding::merge_heap(std::string_view piece, std::vector<Rank>& out) const {
  const std::size_t n = piece.size();
  if (n <= 1) {
    merge_plain(piece, out);
    return;
  }
  struct Part {
    std::uint32_t start, end;  // bytes [start, end)
    std::int32_t prev, next;   // neighbours, -1 at the ends
    std::uint32_t version;     // bumped whenever the pair (this, next) changes
  };
  struct Candidate {
    Rank rank;
    std::uint32_t start;  // byte offset of the left part = its index in parts (never moves)
    std::uint32_t version;
    bool operator>(const Candidate& o) const {
      return rank != o.rank ? rank > o.rank : start > o.start;
    }
  };
  std::vector<Part> parts(n);
  for (std::size_t i = 0; i < n; ++i)
    parts[i] = {static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(i + 1),
                static_cast<std::int32_t>(i) - 1, i + 1 < n ? static_cast<std::int32_t>(i + 1) : -1,
                0};
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<Candidate>> heap;
  const auto push_pair = [&](std::size_t i) {  // the pair (part i, its next)
    const Part& p = parts[i];
    if (p.next < 0) return;
    const std::uint32_t end = parts[static_cast<std::size_t>(p.next)].end;
    const Rank r = ranks_.find(piece.data() + p.start, end - p.start);
    if (r != kNone) heap.push({r, p.start, p.version});
  };
  for (std::size_t i = 0; i + 1 < n; ++i) push_pair(i);
  while (!heap.empty()) {
    const Candidate c = heap.top();
    heap.pop();
    Part& left = parts[c.start];
    if (left.version != c.version || left.end == 0) continue;  // stale, or merged away
    Part& right = parts[static_cast<std::size_t>(left.next)];
    left.end = right.end;
    left.next = right.next;
    right.end = 0;  // marks a removed part
    if (left.next >= 0)
      parts[static_cast<std::size_t>(left.next)].prev = static_cast<std::int32_t>(c.start);
    ++left.version;
    push_pair(c.start);
    if (left.prev >= 0) {
      ++parts[static_cast<std::size_t>(left.prev)].version;
      push_pair(static_cast<std::size_t>(left.prev));
    }
  }
  for (std::int32_t i = 0; i >= 0; i = parts[static_cast<std::size_t>(i)].next) {
    const Part& p = parts[static_cast<std::size_t>(i)];
    out.push_back(p.end - p.start == 1 ? byte_rank(piece[p.start])
                                       : ranks_.find(piece.data() + p.start, p.end - p.start));
  }
}

}  // namespace aib::tokenizer
