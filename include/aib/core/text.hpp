// aib/core/text.hpp — the few text utilities the models below the tokenizer need.
//
// words lower-cases ASCII and splits on everything that is not a letter, digit or apostrophe.
// Splitting into characters (utf8_chars) lives in aib/core/utf8.hpp, included here.
// Leaves out: Unicode case folding and normalisation (see aib/tokenizer for real text handling).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "aib/core/utf8.hpp"

namespace aib {

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
