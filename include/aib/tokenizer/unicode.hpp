// aib/tokenizer/unicode.hpp — UTF-8 decoding and the character classes pre-tokenizers split on.
//
// next_char decodes one code point and never fails: a byte that does not start a valid UTF-8
// sequence (stray continuation, truncated or overlong form, surrogate, > U+10FFFF) comes back on
// its own as kInvalid, so every byte string can be split and tokenized. char_class looks a code
// point up in the tables generated from the Unicode Character Database (unicode_tables.hpp)
// through a two-stage table built on first use. Leaves out: normalisation and case folding.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "aib/core/text.hpp"
#include "aib/tokenizer/unicode_tables.hpp"

namespace aib::tokenizer {

// What a pre-tokenizer needs to know about a character: its general-category group and whether it
// is White_Space (what `\s` matches). Values match tools/gen_unicode_tables.py.
enum CharClass : std::uint8_t {
  kOther = 0,        // punctuation, symbols, controls, unassigned, invalid bytes
  kUpper = 1,        // Lu, Lt
  kLower = 2,        // Ll
  kLetterOther = 3,  // Lm, Lo (no case: CJK, Arabic, modifier letters)
  kMark = 4,         // Mn, Mc, Me
  kNumber = 5,       // Nd, Nl, No
  kSpaceBit = 8,     // White_Space, on top of one of the above (e.g. U+0020 is kOther | kSpaceBit)
};

// A code point as decoded from UTF-8, or kInvalid for one byte that is not valid UTF-8.
inline constexpr char32_t kInvalid = 0x110000;

struct Utf8Char {
  char32_t cp;       // the code point, or kInvalid
  std::uint32_t len;  // bytes it takes: 1..4 (1 for kInvalid)
};

// Decodes the character starting at s[i] (i < s.size()).
inline Utf8Char next_char(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(s[k])); };
  const std::uint32_t b0 = b(i);
  if (b0 < 0x80) return {b0, 1};
  const std::size_t n = utf8_char_length(s, i);
  switch (n) {
    case 2: return {((b0 & 0x1F) << 6) | (b(i + 1) & 0x3F), 2};
    case 3: return {((b0 & 0x0F) << 12) | ((b(i + 1) & 0x3F) << 6) | (b(i + 2) & 0x3F), 3};
    case 4:
      return {((b0 & 0x07) << 18) | ((b(i + 1) & 0x3F) << 12) | ((b(i + 2) & 0x3F) << 6) |
                  (b(i + 3) & 0x3F),
              4};
    default: return {kInvalid, 1};
  }
}

namespace detail {

// Two-stage lookup: stage1[cp >> 7] picks a block of 128 classes in stage2; equal blocks are shared.
struct ClassTable {
  std::vector<std::uint16_t> stage1;  // (0x110000 / 128)
  std::vector<std::uint8_t> stage2;   // (blocks * 128)

  ClassTable() {
    std::vector<std::uint8_t> all(0x110000, kOther);
    for (const UnicodeRange& r : kUnicodeRanges)
      for (std::uint32_t c = r.first; c <= r.last; ++c) all[c] = r.cls;
    stage1.resize(0x110000 / 128);
    std::unordered_map<std::string, std::uint16_t> seen;  // block contents -> block number
    for (std::size_t block = 0; block < stage1.size(); ++block) {
      const auto* data = reinterpret_cast<const char*>(all.data() + block * 128);
      const auto [it, added] = seen.emplace(std::string(data, 128), static_cast<std::uint16_t>(seen.size()));
      if (added) stage2.insert(stage2.end(), all.begin() + static_cast<std::ptrdiff_t>(block * 128),
                               all.begin() + static_cast<std::ptrdiff_t>(block * 128 + 128));
      stage1[block] = it->second;
    }
  }
};

inline const ClassTable& class_table() {
  static const ClassTable table;
  return table;
}

// ASCII classes, so the common case needs no table lookup.
inline constexpr std::array<std::uint8_t, 128> kAsciiClass = [] {
  std::array<std::uint8_t, 128> t{};
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = kUpper;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = kLower;
  for (int c = '0'; c <= '9'; ++c) t[c] = kNumber;
  for (int c : {'\t', '\n', '\v', '\f', '\r', ' '}) t[c] = kOther | kSpaceBit;
  return t;
}();

}  // namespace detail

// The CharClass of a code point (kInvalid and unassigned code points are kOther).
inline std::uint8_t char_class(char32_t cp) {
  if (cp < 128) return detail::kAsciiClass[cp];
  if (cp >= kInvalid) return kOther;
  const detail::ClassTable& t = detail::class_table();
  return t.stage2[std::size_t{t.stage1[cp >> 7]} * 128 + (cp & 127)];
}

inline bool is_space(std::uint8_t cls) { return (cls & kSpaceBit) != 0; }
inline bool is_letter(std::uint8_t cls) {
  const std::uint8_t g = cls & 7;
  return g >= kUpper && g <= kLetterOther;
}
inline bool is_number(std::uint8_t cls) { return (cls & 7) == kNumber; }

// Appends the UTF-8 encoding of a code point (< 0x110000).
inline void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Bytes as text, each maximal invalid subsequence replaced by U+FFFD — the rule of the Unicode
// standard (§3.9, "U+FFFD substitution of maximal subparts") that Python's
// bytes.decode("utf-8", errors="replace") follows, and so tiktoken's decode.
inline std::string to_valid_utf8(std::string_view bytes) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(bytes.size());
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
  for (std::size_t i = 0; i < bytes.size();) {
    const std::size_t n = utf8_char_length(bytes, i);
    if (n > 1 || b(i) < 0x80) {
      out.append(bytes.substr(i, n));
      i += n;
      continue;
    }
    // Invalid here: skip the lead byte and as many continuation bytes as could still have begun
    // a valid sequence with it (a "maximal subpart"), then emit one replacement character.
    const unsigned char b0 = b(i);
    std::size_t need = b0 >= 0xC2 && b0 <= 0xDF ? 1 : b0 >= 0xE0 && b0 <= 0xEF ? 2 : b0 >= 0xF0 && b0 <= 0xF4 ? 3 : 0;
    std::size_t j = i + 1;
    for (std::size_t k = 0; k < need && j < bytes.size(); ++k, ++j) {
      const unsigned char c = b(j);
      unsigned char lo = 0x80, hi = 0xBF;
      if (k == 0 && b0 == 0xE0) lo = 0xA0;
      if (k == 0 && b0 == 0xED) hi = 0x9F;
      if (k == 0 && b0 == 0xF0) lo = 0x90;
      if (k == 0 && b0 == 0xF4) hi = 0x8F;
      if (c < lo || c > hi) break;
    }
    out.append(kReplacement);
    i = j;
  }
  return out;
}

}  // namespace aib::tokenizer
