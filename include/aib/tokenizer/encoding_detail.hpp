// aib/tokenizer/encoding_detail.hpp — the speed machinery under encoding.hpp's byte-level BPE.
//
// None of this changes what an Encoding computes, only how fast: base64 for .tiktoken lines, a
// hash table from token bytes to ranks tuned for the short lookups of the merge loop (tags in the
// slots, one arena of bytes), a direct-mapped cache of the ids of recent words, and the rank-file
// parser that checks a .tiktoken file line by line. Read encoding.hpp first; include that header,
// not this one. Leaves out: thread safety of a shared PieceCache (each encode call owns one).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "aib/core/check.hpp"
#include "aib/core/files.hpp"

namespace aib::tokenizer {

using Rank = std::uint32_t;  // a token id; for ordinary tokens also its merge priority

inline constexpr Rank kNoRank = std::numeric_limits<Rank>::max();  // "no such token"

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
  static constexpr Rank kNone = kNoRank;

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

// ---- the .tiktoken rank-file parser -------------------------------------------------------------

// Token bytes in a message: in quotes, escaped as aib::printable does ("a\x01", "é").
inline std::string quoted_bytes(std::string_view bytes) {
  return fmt::format("\"{}\"", printable(bytes));
}

// The RankTable of a .tiktoken text: one "<base64 token> <rank>" per line, ranks exactly 0..n-1
// each once, tokens distinct. Fails with IoError "<source>:<line>: <what>" on the first problem.
inline RankTable parse_rank_file(std::string_view text, std::string_view source) {
  std::vector<std::pair<Rank, std::string>> by_line;  // (rank, token bytes) per line
  std::vector<std::size_t> line_of_entry;             // file line of each by_line entry
  std::string token;
  for_each_line(text, [&](std::string_view line, std::size_t line_no) {
    if (line.empty()) {
      const auto at = static_cast<std::size_t>(line.data() - text.data());
      if (text.find_first_not_of("\r\n", at) == std::string_view::npos)
        return false;  // blank lines at the very end
      throw IoError(fmt::format("{}:{}: empty line in a rank file", source, line_no));
    }
    const std::size_t space = line.find(' ');
    if (space == std::string_view::npos || line.find(' ', space + 1) != std::string_view::npos)
      throw IoError(fmt::format("{}:{}: expected '<base64 token> <rank>', got '{}'", source,
                                line_no, printable(line, 40)));
    if (!base64_decode(line.substr(0, space), token))
      throw IoError(fmt::format("{}:{}: '{}' is not valid base64", source, line_no,
                                printable(line.substr(0, space), 40)));
    const std::string_view digits = line.substr(space + 1);
    std::uint64_t rank = 0;
    bool ok = !digits.empty() && digits.size() <= 10;
    for (char c : digits) {
      ok = ok && c >= '0' && c <= '9';
      rank = rank * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (!ok || rank >= kNoRank)
      throw IoError(fmt::format("{}:{}: rank '{}' is not a non-negative integer", source, line_no,
                                printable(digits, 40)));
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
  RankTable table;
  Rank first = 0;
  const Rank dup = table.build(std::move(arena), std::move(offsets), &first);
  if (dup != kNoRank)
    throw IoError(fmt::format("{}:{}: token {} appears twice (first on line {})", source,
                              line_of[dup], quoted_bytes(*bytes[dup]), line_of[first]));
  return table;
}

}  // namespace detail
}  // namespace aib::tokenizer
