// course_data.hpp — the labelled sentences of examples/data/course-sentences.txt.
//
// Format: `label<TAB>sentence` per line; '#' lines are comments, blank lines are skipped.
// Episodes 01 and 02 embed the file; --corpus lets a student use a file of their own
// (load_sentences picks one or the other).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "aib/core/check.hpp"
#include "aib/core/files.hpp"

namespace aib::episode {

struct Sentence {
  std::string label;  // course part, e.g. "tokens"
  std::string text;
};

// Parse labelled lines; `name` (the file) and the line number appear in every error.
inline std::vector<Sentence> parse_sentences(std::string_view text, std::string_view name) {
  std::vector<Sentence> out;
  for_each_line(
      text,
      [&](std::string_view line, std::size_t line_no) {
        if (line.empty()) return;
        const std::size_t tab = line.find('\t');
        if (tab == std::string_view::npos || tab == 0 || tab + 1 == line.size())
          throw IoError(fmt::format("{}:{}: expected 'label<TAB>sentence', got '{}'", name, line_no,
                                    printable(line, 60)));
        out.push_back({std::string(line.substr(0, tab)), std::string(line.substr(tab + 1))});
      },
      Comments::skipped);
  if (out.empty()) throw IoError(fmt::format("{}: no 'label<TAB>sentence' lines found", name));
  return out;
}

// The whole file, or an IoError naming the flag that gave it, the file and why it could not be
// read (aib/core/files.hpp).
inline std::string read_file(const std::string& path, std::string_view flag) {
  return aib::read_file(path, flag);
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
  return {path, parse_sentences(read_file(path, "--corpus"), path)};
}

}  // namespace aib::episode
