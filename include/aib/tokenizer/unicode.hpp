// aib/tokenizer/unicode.hpp — the character classes pre-tokenizers split on.
//
// next_char is aib/core/utf8.hpp's decoder and never fails: a byte that does not start a valid
// UTF-8 sequence comes back on its own as kInvalid, so every byte string can be tokenized.
// char_class looks a code point up in the tables generated from the Unicode Character Database
// (unicode_tables.hpp) through a two-stage table built on first use. Leaves out: normalisation and
// case folding.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "aib/core/utf8.hpp"
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

// The decoder is aib/core/utf8.hpp's; these names keep the tokenizer's spelling of it.
inline constexpr char32_t kInvalid = kInvalidChar;  // one byte that is not valid UTF-8
using aib::append_utf8;
using aib::to_valid_utf8;
using aib::Utf8Char;

// Decodes the character starting at s[i] (i < s.size()); an invalid byte is {kInvalid, 1}.
inline Utf8Char next_char(std::string_view s, std::size_t i) {
  return utf8_decode(s, i);
}

namespace detail {

// Two-stage lookup: stage1[cp >> 7] picks a block of 128 classes in stage2; equal blocks are
// shared.
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
      const auto [it, added] =
          seen.emplace(std::string(data, 128), static_cast<std::uint16_t>(seen.size()));
      if (added)
        stage2.insert(stage2.end(), all.begin() + static_cast<std::ptrdiff_t>(block * 128),
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

inline bool is_space(std::uint8_t cls) {
  return (cls & kSpaceBit) != 0;
}
inline bool is_letter(std::uint8_t cls) {
  const std::uint8_t g = cls & 7;
  return g >= kUpper && g <= kLetterOther;
}
inline bool is_number(std::uint8_t cls) {
  return (cls & 7) == kNumber;
}

}  // namespace aib::tokenizer
