// aib/tokenizer/sentencepiece.hpp — SentencePiece BPE: read a `.vocab`, segment like spm_encode.
//
// Normalize (identity rule: trim and collapse spaces, space -> "▁", prepend one "▁"; no pre-split
// into words), then from single characters repeatedly merge the adjacent pair whose concatenation
// is a vocabulary piece with the highest score, the leftmost such pair on a tie, as
// google/sentencepiece's bpe_model.cc does (a heap: O(n log n)). A character outside the vocabulary
// becomes its UTF-8 bytes <0xNN> (byte fallback), or <unk>. Leaves out: NFKC and the other
// normalization rules, training, unigram models, user-defined symbols, BPE-dropout.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <locale>
#include <queue>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "aib/core/check.hpp"
#include "aib/core/files.hpp"
#include "aib/core/text.hpp"

namespace aib::tokenizer {

// U+2581 LOWER ONE EIGHTH BLOCK, SentencePiece's visible space: "▁hello▁world" is " hello world".
inline constexpr std::string_view kSpaceSymbol = "\xE2\x96\x81";

// spm_decode's text for an <unk> id (sentencepiece's default unk_surface, " ⁇ ").
inline constexpr std::string_view kUnknownSurface = " \xE2\x81\x87 ";

// What decode does with byte pieces that do not form valid UTF-8 (e.g. ids cut inside a character).
enum class InvalidUtf8 {
  keep,     // copy the raw bytes: decode(encode(x)) gives back x's bytes even when x is not UTF-8
  replace,  // one U+FFFD per offending byte, exactly as spm_decode does
};

// SentencePiece's normalization with the flags spm_train uses by default (and our fixture model):
// add_dummy_prefix, remove_extra_whitespaces, escape_whitespaces, no treat_whitespace_as_suffix.
//   "  Hello   world " -> "▁Hello▁world";  "" and "   " -> "".
// Only ' ' is whitespace (tabs, newlines and U+00A0 are ordinary characters under the identity
// rule). A literal "▁" in the input is kept as it is; like spm, trailing ones are trimmed with the
// spaces.
inline std::string sentencepiece_normalize(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && text[i] == ' ') ++i;  // leading spaces go
  if (i == text.size()) return {};
  std::string out(kSpaceSymbol);  // the dummy prefix: "world" and "hello world" both hold "▁world"
  out.reserve(text.size() + 16);
  bool prev_space = true;
  for (; i < text.size(); ++i) {
    const bool space = text[i] == ' ';
    if (space && prev_space) continue;  // a run of spaces keeps its first one
    if (space)
      out += kSpaceSymbol;
    else
      out += text[i];
    prev_space = space;
  }
  while (out.size() >= kSpaceSymbol.size() &&
         std::string_view(out).substr(out.size() - kSpaceSymbol.size()) == kSpaceSymbol)
    out.resize(out.size() - kSpaceSymbol.size());  // trailing "▁"s go, literal ones included
  return out;
}

// A vocabulary of pieces with scores, read from a SentencePiece BPE `.vocab` file (one
// "piece<TAB>score" per line; the line number, from 0, is the id), and the segmentation that
// spm_encode computes with it. The .vocab format does not record piece types, so they follow
// spm_train's default names: `<unk>` is the unknown piece, `<s>`, `</s>` and `<pad>` are control
// pieces, `<0x00>`..`<0xFF>` are byte pieces (all 256 or none); every other line is a normal piece.
// One deliberate difference from spm: a byte that is not valid UTF-8 stays a character of its own
// (one byte piece), where spm first replaces it with U+FFFD (three byte pieces, EF BF BD); so any
// bytes survive encode then decode. On valid UTF-8 the two agree exactly.
class SentencePieceBpe {
 public:
  enum class Kind { normal, unknown, control, byte };

  // Reads a .vocab file; throws aib::IoError naming the file and line if it cannot be used.
  static SentencePieceBpe load(const std::string& vocab_path) {
    return parse(read_file(vocab_path, "SentencePieceBpe::load"), vocab_path,
                 "SentencePieceBpe::load");
  }

  // The same from the text of a .vocab file; `name` stands for the file in error messages.
  static SentencePieceBpe from_vocab_text(std::string_view text,
                                          std::string_view name = "<vocab>") {
    return parse(text, name, "SentencePieceBpe::from_vocab_text");
  }

  // ---- encoding -------------------------------------------------------------------------------

  // "language models." -> {"▁language", "▁models", "."} with the fixture vocabulary (course-bpe).
  std::vector<std::string> encode_pieces(std::string_view text) const {
    std::vector<std::string> out;
    for (const Token& t : segment(text)) out.push_back(t.piece);
    return out;
  }

