// aib/tokenizer/pretokenize.hpp — the split rules of GPT-2, cl100k_base and o200k_base, by hand.
//
// Before BPE, tiktoken cuts text into pieces with a regular expression; a merge never crosses a
// piece boundary. This header matches those three expressions exactly, written as plain code
// (std::regex has no \p{L} and would be slow): each `match_*` tries the alternatives of its
// pattern in order at one position, as a backtracking regex engine does, and returns where the
// match ends. Character classes come from unicode.hpp (Unicode 15.0). Bytes that are not valid
// UTF-8 count as punctuation ("other"), so any byte string splits; tiktoken itself only ever sees
// valid text. Leaves out: arbitrary patterns (a pattern must be one of the three, see pattern_of).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "aib/core/check.hpp"
#include "aib/tokenizer/unicode.hpp"

namespace aib::tokenizer {

enum class SplitPattern { gpt2, cl100k, o200k };

// The three expressions, as in tiktoken (and in the *.meta.json files of each encoding).
inline constexpr std::string_view kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
inline constexpr std::string_view kCl100kPattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
inline constexpr std::string_view kO200kPattern =
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

inline std::string_view pattern_text(SplitPattern p) {
  switch (p) {
    case SplitPattern::gpt2: return kGpt2Pattern;
    case SplitPattern::cl100k: return kCl100kPattern;
    case SplitPattern::o200k: return kO200kPattern;
  }
  return kGpt2Pattern;
}

inline std::string_view pattern_name(SplitPattern p) {
  switch (p) {
    case SplitPattern::gpt2: return "gpt2";
    case SplitPattern::cl100k: return "cl100k";
    case SplitPattern::o200k: return "o200k";
  }
  return "gpt2";
}

// The SplitPattern whose expression or name is `text`; an aib::Error for anything else.
inline SplitPattern pattern_of(std::string_view text) {
  for (SplitPattern p : {SplitPattern::gpt2, SplitPattern::cl100k, SplitPattern::o200k})
    if (text == pattern_text(p) || text == pattern_name(p)) return p;
  fail("pattern_of: unsupported split pattern '{}' (this library implements the gpt2, cl100k and "
       "o200k patterns by hand; a pattern must be one of them)",
       text.size() > 80 ? std::string(text.substr(0, 80)) + "..." : std::string(text));
}

#if defined(__GNUC__) || defined(__clang__)
#define AIB_TOKENIZER_INLINE inline __attribute__((always_inline))
#else
#define AIB_TOKENIZER_INLINE inline
#endif

namespace detail {

// A cursor over the text that decodes one character at a time.
class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}
  std::size_t size() const { return s_.size(); }

  struct Char {
    char32_t cp;
    std::uint32_t len;
    std::uint8_t cls;
  };
  // The character at byte i (i < size()).
  AIB_TOKENIZER_INLINE Char at(std::size_t i) const {
    const unsigned char b = static_cast<unsigned char>(s_[i]);
    if (b < 0x80) return {b, 1, kAsciiClass[b]};
    const Utf8Char c = next_char(s_, i);
    return {c.cp, c.len, char_class(c.cp)};
  }

  // End of the run of characters satisfying pred, starting at i.
  template <class Pred>
  AIB_TOKENIZER_INLINE std::size_t run(std::size_t i, Pred pred) const {
    while (i < s_.size()) {  // ASCII first: no decoding, one table lookup per byte
      const unsigned char b = static_cast<unsigned char>(s_[i]);
      if (b >= 0x80) break;
      if (!pred(Char{b, 1, kAsciiClass[b]})) return i;
      ++i;
    }
    while (i < s_.size()) {
      const Char c = at(i);
      if (!pred(c)) break;
      i += c.len;
    }
    return i;
  }

