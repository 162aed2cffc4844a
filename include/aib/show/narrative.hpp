// aib/show/narrative.hpp — the words of an episode: wrapped paragraphs, a title, section rules.
//
// wrap() is a greedy word wrap: words go on a line while they fit, a blank line separates
// paragraphs, width counts UTF-8 code points. parse_front_matter() splits an episode file
// (`---`, `key: value` lines, `---`, then markdown) and markdown_to_text() flattens the markdown
// to plain paragraphs. Every renderer returns whole lines, each ending in '\n', so blocks
// concatenate. Leaves out: hyphenation, full YAML (nesting, multi-line values, lists stay raw
// strings), markdown lists, links, code spans and block quotes (their markers stay in the text).
#pragma once

#include <cctype>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "aib/core/check.hpp"
#include "aib/core/files.hpp"
#include "aib/show/terminal.hpp"

namespace aib::show {

namespace detail {

inline bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// The lines of text, split at '\n' (a trailing '\r' stays; trim() removes it where it matters).
inline std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      if (start < text.size()) lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// Paragraphs of text (runs of non-blank lines), each as its list of words.
inline std::vector<std::vector<std::string_view>> paragraphs_of(std::string_view text) {
  std::vector<std::vector<std::string_view>> paragraphs(1);
  for (std::string_view line : lines_of(text)) {
    if (trim(line).empty()) {
      if (!paragraphs.back().empty()) paragraphs.emplace_back();
      continue;
    }
    std::size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && is_space(line[i])) ++i;
      const std::size_t start = i;
      while (i < line.size() && !is_space(line[i])) ++i;
      if (i > start) paragraphs.back().push_back(line.substr(start, i - start));
    }
  }
  if (paragraphs.back().empty()) paragraphs.pop_back();
  return paragraphs;
}

}  // namespace detail

// ---- Word wrap ------------------------------------------------------------------------------

// Greedy word wrap to `width` columns (indent included): each line takes as many words as fit,
// paragraphs (separated by blank lines in `text`) stay separated by one blank line, single line
// breaks inside a paragraph become spaces. A word longer than the room is never cut: it
// overflows on a line of its own. Every line, blank ones excepted, starts with `indent`.
//   wrap("one two three", 8) == "one two\nthree\n"
inline std::string wrap(std::string_view text, int width, std::string_view indent = "") {
  const int indent_width = display_width(indent);
  if (width <= indent_width)
    fail("wrap: width {} leaves no room after an indent of {} columns", width, indent_width);
  std::string out;
  bool first_paragraph = true;
  for (const std::vector<std::string_view>& words : detail::paragraphs_of(text)) {
    if (!first_paragraph) out += '\n';  // the blank line between paragraphs
    first_paragraph = false;
    std::string line;
    int line_width = 0;  // columns used by `line`, without the indent
    for (std::string_view word : words) {
      const int word_width = display_width(word);
      if (line_width > 0 && indent_width + line_width + 1 + word_width > width) {
        out += std::string(indent) + line + '\n';
        line.clear();
        line_width = 0;
      }
      if (line_width > 0) {
        line += ' ';
        line_width += 1;
      }
      line += word;
      line_width += word_width;
    }
    out += std::string(indent) + line + '\n';
  }
  return out;
}

// ---- Titles and sections --------------------------------------------------------------------

// The episode title (wrapped if long) over a double rule as wide as the style:
//   Self-attention
//   ════════════════════════════════════════ (style.width columns)
inline std::string title_line(std::string_view title, const Style& style) {
  const std::string wrapped = wrap(title, style.width);
  std::string out;
  for (std::string_view line : detail::lines_of(wrapped)) out += bold(line, style) + '\n';
  return out + dim(repeat("═", style.width), style) + '\n';
}

// A heading between blocks of numbers, after one blank line:
//
//   ── Attention weights ───────────────────── (style.width columns)
inline std::string section(std::string_view heading, const Style& style) {
  const std::string_view text = detail::trim(heading);
  const int room = style.width - 3 - display_width(text) - 1;  // "── " + heading + " " + rule
  if (room >= 3)
    return '\n' + dim("── ", style) + bold(text, style) + ' ' + dim(repeat("─", room), style) +
           '\n';
  const std::string wrapped = wrap(text, style.width);  // too long for one line: wrap, rule below
  std::string out = "\n";
  for (std::string_view line : detail::lines_of(wrapped)) out += bold(line, style) + '\n';
  return out + dim(repeat("─", style.width), style) + '\n';
}

