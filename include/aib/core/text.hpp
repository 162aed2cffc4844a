// aib/core/text.hpp — the few text utilities the models below the tokenizer need.
//
// utf8_chars splits UTF-8 into code points (an invalid or truncated byte sequence yields each
// offending byte on its own, so every input splits and the pieces concatenate back to it);
// words lower-cases ASCII and splits on everything that is not a letter, digit or apostrophe.
// Leaves out: Unicode case folding and normalisation (see aib/tokenizer for real text handling).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace aib {

// Length in bytes of the UTF-8 sequence starting at s[i], or 1 if it is not a valid sequence
// (bad lead byte, missing continuation bytes, overlong form, surrogate or > U+10FFFF).
inline std::size_t utf8_char_length(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  std::size_t n = 0;
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) n = 2;
  else if (b0 >= 0xE0 && b0 <= 0xEF) n = 3;
  else if (b0 >= 0xF0 && b0 <= 0xF4) n = 4;
  else return 1;  // continuation byte or a lead byte no valid sequence uses
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

// "naïve" -> {"n", "a", "ï", "v", "e"}; views into `s`.
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

// "Don't PANIC: 42 tokens!" -> {"don't", "panic", "42", "tokens"}. Bytes >= 0x80 count as
// letters, so non-English words stay whole.
inline std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  std::string current;
  const auto flush = [&] {  // quotes around a word ('tokens') are not part of it
    const std::size_t first = current.find_first_not_of('\'');
    if (first != std::string::npos)
      out.push_back(current.substr(first, current.find_last_not_of('\'') - first + 1));
    current.clear();
  };
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    const bool word_char = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') ||
                           (u >= '0' && u <= '9') || c == '\'' || u >= 0x80;
    if (word_char)
      current += (u >= 'A' && u <= 'Z') ? static_cast<char>(u - 'A' + 'a') : c;
    else
      flush();
  }
  flush();
  return out;
}

}  // namespace aib
