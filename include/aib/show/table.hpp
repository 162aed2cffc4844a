// aib/show/table.hpp — a text table: columns padded to their widest cell, a rule under the header.
//
// Cells are strings (format numbers with fixed() first, so the table shows exactly the digits
// you chose). A column is right-aligned when all its cells look like numbers, left-aligned
// otherwise, unless you set the alignment. Widths are terminal columns (display_width: CJK and
// emoji take two, combining marks none). A table wider than the style is narrowed by cutting its
// widest text columns (ending cut cells in "…"); number columns are never cut. Leaves out:
// multi-line cells (line breaks become spaces), column spans.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "aib/core/check.hpp"
#include "aib/show/format.hpp"
#include "aib/show/terminal.hpp"

namespace aib::show {

// Does the cell read as a number? "42", "-3.5", "1,024", "2.5e-3", "12%", "nan", "−1" (U+2212).
inline bool looks_numeric(std::string_view cell) {
  std::string_view s = cell;
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (!s.empty() && (s.front() == '+' || s.front() == '-'))
    s.remove_prefix(1);
  else if (s.substr(0, 3) == "−")
    s.remove_prefix(3);
  if (s == "nan" || s == "inf" || s == "NaN" || s == "Inf") return true;
  if (!s.empty() && s.back() == '%') s.remove_suffix(1);
  auto digit = [&](std::size_t i) { return i < s.size() && s[i] >= '0' && s[i] <= '9'; };
  std::size_t i = 0, digits = 0;
  while (digit(i) || (i > 0 && s[i] == ',' && digit(i + 1))) digits += s[i++] != ',';
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (digit(i)) ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
  }
  return i == s.size();
}

enum class Align { automatic, left, right };

class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {
    if (headers_.empty()) fail("Table: needs at least one header");
    for (std::string& h : headers_) h = one_line(h);
    align_.assign(headers_.size(), Align::automatic);
  }

  // Force the alignment of a column (0-based).
  Table& align(std::size_t column, Align alignment) {
    if (column >= headers_.size())
      fail("Table::align: column {} does not exist; the table has {} columns", column,
           headers_.size());
    align_[column] = alignment;
    return *this;
  }

  // Append a row; it must have one cell per header.
  Table& add_row(std::vector<std::string> cells) {
    if (cells.size() != headers_.size())
      fail("Table::add_row: row {} has {} cells but the table has {} columns", rows_.size(),
           cells.size(), headers_.size());
    for (std::string& c : cells) c = one_line(c);
    rows_.push_back(std::move(cells));
    return *this;
  }

  std::size_t cols() const { return headers_.size(); }
  std::size_t rows() const { return rows_.size(); }

  // The alignment a column is drawn with: the forced one, else right if every non-empty cell of
  // the column looks numeric (placeholders "-", "—", "n/a" aside) and at least one does.
  Align alignment(std::size_t column) const {
    if (column >= headers_.size())
      fail("Table::alignment: column {} does not exist; the table has {} columns", column,
           headers_.size());
    if (align_[column] != Align::automatic) return align_[column];
    bool any_number = false;
    for (const std::vector<std::string>& row : rows_) {
      const std::string& cell = row[column];
      if (cell.empty() || cell == "-" || cell == "—" || cell == "–" || cell == "n/a") continue;
      if (!looks_numeric(cell)) return Align::left;
      any_number = true;
    }
    return any_number ? Align::right : Align::left;
  }

  // Header, rule, rows; columns separated by two spaces; no trailing spaces.
  //   step    loss
  //   ────  ──────
  //      1  2.3026
  std::string render(const Style& style = Style{}) const {
    const std::size_t n = headers_.size();
    std::vector<int> width(n);
    std::vector<Align> align(n);
    for (std::size_t c = 0; c < n; ++c) {
      align[c] = alignment(c);
      width[c] = display_width(headers_[c]);
      for (const std::vector<std::string>& row : rows_)
        width[c] = std::max(width[c], display_width(row[c]));
    }
    narrow_to_fit(width, align, style.width);

    auto render_line = [&](const std::vector<std::string>& cells, bool header) {
      std::string line;
      for (std::size_t c = 0; c < n; ++c) {
        const std::string text = ellipsize(cells[c], width[c]);
        const std::string padded =
            align[c] == Align::right ? pad_left(text, width[c]) : pad_right(text, width[c]);
        if (c > 0) line += "  ";
        line += header ? bold(padded, style) : padded;
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      return line + '\n';
    };
    std::string out = render_line(headers_, true);
    for (std::size_t c = 0; c < n; ++c)
      out += (c > 0 ? "  " : "") + dim(repeat("─", width[c]), style);
    out += '\n';
    for (const std::vector<std::string>& row : rows_) out += render_line(row, false);
    return out;
  }

 private:
  std::vector<std::string> headers_;            // (cols)
  std::vector<Align> align_;                    // (cols), as set by align()
  std::vector<std::vector<std::string>> rows_;  // (rows, cols)

  // Line breaks and tabs inside a cell would break the grid: make them spaces.
  static std::string one_line(std::string s) {
    for (char& ch : s)
      if (ch == '\n' || ch == '\r' || ch == '\t') ch = ' ';
    return s;
  }

  // Take columns from the widest left-aligned (text) column until the table fits `max_width`
  // or every text column is down to 8 columns. Number columns keep their width.
  static void narrow_to_fit(std::vector<int>& width, const std::vector<Align>& align,
                            int max_width) {
    constexpr int min_text_width = 8;
    int total = 2 * static_cast<int>(width.size() - 1);
    for (int w : width) total += w;
    while (total > max_width) {
      int widest = -1;
      for (std::size_t c = 0; c < width.size(); ++c)
        if (align[c] == Align::left && width[c] > min_text_width &&
            (widest < 0 || width[c] > width[widest]))
          widest = static_cast<int>(c);
      if (widest < 0) return;  // nothing left to cut: the table overflows
      --width[widest];
      --total;
    }
  }
};

}  // namespace aib::show