// Title, blank line, then the text wrapped to the style's width. An empty title is left out.
inline std::string narrative(std::string_view title, std::string_view text, const Style& style) {
  std::string out;
  if (!detail::trim(title).empty()) out = title_line(title, style);
  const std::string body = wrap(text, style.width);
  if (!out.empty() && !body.empty()) out += '\n';
  return out + body;
}

// ---- Front matter: the `key: value` header of an episode file -------------------------------

struct Document {
  std::vector<std::pair<std::string, std::string>> front_matter;  // in file order
  std::string body;                                               // the markdown after it

  // The value of `key`, or nullptr when the front matter has no such key.
  const std::string* get(std::string_view key) const {
    for (const auto& [k, v] : front_matter)
      if (k == key) return &v;
    return nullptr;
  }
};

namespace detail {

// A front-matter value without its quotes: "a \"b\"" -> a "b" ;  'it''s' -> it's ; [a, b] stays.
inline std::string unquote(std::string_view value, std::string_view name, int line_no) {
  if (value.empty() || (value.front() != '"' && value.front() != '\'')) return std::string(value);
  const char quote = value.front();
  std::string out;
  std::size_t i = 1;
  for (; i < value.size(); ++i) {
    const char c = value[i];
    if (quote == '"' && c == '\\' && i + 1 < value.size()) {  // \" and \\ inside "..."
      out += value[++i];
    } else if (quote == '\'' && c == '\'' && i + 1 < value.size() && value[i + 1] == '\'') {
      out += '\'';  // '' inside '...'
      ++i;
    } else if (c == quote) {
      break;
    } else {
      out += c;
    }
  }
  if (i != value.size() - 1)
    throw IoError(
        fmt::format("parse_front_matter: {}:{}: the quoted value {} {}", name, line_no, value,
                    i >= value.size() ? "is never closed" : "has text after its closing quote"));
  return out;
}

}  // namespace detail

// Split a markdown document into its front matter and body. The front matter is there only if
// the first line is `---`; it ends at the next `---` line. Inside, one `key: value` per line
// (split at the first ':'), blank lines and `# comments` skipped, values may be quoted.
// Throws aib::IoError naming `name` and the line: no closing `---`, a line without ':', an empty
// key, a repeated key, an unclosed quote.
inline Document parse_front_matter(std::string_view markdown, std::string_view name) {
  Document doc;
  std::string_view text = markdown;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // a UTF-8 byte order mark

  std::vector<int> key_lines;  // line number of each key, to report repeats
  std::size_t pos = 0;         // byte offset of the next line in `text`
  int line_no = 0;
  auto next_line = [&]() {
    const std::size_t end = std::min(text.find('\n', pos), text.size());
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    return line;
  };

  if (text.empty() || detail::trim(next_line()) != "---") {
    doc.body = std::string(text);  // no front matter: everything is body
    return doc;
  }
  while (pos < text.size()) {
    const std::string_view line = detail::trim(next_line());
    if (line == "---") {
      doc.body = pos < text.size() ? std::string(text.substr(pos)) : std::string();
      return doc;
    }
    if (line.empty() || line.front() == '#') continue;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos)
      throw IoError(fmt::format("parse_front_matter: {}:{}: expected 'key: value', got '{}'", name,
                                line_no, printable(line)));
    const std::string key(detail::trim(line.substr(0, colon)));
    if (key.empty())
      throw IoError(fmt::format("parse_front_matter: {}:{}: empty key before ':' in '{}'", name,
                                line_no, printable(line)));
    for (std::size_t k = 0; k < doc.front_matter.size(); ++k)
      if (doc.front_matter[k].first == key)
        throw IoError(fmt::format("parse_front_matter: {}:{}: key '{}' already given on line {}",
                                  name, line_no, printable(key), key_lines[k]));
    doc.front_matter.emplace_back(
        key, detail::unquote(detail::trim(line.substr(colon + 1)), name, line_no));
    key_lines.push_back(line_no);
  }
  throw IoError(fmt::format(
      "parse_front_matter: {}:1: front matter opened by '---' is never closed (expected a '---' "
      "line before the end of the file, line {})",
      name, line_no));
}

// ---- Markdown to plain text -----------------------------------------------------------------