  // Length of a contraction ('s 't 're 've 'm 'll 'd) at i, 0 if none. With ignore_case, the
  // letters match as in a Unicode case-insensitive regex: S, ſ (U+017F, which folds to s), T...
  std::size_t contraction(std::size_t i, bool ignore_case) const {
    if (i >= s_.size() || s_[i] != '\'' || i + 1 >= s_.size()) return 0;
    const Char c1 = at(i + 1);
    const auto is = [&](const Char& c, char lower) {
      if (c.cp == static_cast<char32_t>(lower)) return true;
      if (!ignore_case) return false;
      return c.cp == static_cast<char32_t>(lower - 'a' + 'A') || (lower == 's' && c.cp == 0x17F);
    };
    if (is(c1, 's') || is(c1, 't') || is(c1, 'm') || is(c1, 'd')) return 1 + c1.len;
    const std::size_t j = i + 1 + c1.len;
    if (j >= s_.size()) return 0;
    const Char c2 = at(j);
    if ((is(c1, 'r') && is(c2, 'e')) || (is(c1, 'v') && is(c2, 'e')) || (is(c1, 'l') && is(c2, 'l')))
      return 1 + c1.len + c2.len;
    return 0;
  }

  // The whitespace alternatives shared by all three patterns, at a whitespace character i:
  //   [\s*[\r\n]+]   (cl100k, o200k) up to the last line break of the run, if it has one;
  //   \s+(?!\S)      the run, minus its last character if a non-space follows and the run is longer;
  //   \s+            otherwise, the single space before the non-space.
  std::size_t whitespace(std::size_t i, bool newline_rule) const {
    std::size_t end = i, last = i, after_newline = 0;
    while (end < s_.size()) {
      const Char c = at(end);
      if (!is_space(c.cls)) break;
      last = end;
      end += c.len;
      if (c.cp == '\r' || c.cp == '\n') after_newline = end;
    }
    if (newline_rule && after_newline != 0) return after_newline;
    if (end == s_.size() || last == i) return end;
    return last;
  }

 private:
  std::string_view s_;
};

inline bool is_other(std::uint8_t cls) { return !is_space(cls) && !is_letter(cls) && !is_number(cls); }
inline bool is_crlf(char32_t cp) { return cp == '\r' || cp == '\n'; }
// [^\r\n\p{L}\p{N}]: the optional prefix of a word in cl100k and o200k.
inline bool is_word_prefix(const Scanner::Char& c) {
  return !is_crlf(c.cp) && !is_letter(c.cls) && !is_number(c.cls);
}
// o200k's two letter classes: [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}] and [\p{Ll}\p{Lm}\p{Lo}\p{M}].
inline bool is_upperish(std::uint8_t cls) {
  const std::uint8_t g = cls & 7;
  return g == kUpper || g == kLetterOther || g == kMark;
}
inline bool is_lowerish(std::uint8_t cls) {
  const std::uint8_t g = cls & 7;
  return g == kLower || g == kLetterOther || g == kMark;
}

// ' ?X+' for a class X: the end of the match at i, or 0.
template <class Pred>
std::size_t space_then_run(const Scanner& sc, std::size_t i, Pred pred) {
  const Scanner::Char c = sc.at(i);
  std::size_t j = i;
  if (c.cp == ' ' && i + 1 < sc.size() && pred(sc.at(i + 1))) j = i + 1;
  else if (!pred(c)) return 0;
  return sc.run(j, pred);
}

inline std::size_t match_gpt2(const Scanner& sc, std::size_t i) {
  if (const std::size_t n = sc.contraction(i, false)) return i + n;
  using C = Scanner::Char;
  if (std::size_t e = space_then_run(sc, i, [](const C& c) { return is_letter(c.cls); })) return e;
  if (std::size_t e = space_then_run(sc, i, [](const C& c) { return is_number(c.cls); })) return e;
  if (std::size_t e = space_then_run(sc, i, [](const C& c) { return is_other(c.cls); })) return e;
  return sc.whitespace(i, false);
}

