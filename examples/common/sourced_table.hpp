// sourced_table.hpp — the course's facts from the world (prices, dates, parameter counts), read
// strictly from the CSV files in examples/data/, one fact per row with where and when it was read.
//
// Format: '#' comment lines and blank lines anywhere; the first other line is the header, whose
// columns are the caller's columns followed by `date,source`; then one row per fact. `date` is the
// day the fact was read (YYYY-MM-DD), `source` the https:// page it was read on. No quoting: a
// field cannot contain a comma. Every error is an IoError naming the file, the line and the column:
//   examples/data/milestones.csv:14: column 'params': '17.5B' is not a number like 1.75e11
// A number that was never published is written `not disclosed` and read as nullopt by
// number_or_undisclosed(); number() refuses it. Nothing is guessed, nothing is read halfway.
#pragma once

#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "aib/core/check.hpp"
#include "aib/core/files.hpp"

namespace aib::episode {

// A calendar date; fractional_year() places it on a time axis (2020-07-02 is about 2020.50).
struct Date {
  int year = 0, month = 0, day = 0;
  double fractional_year() const {
    static constexpr int before[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    const int day_of_year = before[month - 1] + (leap && month > 2 ? 1 : 0) + day - 1;
    return year + day_of_year / (leap ? 366.0 : 365.0);
  }
};

// A real date written YYYY-MM-DD with a year from 1900 to 2999; nullopt for anything else.
inline std::optional<Date> parse_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  int v[3] = {0, 0, 0};
  const std::size_t start[3] = {0, 5, 8}, len[3] = {4, 2, 2};
  for (int k = 0; k < 3; ++k)
    for (std::size_t i = start[k]; i < start[k] + len[k]; ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      v[k] = v[k] * 10 + (s[i] - '0');
    }
  const bool leap = (v[0] % 4 == 0 && v[0] % 100 != 0) || v[0] % 400 == 0;
  const int days[12] = {31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (v[0] < 1900 || v[0] > 2999 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > days[v[1] - 1])
    return std::nullopt;
  return Date{v[0], v[1], v[2]};
}

// A plain decimal: optional '-', digits with at most one '.', an optional exponent ("1.75e11").
// nullopt for anything else: "17.5B", "1,000", " 3", "0x10", "inf", "nan", "".
inline std::optional<double> parse_decimal(std::string_view s) {
  std::size_t i = 0, digits = 0;
  if (i < s.size() && s[i] == '-') ++i;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) ++digits;
  if (i < s.size() && s[i] == '.')
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) ++digits;
  if (digits == 0 || s.size() > 40) return std::nullopt;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    if (++i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    const std::size_t exponent_start = i;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    }
    if (i == exponent_start) return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  const double v = std::strtod(std::string(s).c_str(), nullptr);
  if (!std::isfinite(v)) return std::nullopt;
  return v;
}

struct SourcedRow {
  std::size_t line = 0;             // 1-based line of the file
  std::vector<std::string> fields;  // one per column, `date` and `source` last
};

class SourcedTable {
 public:
  static constexpr std::string_view kNotDisclosed = "not disclosed";

