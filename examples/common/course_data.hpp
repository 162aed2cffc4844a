// course_data.hpp — the labelled sentences of examples/data/course-sentences.txt.
//
// Format: `label<TAB>sentence` per line; '#' lines are comments, blank lines are skipped.
// Episodes 01 and 02 embed the file; --corpus lets a student use a file of their own
// (load_sentences picks one or the other).
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "aib/core/check.hpp"

namespace aib::episode {

struct Sentence {
  std::string label;  // course part, e.g. "tokens"
  std::string text;
};

// Parse labelled lines; `name` (the file) and the line number appear in every error.
inline std::vector<Sentence> parse_sentences(std::string_view text, std::string_view name) {
  std::vector<Sentence> out;
  std::size_t line_no = 0, start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    const std::size_t tab = line.find('\t');
    if (tab == std::string_view::npos || tab == 0 || tab + 1 == line.size())
      throw IoError(fmt::format("{}:{}: expected 'label<TAB>sentence', got '{}'", name, line_no,
                                line.substr(0, 60)));
    out.push_back({std::string(line.substr(0, tab)), std::string(line.substr(tab + 1))});
  }
  if (out.empty()) throw IoError(fmt::format("{}: no 'label<TAB>sentence' lines found", name));
  return out;
}

// The whole file, or an IoError naming it.
inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(fmt::format("cannot open '{}'", path));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The sentences an episode trains on: those of `path`, or the embedded course file when `path`
// is empty. `source` is the name to print.
struct Corpus {
  std::string source;
  std::vector<Sentence> sentences;
};
inline Corpus load_sentences(const std::string& path, std::string_view embedded) {
  if (path.empty())
    return {"course-sentences.txt", parse_sentences(embedded, "course-sentences.txt")};
  return {path, parse_sentences(read_file(path), path)};
}

}  // namespace aib::episode