inline std::size_t match_cl100k(const Scanner& sc, std::size_t i) {
  using C = Scanner::Char;
  if (const std::size_t n = sc.contraction(i, true)) return i + n;
  const C c = sc.at(i);
  const auto letter = [](const C& x) { return is_letter(x.cls); };
  // [^\r\n\p{L}\p{N}]?\p{L}+
  if (is_word_prefix(c) && i + c.len < sc.size() && letter(sc.at(i + c.len)))
    return sc.run(i + c.len, letter);
  if (letter(c)) return sc.run(i, letter);
  // \p{N}{1,3}
  if (is_number(c.cls)) {
    std::size_t j = i + c.len;
    for (int k = 1; k < 3 && j < sc.size(); ++k) {
      const C d = sc.at(j);
      if (!is_number(d.cls)) break;
      j += d.len;
    }
    return j;
  }
  // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
  if (std::size_t e = space_then_run(sc, i, [](const C& x) { return is_other(x.cls); }))
    return sc.run(e, [](const C& x) { return is_crlf(x.cp); });
  return sc.whitespace(i, true);
}

// o200k's word: [^\r\n\p{L}\p{N}]? then upper* lower+ (alternative 1) or upper+ lower*
// (alternative 2), then an optional contraction. Returns the end, or 0 if neither matches at i.
inline std::size_t o200k_word(const Scanner& sc, std::size_t start, bool first_alternative) {
  using C = Scanner::Char;
  std::size_t end = 0;
  if (first_alternative) {
    // [upper]*[lower]+ : take the upper run; if a lower char follows, take the lower run;
    // otherwise backtrack to the last char of the upper run that is also lower (Lm, Lo, M).
    std::size_t a = start, last_lower = std::string_view::npos;
    while (a < sc.size()) {
      const C c = sc.at(a);
      if (!is_upperish(c.cls)) break;
      if (is_lowerish(c.cls)) last_lower = a;
      a += c.len;
    }
    if (a < sc.size() && is_lowerish(sc.at(a).cls))
      end = sc.run(a, [](const C& x) { return is_lowerish(x.cls); });
    else if (last_lower != std::string_view::npos)
      end = last_lower + sc.at(last_lower).len;
    else
      return 0;
  } else {
    // [upper]+[lower]*
    if (start >= sc.size() || !is_upperish(sc.at(start).cls)) return 0;
    const std::size_t a = sc.run(start, [](const C& x) { return is_upperish(x.cls); });
    end = sc.run(a, [](const C& x) { return is_lowerish(x.cls); });
  }
  return end + sc.contraction(end, true);
}

inline std::size_t match_o200k(const Scanner& sc, std::size_t i) {
  using C = Scanner::Char;
  const C c = sc.at(i);
  const bool prefix = is_word_prefix(c) && i + c.len < sc.size();
  for (bool first : {true, false}) {
    if (prefix)
      if (std::size_t e = o200k_word(sc, i + c.len, first)) return e;
    if (std::size_t e = o200k_word(sc, i, first)) return e;
  }
  if (is_number(c.cls)) {  // \p{N}{1,3}
    std::size_t j = i + c.len;
    for (int k = 1; k < 3 && j < sc.size(); ++k) {
      const C d = sc.at(j);
      if (!is_number(d.cls)) break;
      j += d.len;
    }
    return j;
  }
  // ' ?[^\s\p{L}\p{N}]+[\r\n/]*'
  if (std::size_t e = space_then_run(sc, i, [](const C& x) { return is_other(x.cls); }))
    return sc.run(e, [](const C& x) { return is_crlf(x.cp) || x.cp == '/'; });
  return sc.whitespace(i, true);
}

}  // namespace detail

// Calls emit(piece) for each piece of `text`, in order; the pieces concatenate to `text`.
template <class Emit>
void split(std::string_view text, SplitPattern pattern, Emit&& emit) {
  const detail::Scanner sc(text);
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t end = 0;
    switch (pattern) {
      case SplitPattern::gpt2: end = detail::match_gpt2(sc, i); break;
      case SplitPattern::cl100k: end = detail::match_cl100k(sc, i); break;
      case SplitPattern::o200k: end = detail::match_o200k(sc, i); break;
    }
    emit(text.substr(i, end - i));
    i = end;
  }
}

// "Hello world" -> {"Hello", " world"}; views into `text`.
inline std::vector<std::string_view> split(std::string_view text, SplitPattern pattern) {
  std::vector<std::string_view> pieces;
  split(text, pattern, [&](std::string_view piece) { pieces.push_back(piece); });
  return pieces;
}

}  // namespace aib::tokenizer