  // `text` is the file's contents, `name` the file as errors should name it, `columns` the
  // header's columns before `date,source`.
  static SourcedTable parse(std::string_view text, std::string name,
                            std::vector<std::string> columns) {
    SourcedTable t;
    t.name_ = std::move(name);
    t.columns_ = std::move(columns);
    t.columns_.push_back("date");
    t.columns_.push_back("source");
    std::string header;
    for (std::size_t c = 0; c < t.columns_.size(); ++c) header += (c ? "," : "") + t.columns_[c];
    bool seen_header = false;
    for_each_line(
        text,
        [&](std::string_view line, std::size_t line_no) {
          if (line.empty()) return;
          if (!seen_header) {
            if (line != header)
              t.fail_line(line_no, fmt::format("expected the header '{}'", header));
            seen_header = true;
            return;
          }
          SourcedRow row{line_no, split(line)};
          if (row.fields.size() != t.columns_.size())
            t.fail_line(line_no, fmt::format("expected {} comma-separated fields ({}), got {}",
                                             t.columns_.size(), header, row.fields.size()));
          for (std::size_t c = 0; c < row.fields.size(); ++c) {
            const std::string& f = row.fields[c];
            if (f.empty() || f.front() == ' ' || f.back() == ' ')
              t.fail_at(row, t.columns_[c], "empty or with spaces around it");
          }
          if (!parse_date(t.date(row)))
            t.fail_at(
                row, "date",
                fmt::format("'{}' is not a real date written YYYY-MM-DD", printable(t.date(row))));
          const std::string& src = t.source(row);
          if (src.compare(0, 8, "https://") != 0 || src.size() <= 8 ||
              src.find(' ') != std::string::npos)
            t.fail_at(row, "source",
                      fmt::format("'{}' is not an https:// address", printable(src)));
          t.rows_.push_back(std::move(row));
        },
        Comments::skipped);
    if (!seen_header) throw IoError(fmt::format("{}: no header line '{}'", t.name_, header));
    if (t.rows_.empty()) throw IoError(fmt::format("{}: the header has no rows under it", t.name_));
    return t;
  }

  static SourcedTable read(const std::string& path, std::vector<std::string> columns) {
    return parse(read_file(path, "sourced table"), path, std::move(columns));
  }

  const std::string& name() const { return name_; }
  const std::vector<SourcedRow>& rows() const { return rows_; }

  const std::string& text(const SourcedRow& r, std::string_view column) const {
    return r.fields[index(column)];
  }
  const std::string& date(const SourcedRow& r) const { return r.fields[columns_.size() - 2]; }
  const std::string& source(const SourcedRow& r) const { return r.fields.back(); }

  // A number; "not disclosed" or anything but a plain decimal is an error naming the cell.
  double number(const SourcedRow& r, std::string_view column) const {
    const std::string& f = text(r, column);
    const std::optional<double> v = parse_decimal(f);
    if (!v) fail_at(r, column, fmt::format("'{}' is not a number like 1.75e11", printable(f)));
    return *v;
  }

  // A number, or nullopt where the table says "not disclosed".
  std::optional<double> number_or_undisclosed(const SourcedRow& r, std::string_view column) const {
    if (text(r, column) == kNotDisclosed) return std::nullopt;
    const std::optional<double> v = parse_decimal(text(r, column));
    if (!v)
      fail_at(r, column,
              fmt::format("'{}' is neither a number like 1.75e11 nor '{}'",
                          printable(text(r, column)), kNotDisclosed));
    return v;
  }

  // A calendar date (YYYY-MM-DD) in any column, e.g. a release date.
  Date calendar_date(const SourcedRow& r, std::string_view column) const {
    const std::optional<Date> d = parse_date(text(r, column));
    if (!d)
      fail_at(
          r, column,
          fmt::format("'{}' is not a real date written YYYY-MM-DD", printable(text(r, column))));
    return *d;
  }

  // Throws "file:line: column 'c': what".
  [[noreturn]] void fail_at(const SourcedRow& r, std::string_view column,
                            std::string_view what) const {
    fail_line(r.line, fmt::format("column '{}': {}", column, what));
  }

 private:
  [[noreturn]] void fail_line(std::size_t line, std::string_view what) const {
    throw IoError(fmt::format("{}:{}: {}", name_, line, what));
  }

  std::size_t index(std::string_view column) const {
    for (std::size_t c = 0; c < columns_.size(); ++c)
      if (columns_[c] == column) return c;
    fail("{}: no column '{}' (a programming error: the columns are fixed by the caller)", name_,
         column);
  }

  static std::vector<std::string> split(std::string_view line) {
    std::vector<std::string> f;
    for (std::size_t a = 0;;) {
      const std::size_t comma = line.find(',', a);
      f.emplace_back(line.substr(a, comma == std::string_view::npos ? comma : comma - a));
      if (comma == std::string_view::npos) return f;
      a = comma + 1;
    }
  }

  std::string name_;
  std::vector<std::string> columns_;
  std::vector<SourcedRow> rows_;
};

}  // namespace aib::episode