namespace detail {

inline bool is_alnum(char c) {
  // Bytes of multi-byte UTF-8 characters count as letters: "naïve_x" has no emphasis.
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || static_cast<unsigned char>(c) >= 0x80;
}

// Remove emphasis markers: matched runs of the same length of '*' or '_' (*a*, **a**, ***a***,
// _a_, __a__). A run can open if a non-space follows it and close if a non-space precedes it;
// '_' inside a word (q_sample) never counts. `\*` gives a literal '*'. "2 * 3" stays as is.
inline std::string strip_emphasis(std::string_view s) {
  struct Run {
    std::size_t begin, length;
    char marker;
    bool can_open, can_close, matched = false;
  };
  std::vector<Run> runs;
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] == '\\' && i + 1 < s.size() && std::ispunct(static_cast<unsigned char>(s[i + 1]))) {
      i += 2;  // an escaped character is never a marker
      continue;
    }
    if (s[i] != '*' && s[i] != '_') {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < s.size() && s[j] == s[i]) ++j;
    const char before = i > 0 ? s[i - 1] : ' ', after = j < s.size() ? s[j] : ' ';
    Run run{i, j - i, s[i], !is_space(after), !is_space(before)};
    if (run.marker == '_') {
      run.can_open = run.can_open && !is_alnum(before);
      run.can_close = run.can_close && !is_alnum(after);
    }
    if (run.length <= 3) runs.push_back(run);
    i = j;
  }
  // Match each closer with the nearest open run of the same marker and length.
  std::vector<std::size_t> openers;  // indices into runs
  for (std::size_t k = 0; k < runs.size(); ++k) {
    if (runs[k].can_close) {
      std::size_t o = openers.size();
      while (o > 0 && !(runs[openers[o - 1]].marker == runs[k].marker &&
                        runs[openers[o - 1]].length == runs[k].length))
        --o;
      if (o > 0) {
        runs[openers[o - 1]].matched = runs[k].matched = true;
        openers.resize(o - 1);
        continue;
      }
    }
    if (runs[k].can_open) openers.push_back(k);
  }
  // Copy everything but the matched runs and the backslashes of escapes.
  std::string out;
  std::size_t next_run = 0;
  for (std::size_t i = 0; i < s.size();) {
    if (next_run < runs.size() && runs[next_run].begin == i) {
      if (!runs[next_run].matched) out.append(s.substr(i, runs[next_run].length));
      i += runs[next_run].length;
      ++next_run;
    } else if (s[i] == '\\' && i + 1 < s.size() &&
               std::ispunct(static_cast<unsigned char>(s[i + 1]))) {
      out += s[i + 1];
      i += 2;
    } else {
      out += s[i++];
    }
  }
  return out;
}

// The level (1-6) of an ATX heading line "## Title", or 0 if the line is not a heading.
inline int heading_level(std::string_view line) {
  int level = 0;
  while (level < static_cast<int>(line.size()) && line[level] == '#') ++level;
  if (level == 0 || level > 6) return 0;
  return level == static_cast<int>(line.size()) || is_space(line[level]) ? level : 0;
}

}  // namespace detail

// Markdown body to plain paragraphs, ready for wrap(): the lines of a paragraph are joined with
// single spaces, paragraphs are separated by one blank line, emphasis markers are removed.
// A first line "# Title" is dropped (narrative() prints the title from the front matter);
// later headings keep their text, without the '#'s, as paragraphs of their own.
//   markdown_to_text("# T\n\nA *big*\nidea.\n\n## Next\nMore.") == "A big idea.\n\nNext\n\nMore."
inline std::string markdown_to_text(std::string_view body) {
  std::vector<std::string> paragraphs;
  std::string current;
  bool seen_content = false;
  auto close_paragraph = [&] {
    if (!current.empty()) paragraphs.push_back(detail::strip_emphasis(current));
    current.clear();
  };
  for (std::string_view raw : detail::lines_of(body)) {
    const std::string_view line = detail::trim(raw);
    if (line.empty()) {
      close_paragraph();
      continue;
    }
    if (const int level = detail::heading_level(line)) {
      close_paragraph();
      std::string_view text = detail::trim(line.substr(level));
      while (!text.empty() && text.back() == '#') text.remove_suffix(1);  // "## Title ##"
      text = detail::trim(text);
      if (!(level == 1 && !seen_content) && !text.empty())
        paragraphs.push_back(detail::strip_emphasis(text));
      seen_content = true;
      continue;
    }
    seen_content = true;
    if (!current.empty()) current += ' ';
    current += line;
  }
  close_paragraph();
  std::string out;
  for (std::size_t k = 0; k < paragraphs.size(); ++k) out += (k > 0 ? "\n\n" : "") + paragraphs[k];
  return out;
}

}  // namespace aib::show