  // The ids of encode_pieces: a byte piece's id for each byte of an unknown character.
  std::vector<int> encode(std::string_view text) const {
    std::vector<int> out;
    for (const Token& t : segment(text)) out.push_back(t.id);
    return out;
  }

  // ---- decoding -------------------------------------------------------------------------------

  // Ids back to text, as spm_decode does: "▁" becomes a space, runs of byte pieces become their
  // bytes, control ids (<s>, </s>) vanish, <unk> becomes " ⁇ ", and while nothing has been written
  // yet each piece loses one leading "▁" (the dummy prefix). Ids out of range throw aib::Error.
  std::string decode(const std::vector<int>& ids, InvalidUtf8 invalid = InvalidUtf8::keep) const {
    std::vector<std::pair<std::string_view, int>> pieces;
    pieces.reserve(ids.size());
    for (std::size_t k = 0; k < ids.size(); ++k) {
      const int id = ids[k];
      if (id < 0 || id >= size())
        fail("SentencePieceBpe::decode: ids[{}] = {} is outside the vocabulary [0, {})", k, id,
             size());
      pieces.emplace_back(pieces_[static_cast<std::size_t>(id)], id);
    }
    return decode_impl(pieces, invalid);
  }

  // Pieces back to text; a piece that is not in the vocabulary is copied as it is (as spm does).
  std::string decode_pieces(const std::vector<std::string>& pieces,
                            InvalidUtf8 invalid = InvalidUtf8::keep) const {
    std::vector<std::pair<std::string_view, int>> with_ids;
    with_ids.reserve(pieces.size());
    for (const std::string& p : pieces) with_ids.emplace_back(p, piece_to_id(p));
    return decode_impl(with_ids, invalid);
  }

  // ---- the vocabulary -------------------------------------------------------------------------

  int size() const { return static_cast<int>(pieces_.size()); }  // V
  const std::string& piece(int id) const { return pieces_.at(checked(id, "piece")); }
  float score(int id) const { return scores_.at(checked(id, "score")); }
  Kind kind(int id) const { return kinds_.at(checked(id, "kind")); }
  // The id of a piece, or -1 if the vocabulary has no such piece.
  int piece_to_id(std::string_view piece) const {
    const auto it = ids_.find(std::string(piece));
    return it == ids_.end() ? -1 : it->second;
  }
  int unk_id() const { return unk_id_; }
  int bos_id() const { return piece_to_id("<s>"); }   // -1 if absent
  int eos_id() const { return piece_to_id("</s>"); }  // -1 if absent
  bool byte_fallback() const { return byte_ids_[0] >= 0; }
  // The id of the byte piece <0xNN> for byte b, or -1 without byte fallback.
  int byte_id(unsigned char b) const { return byte_ids_[b]; }

  // The BPE merges on normalized text, the heap version: every adjacent pair that forms a normal
  // piece waits in a max-heap ordered by (score, then smaller left index). An entry whose symbols
  // changed since it was pushed is skipped when it surfaces. O(n log n) for n characters.
  // Returns views into `norm` (sentencepiece_normalize's output).
  std::vector<std::string_view> merge(std::string_view norm) const {
    std::vector<Symbol> sym = characters(norm);
    struct Pair {
      float score;
      int left, right;
      std::size_t len;  // bytes of left + right when pushed
    };
    const auto lower = [](const Pair& a, const Pair& b) {  // the top is the best pair
      return a.score < b.score || (a.score == b.score && a.left > b.left);
    };
    std::priority_queue<Pair, std::vector<Pair>, decltype(lower)> agenda(lower);
    std::string key;  // reused buffer for the lookups
    const auto push = [&](int l, int r) {
      if (l < 0 || r < 0) return;
      const Symbol& a = sym[static_cast<std::size_t>(l)];
      const Symbol& b = sym[static_cast<std::size_t>(r)];
      const int id = normal_id(norm.substr(a.begin, a.len + b.len), key);
      if (id >= 0) agenda.push({scores_[static_cast<std::size_t>(id)], l, r, a.len + b.len});
    };
    for (std::size_t i = 1; i < sym.size(); ++i) push(static_cast<int>(i) - 1, static_cast<int>(i));
    while (!agenda.empty()) {
      const Pair top = agenda.top();
      agenda.pop();
      Symbol& a = sym[static_cast<std::size_t>(top.left)];
      Symbol& b = sym[static_cast<std::size_t>(top.right)];
      // Stale: one side has been merged into something else since this pair was pushed.
      if (a.len == 0 || b.len == 0 || a.next != top.right || a.len + b.len != top.len) continue;
      a.len += b.len;  // b joins a
      b.len = 0;
      a.next = b.next;
      if (b.next >= 0) sym[static_cast<std::size_t>(b.next)].prev = top.left;
      push(a.prev, top.left);
      push(top.left, a.next);
    }
    return collect(norm, sym);
  }

