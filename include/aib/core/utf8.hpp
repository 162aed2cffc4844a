// aib/core/utf8.hpp — UTF-8 decoding: the one decoder every part of the library uses.
//
// One rule for bad input everywhere: a byte that does not start a valid sequence (stray
// continuation, truncated or overlong form, surrogate, > U+10FFFF) is a character of its own,
// decoded as kInvalidChar with length 1, so every byte string splits and the pieces concatenate
// back to it. to_valid_utf8 is the one exception, for output: it replaces each maximal invalid
// subpart by U+FFFD as the Unicode standard (§3.9) and CPython's errors="replace" do.
// Leaves out: UTF-16, normalisation, grapheme clusters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aib {

// A code point as decoded from UTF-8, or kInvalidChar for one byte that is not valid UTF-8.
inline constexpr char32_t kInvalidChar = 0x110000;

struct Utf8Char {
  char32_t cp;        // the code point, or kInvalidChar
  std::uint32_t len;  // bytes it takes: 1..4 (1 for kInvalidChar)
};

// Length in bytes of the UTF-8 sequence starting at s[i] (i < s.size()), or 1 if it is not a
// valid sequence (bad lead byte, missing continuation bytes, overlong form, surrogate, > U+10FFFF).
inline std::size_t utf8_char_length(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  std::size_t n = 0;
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF)
    n = 2;
  else if (b0 >= 0xE0 && b0 <= 0xEF)
    n = 3;
  else if (b0 >= 0xF0 && b0 <= 0xF4)
    n = 4;
  else
    return 1;  // continuation byte or a lead byte no valid sequence uses
  if (i + n > s.size()) return 1;
  for (std::size_t k = 1; k < n; ++k)
    if ((byte(i + k) & 0xC0) != 0x80) return 1;
  const unsigned char b1 = byte(i + 1);
  if (b0 == 0xE0 && b1 < 0xA0) return 1;   // overlong 3-byte form
  if (b0 == 0xED && b1 >= 0xA0) return 1;  // UTF-16 surrogates
  if (b0 == 0xF0 && b1 < 0x90) return 1;   // overlong 4-byte form
  if (b0 == 0xF4 && b1 >= 0x90) return 1;  // above U+10FFFF
  return n;
}

// Decodes the character starting at s[i] (i < s.size()).
//   utf8_decode("é!", 0) == {U+00E9, 2};  utf8_decode("\xFF", 0) == {kInvalidChar, 1}
inline Utf8Char utf8_decode(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(s[k]));
  };
  const std::uint32_t b0 = b(i);
  if (b0 < 0x80) return {b0, 1};
  switch (utf8_char_length(s, i)) {
    case 2:
      return {((b0 & 0x1F) << 6) | (b(i + 1) & 0x3F), 2};
    case 3:
      return {((b0 & 0x0F) << 12) | ((b(i + 1) & 0x3F) << 6) | (b(i + 2) & 0x3F), 3};
    case 4:
      return {((b0 & 0x07) << 18) | ((b(i + 1) & 0x3F) << 12) | ((b(i + 2) & 0x3F) << 6) |
                  (b(i + 3) & 0x3F),
              4};
    default:
      return {kInvalidChar, 1};
  }
}

// "naïve" -> {"n", "a", "ï", "v", "e"}; views into `s`, invalid bytes one by one.
inline std::vector<std::string_view> utf8_chars(std::string_view s) {
  std::vector<std::string_view> out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_char_length(s, i);
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

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
    const std::size_t need = b0 >= 0xC2 && b0 <= 0xDF   ? 1
                             : b0 >= 0xE0 && b0 <= 0xEF ? 2
                             : b0 >= 0xF0 && b0 <= 0xF4 ? 3
                                                        : 0;
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

}  // namespace aib
