// token_pieces.hpp — an encoding's tokens as the tokenizer episodes print them.
//
// The pieces of ids drawn with aib::show::visible (␣ a space, ⏎ a line end, ⇥ a tab, \xNN part of
// a character), pieces above their ids in shared columns, and the words of a text (runs of
// characters that are not spaces, line ends or tabs) that token counts are compared against.
//   fmt::print("{}", tokens_over_ids(enc, enc.encode_ordinary(text), "|", 80, 2));
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "aib/show/pieces.hpp"
#include "aib/tokenizer/encoding.hpp"

namespace aib::episode {

// The bytes of token `id`, made visible: piece_of(cl100k, 1917) == "␣world".
inline std::string piece_of(const tokenizer::Encoding& enc, tokenizer::Rank id) {
  return show::visible(enc.token_bytes(id));
}

// The visible piece of every id.
inline std::vector<std::string> pieces_of(const tokenizer::Encoding& enc,
                                          const std::vector<tokenizer::Rank>& ids) {
  std::vector<std::string> out;
  out.reserve(ids.size());
  for (const tokenizer::Rank id : ids) out.push_back(piece_of(enc, id));
  return out;
}

// Pieces above their ids, `sep` between columns, every line indented, wrapped at `width`:
//   The|␣model|␣reads
//   791|  1646|  16181
inline std::string tokens_over_ids(const tokenizer::Encoding& enc,
                                   const std::vector<tokenizer::Rank>& ids, std::string_view sep,
                                   int width, int indent) {
  return show::over_under(pieces_of(enc, ids), show::id_strings(ids), sep, width, indent);
}

// Words: runs of characters that are not a space, a line end or a tab.
inline std::vector<std::string> words_of(std::string_view text) {
  const auto blank = [](char c) { return c == ' ' || c == '\n' || c == '\t'; };
  std::vector<std::string> out;
  for (std::size_t i = 0; i < text.size();) {
    while (i < text.size() && blank(text[i])) ++i;
    const std::size_t start = i;
    while (i < text.size() && !blank(text[i])) ++i;
    if (i > start) out.emplace_back(text.substr(start, i - start));
  }
  return out;
}

}  // namespace aib::episode