  // The same merges, plain: scan every adjacent pair, merge the best, repeat. O(n²); kept to test
  // merge() against and to read first.
  std::vector<std::string_view> merge_plain(std::string_view norm) const {
    std::vector<std::string_view> s;
    for (const Symbol& c : characters(norm)) s.push_back(norm.substr(c.begin, c.len));
    std::string key;
    for (;;) {
      std::size_t best = s.size();
      float best_score = 0.f;
      for (std::size_t i = 0; i + 1 < s.size(); ++i) {
        const int id = normal_id(std::string_view(s[i].data(), s[i].size() + s[i + 1].size()), key);
        if (id < 0) continue;
        const float sc = scores_[static_cast<std::size_t>(id)];
        if (best == s.size() || sc > best_score) {  // '>', not '>=': a tie keeps the leftmost
          best = i;
          best_score = sc;
        }
      }
      if (best == s.size()) return s;
      s[best] = std::string_view(s[best].data(), s[best].size() + s[best + 1].size());
      s.erase(s.begin() + static_cast<std::ptrdiff_t>(best) + 1);
    }
  }

 private:
  // A symbol of the merge loop: a run of normalized text, linked to its neighbours.
  struct Symbol {
    std::size_t begin, len;  // bytes of the normalized text
    int prev, next;          // neighbours in the current segmentation; -1 at either end
  };

  struct Token {  // a piece of the output with its id
    std::string piece;
    int id;
  };

  std::vector<std::string> pieces_;           // (V) id -> piece
  std::vector<float> scores_;                 // (V)
  std::vector<Kind> kinds_;                   // (V)
  std::unordered_map<std::string, int> ids_;  // every piece -> id
  int unk_id_ = -1;
  int byte_ids_[256];
  std::size_t max_normal_len_ = 0;  // longest normal piece, in bytes: longer pairs need no lookup

  SentencePieceBpe() {
    for (int& b : byte_ids_) b = -1;
  }

  std::size_t checked(int id, const char* what) const {
    if (id < 0 || id >= size())
      fail("SentencePieceBpe::{}: id {} is outside the vocabulary [0, {})", what, id, size());
    return static_cast<std::size_t>(id);
  }

  // The id of s if it is a normal (mergeable) piece, else -1. `key` avoids an allocation per call.
  int normal_id(std::string_view s, std::string& key) const {
    if (s.size() > max_normal_len_) return -1;
    key.assign(s.data(), s.size());
    const auto it = ids_.find(key);
    if (it == ids_.end() || kinds_[static_cast<std::size_t>(it->second)] != Kind::normal) return -1;
    return it->second;
  }

  // The characters of norm as a linked list; an invalid UTF-8 byte is a character of its own.
  static std::vector<Symbol> characters(std::string_view norm) {
    std::vector<Symbol> sym;
    for (std::size_t i = 0; i < norm.size();) {
      const std::size_t n = utf8_char_length(norm, i);
      const int k = static_cast<int>(sym.size());
      sym.push_back({i, n, k - 1, i + n < norm.size() ? k + 1 : -1});
      i += n;
    }
    return sym;
  }

  static std::vector<std::string_view> collect(std::string_view norm,
                                               const std::vector<Symbol>& sym) {
    std::vector<std::string_view> out;
    for (int k = sym.empty() ? -1 : 0; k >= 0; k = sym[static_cast<std::size_t>(k)].next)
      out.push_back(norm.substr(sym[static_cast<std::size_t>(k)].begin,
                                sym[static_cast<std::size_t>(k)].len));
    return out;
  }

  // normalize -> merge -> ids: a piece outside the vocabulary becomes one byte piece per byte, or
  // without byte pieces joins a preceding unknown piece (spm keeps its text, with the <unk> id).
  std::vector<Token> segment(std::string_view text) const {
    const std::string norm = sentencepiece_normalize(text);
    std::vector<Token> out;
    std::string key;
    bool prev_unknown = false;
    for (const std::string_view w : merge(norm)) {
      const int id = normal_id(w, key);
      if (id >= 0) {
        out.push_back({std::string(w), id});
      } else if (byte_fallback()) {
        for (const char c : w) {
          const int b = byte_ids_[static_cast<unsigned char>(c)];
          out.push_back({pieces_[static_cast<std::size_t>(b)], b});
        }
      } else if (prev_unknown) {
        out.back().piece += w;
      } else {
        out.push_back({std::string(w), unk_id_});
      }
      prev_unknown = id < 0;
    }
    return out;
  }

