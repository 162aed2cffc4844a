// aib/show/pieces.hpp — token pieces and ids laid out for reading: visible whitespace, lists, rows.
//
// A token is a run of bytes that may hold spaces, line ends, or only part of a character. One rule
// makes any run printable: visible() draws a space as ␣, a line end as ⏎, a tab as ⇥, and a byte
// that is not part of a whole UTF-8 character as \xNN. joined() and id_list() put pieces or ids on
// one line; wrapped() breaks such a list between items at a width, quoted() a text at its spaces;
// over_under() prints pieces over their ids in shared columns, by_word() groups pieces by word.
// Widths count terminal columns with display_width, or with a column counter passed in. Leaves out:
// other control characters (printed as they are).
#pragma once

#include <algorithm>
#include <iterator>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <fmt/format.h>

#include "aib/core/check.hpp"
#include "aib/core/text.hpp"
#include "aib/show/terminal.hpp"

namespace aib::show {

// How many terminal columns a string takes; display_width unless a caller knows better.
using Columns = int (*)(std::string_view);

// Bytes made readable: visible("a b\n") == "a␣b⏎", visible("\t") == "⇥", and the first byte of
// "é" alone (0xC3) gives "\xc3". Whole UTF-8 characters other than these three pass unchanged.
inline std::string visible(std::string_view bytes) {
  std::string out;
  for (std::size_t i = 0; i < bytes.size();) {
    const std::size_t n = utf8_char_length(bytes, i);
    const auto byte = static_cast<unsigned char>(bytes[i]);
    if (n == 1 && byte >= 0x80)
      out += fmt::format("\\x{:02x}", byte);  // not a whole character
    else if (byte == ' ')
      out += "␣";
    else if (byte == '\n')
      out += "⏎";
    else if (byte == '\t')
      out += "⇥";
    else
      out.append(bytes.substr(i, n));
    i += n;
  }
  return out;
}

// Items with `sep` between them: joined({"a", "b", "c"}, "|") == "a|b|c".
inline std::string joined(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (std::size_t k = 0; k < items.size(); ++k) {
    if (k > 0) out.append(sep);
    out += items[k];
  }
  return out;
}

// Each id in decimal: id_strings({15339, 1917}) == {"15339", "1917"}.
template <class Int, std::enable_if_t<std::is_integral_v<Int>, int> = 0>
std::vector<std::string> id_strings(const std::vector<Int>& ids) {
  std::vector<std::string> out;
  out.reserve(ids.size());
  for (const Int id : ids) out.push_back(fmt::format("{}", id));
  return out;
}

// Ids separated by single spaces: id_list({15339, 1917}) == "15339 1917" (fast on long lists).
template <class Int, std::enable_if_t<std::is_integral_v<Int>, int> = 0>
std::string id_list(const std::vector<Int>& ids) {
  fmt::memory_buffer out;
  for (std::size_t k = 0; k < ids.size(); ++k) {
    if (k > 0) out.push_back(' ');
    fmt::format_to(std::back_inserter(out), "{}", ids[k]);
  }
  return fmt::to_string(out);
}

namespace detail {
inline void trim_right(std::string& s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
}
}  // namespace detail

// Items joined by `sep`, broken between items so that no line is wider than `width` columns when
// it starts at column `indent`. The caller prints the first line's indent; later lines start with
// `indent` spaces, and spaces at a line break are dropped. With max_lines > 0, at most that many
// lines: the last keeps 8 columns for "… +N", N the items not shown. Ends with '\n'.
//   wrapped({"aa", "bb", "cc"}, "|", 6, 2) == "aa|\n  bb|\n  cc\n"
inline std::string wrapped(const std::vector<std::string>& items, std::string_view sep, int width,
                           int indent, int max_lines = 0, Columns columns = display_width) {
  if (indent < 0 || max_lines < 0)
    fail("wrapped: indent = {} and max_lines = {} must not be negative", indent, max_lines);
  std::string out, line;
  int lines = 1;
  for (std::size_t k = 0; k < items.size(); ++k) {
    const std::string cell = items[k] + (k + 1 < items.size() ? std::string(sep) : "");
    const bool last_line = max_lines > 0 && lines == max_lines;
    const int room = width - indent - (last_line ? 8 : 0);
    if (!line.empty() && columns(line + cell) > room) {
      if (last_line) return out + line + fmt::format("… +{}\n", items.size() - k);
      detail::trim_right(line);
      out += line + "\n" + std::string(static_cast<std::size_t>(indent), ' ');
      line.clear();
      ++lines;
    }
    line += cell;
  }
  return out + line + "\n";
}

// Two rows in shared columns, `top[k]` left-aligned over `bottom[k]` right-aligned, each column as
// wide as the wider of the two, `sep` between columns. Every line starts with `indent` spaces; the
// pair of rows breaks before a column that, with a visible separator after it, would pass
// `width` (a blank separator is trimmed at line ends, so it is not counted there).
//   over_under({"The", "␣model"}, {"791", "1646"}, "|", 80, 2) == "  The|␣model\n  791|  1646\n"
inline std::string over_under(const std::vector<std::string>& top,
                              const std::vector<std::string>& bottom, std::string_view sep,
                              int width, int indent, Columns columns = display_width) {
  if (top.size() != bottom.size())
    fail("over_under: {} items on top but {} below; each column needs one of each", top.size(),
         bottom.size());
  if (indent < 0) fail("over_under: indent = {} must not be negative", indent);
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  const int sep_width = columns(sep);
  const bool blank_sep = sep.find_first_not_of(' ') == std::string_view::npos;
  std::string out, upper, lower;
  int used = indent;
  const auto flush = [&] {
    upper.insert(0, pad);
    lower.insert(0, pad);
    detail::trim_right(upper);
    detail::trim_right(lower);
    out += upper + "\n" + lower + "\n";
    upper.clear();
    lower.clear();
    used = indent;
  };
  for (std::size_t k = 0; k < top.size(); ++k) {
    const int w = std::max(columns(top[k]), columns(bottom[k]));
    if (used > indent && used + w + (blank_sep ? 0 : sep_width) > width) flush();
    const std::string after = k + 1 < top.size() ? std::string(sep) : "";
    upper += top[k] + std::string(static_cast<std::size_t>(w - columns(top[k])), ' ') + after;
    lower += std::string(static_cast<std::size_t>(w - columns(bottom[k])), ' ') + bottom[k] + after;
    used += w + sep_width;
  }
  flush();
  return out;
}

// `text` in double quotes, broken at its spaces so that no line passes `width` columns (later
// lines start with one space, under the opening quote); tabs and line ends drawn as ⇥ and ⏎.
//   quoted("to be or not", 8) == "\"to be\n or not\"\n"
inline std::string quoted(std::string_view text, int width, Columns columns = display_width) {
  std::vector<std::string> words(1);
  for (const std::string_view c : utf8_chars(text)) {
    if (c == " ")
      words.emplace_back();
    else
      words.back() += c == "\t" ? "⇥" : c == "\n" ? "⏎" : std::string(c);
  }
  words.front() = "\"" + words.front();
  words.back() += "\"";
  return wrapped(words, " ", width, 1, 0, columns);
}

// Pieces grouped into words, for showing two tokenizers side by side: a new word starts at a
// piece that begins with `space` (SentencePiece's "▁", a byte-level "␣"), unless the word so far is
// only that space; the first piece starts the first word.
//   by_word({"▁to", "▁be", "st"}, "▁") == {{"▁to"}, {"▁be", "st"}}
inline std::vector<std::vector<std::string>> by_word(const std::vector<std::string>& pieces,
                                                     std::string_view space) {
  if (space.empty()) fail("by_word: the space marker is empty");
  std::vector<std::vector<std::string>> words;
  bool only_space = false;
  for (const std::string& p : pieces) {
    const bool starts = p.compare(0, space.size(), space) == 0;
    if (words.empty() || (starts && !only_space)) {
      words.emplace_back();
      only_space = true;
    }
    words.back().push_back(p);
    only_space = only_space && p == space;
  }
  return words;
}

}  // namespace aib::show