  std::string decode_impl(const std::vector<std::pair<std::string_view, int>>& pieces,
                          InvalidUtf8 invalid) const {
    std::string out, bytes;
    const auto flush_bytes = [&] {
      for (std::size_t i = 0; i < bytes.size();) {
        const std::size_t n = utf8_char_length(bytes, i);
        const bool bad = n == 1 && static_cast<unsigned char>(bytes[i]) >= 0x80;
        out += (bad && invalid == InvalidUtf8::replace) ? std::string_view("\xEF\xBF\xBD")
                                                        : std::string_view(bytes).substr(i, n);
        i += n;
      }
      bytes.clear();
    };
    for (const auto& [piece, id] : pieces) {
      const Kind k = id >= 0 ? kinds_[static_cast<std::size_t>(id)] : Kind::unknown;
      if (k == Kind::byte) {
        bytes += static_cast<char>(byte_of(pieces_[static_cast<std::size_t>(id)]));
        continue;
      }
      flush_bytes();
      if (k == Kind::control) continue;
      if (k == Kind::unknown) {  // the <unk> piece itself, or a piece the vocabulary lacks
        out +=
            (id >= 0 && piece == pieces_[static_cast<std::size_t>(id)]) ? kUnknownSurface : piece;
        continue;
      }
      std::string_view p = piece;
      if (out.empty() && p.substr(0, kSpaceSymbol.size()) == kSpaceSymbol)
        p.remove_prefix(kSpaceSymbol.size());  // the dummy prefix (and leading "▁"s)
      for (std::size_t at; (at = p.find(kSpaceSymbol)) != std::string_view::npos;) {
        out.append(p.data(), at);
        out += ' ';
        p.remove_prefix(at + kSpaceSymbol.size());
      }
      out += p;
    }
    flush_bytes();
    return out;
  }

  // 0..255 if p is a byte piece "<0xNN>" (uppercase hex, as spm writes them), else -1.
  static int byte_of(std::string_view p) {
    if (p.size() != 6 || p.substr(0, 3) != "<0x" || p[5] != '>') return -1;
    int v = 0;
    for (const char c : p.substr(3, 2)) {
      const int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
      if (d < 0) return -1;
      v = v * 16 + d;
    }
    return v;
  }

  // ---- reading .vocab ---------------------------------------------------------------------------

  static SentencePieceBpe parse(std::string_view text, std::string_view name, const char* where) {
    const auto bad = [&](std::size_t line, const std::string& what) {
      return IoError(fmt::format("{}: {} line {}: {}", where, name, line, what));
    };
    SentencePieceBpe v;
    std::size_t lines = 0;
    int n_bytes = 0;
    for_each_line(text, [&](std::string_view row, std::size_t line) {
      lines = line;
      if (row.empty()) throw bad(line, "empty line; expected 'piece<TAB>score'");
      const std::size_t tab = row.rfind('\t');  // the last tab: a piece may contain a tab
      if (tab == std::string_view::npos)
        throw bad(line, fmt::format("no tab between piece and score in '{}'", printable(row)));
      const std::string piece(row.substr(0, tab));
      const std::string score_text(row.substr(tab + 1));
      if (piece.empty()) throw bad(line, "empty piece before the tab");
      std::istringstream score_in(score_text);
      score_in.imbue(std::locale::classic());  // "-1.5", whatever the user's locale
      float score = 0.f;
      score_in >> score;
      if (score_text.empty() || score_in.fail() || !(score_in >> std::ws).eof() ||
          !std::isfinite(score))
        throw bad(line, fmt::format("score '{}' of piece '{}' is not a number",
                                    printable(score_text), printable(piece)));
      const int id = v.size();
      const auto [it, inserted] = v.ids_.emplace(piece, id);
      if (!inserted)
        throw bad(line, fmt::format("piece '{}' is already defined on line {}", printable(piece),
                                    it->second + 1));
      Kind kind = Kind::normal;
      if (piece == "<unk>") {
        kind = Kind::unknown;
        v.unk_id_ = id;
      } else if (piece == "<s>" || piece == "</s>" || piece == "<pad>") {
        kind = Kind::control;
      } else if (const int b = byte_of(piece); b >= 0) {
        kind = Kind::byte;
        v.byte_ids_[b] = id;
        ++n_bytes;
      } else {
        v.max_normal_len_ = std::max(v.max_normal_len_, piece.size());
      }
      v.pieces_.push_back(piece);
      v.scores_.push_back(score);
      v.kinds_.push_back(kind);
    });
    if (lines == 0)
      throw IoError(fmt::format("{}: {} is empty; expected 'piece<TAB>score' lines", where, name));
    if (v.unk_id_ < 0)
      throw IoError(fmt::format("{}: {} has no <unk> piece (every SentencePiece model has one)",
                                where, name));
    if (n_bytes != 0 && n_bytes != 256)
      throw IoError(fmt::format("{}: {} has {} byte pieces <0xNN>; byte fallback needs all 256",
                                where, name, n_bytes));
    return v;
  }
};

}  // namespace aib::tokenizer
