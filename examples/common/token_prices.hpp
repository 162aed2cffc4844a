// token_prices.hpp — episode 18's price table (examples/data/token-prices.csv), read strictly.
//
// Format: '#' comment lines and blank lines anywhere; the first other line is the header
// `model,input_per_million,output_per_million,date,source`; then one row per model: a name
// (unique, no comma), two prices in US dollars per million tokens (digits with an optional
// decimal point), the date the price was read (YYYY-MM-DD) and the https:// page it was read on.
// No quoting: a field cannot contain a comma. Any other line is an IoError naming file and line.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "aib/core/check.hpp"
#include "aib/core/files.hpp"

namespace aib::episode {

struct Price {
  std::string model;
  double input = 0, output = 0;  // US dollars per million tokens
  std::string date, source;
};

inline constexpr std::string_view kPriceHeader =
    "model,input_per_million,output_per_million,date,source";

// "2.50" -> 2.5; nullopt for anything but digits with at most one decimal point.
inline std::optional<double> parse_price(std::string_view s) {
  if (s.empty() || s.size() > 12) return std::nullopt;
  double whole = 0, scale = 0;  // scale: 0 before the point, then 0.1, 0.01, ...
  int digits = 0;
  for (const char c : s) {
    if (c == '.' && scale == 0) {
      scale = 1;
    } else if (c >= '0' && c <= '9') {
      if (scale == 0)
        whole = whole * 10 + (c - '0');
      else
        whole += (c - '0') * (scale /= 10);
      ++digits;
    } else {
      return std::nullopt;
    }
  }
  if (digits == 0 || s.back() == '.') return std::nullopt;
  return whole;
}

// A real calendar date written YYYY-MM-DD, year 2000 or later.
inline bool valid_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  int v[3] = {0, 0, 0};
  const std::size_t start[3] = {0, 5, 8}, len[3] = {4, 2, 2};
  for (int k = 0; k < 3; ++k)
    for (std::size_t i = start[k]; i < start[k] + len[k]; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      v[k] = v[k] * 10 + (s[i] - '0');
    }
  const bool leap = (v[0] % 4 == 0 && v[0] % 100 != 0) || v[0] % 400 == 0;
  const int days[12] = {31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return v[0] >= 2000 && v[1] >= 1 && v[1] <= 12 && v[2] >= 1 && v[2] <= days[v[1] - 1];
}

// The rows of a price table; `name` (the file) and the line number appear in every error.
inline std::vector<Price> parse_prices(std::string_view text, const std::string& name) {
  std::vector<Price> out;
  std::set<std::string> seen;
  bool header = false;
  const auto row = [&](std::string_view line, std::size_t line_no) {
    if (line.empty()) return;
    const auto bad = [&](const std::string& what) {
      return IoError(fmt::format("{}:{}: {}", name, line_no, what));
    };
    if (!header) {
      if (line != kPriceHeader) throw bad(fmt::format("expected the header '{}'", kPriceHeader));
      header = true;
      return;
    }
    std::vector<std::string_view> f;
    for (std::size_t a = 0;;) {
      const std::size_t comma = line.find(',', a);
      f.push_back(
          line.substr(a, comma == std::string_view::npos ? std::string_view::npos : comma - a));
      if (comma == std::string_view::npos) break;
      a = comma + 1;
    }
    if (f.size() != 5)
      throw bad(fmt::format(
          "expected 5 comma-separated fields (model,input,output,date,source), got {}", f.size()));
    Price p;
    p.model = std::string(f[0]);
    if (p.model.empty() || p.model.front() == ' ' || p.model.back() == ' ')
      throw bad("the model name is empty or has spaces around it");
    if (!seen.insert(p.model).second)
      throw bad(fmt::format("model '{}' is listed twice", printable(p.model)));
    const std::optional<double> in = parse_price(f[1]), outp = parse_price(f[2]);
    if (!in || *in <= 0)
      throw bad(
          fmt::format("input price '{}' is not a positive number like 2.50", printable(f[1])));
    if (!outp || *outp <= 0)
      throw bad(
          fmt::format("output price '{}' is not a positive number like 10.00", printable(f[2])));
    p.input = *in;
    p.output = *outp;
    if (!valid_date(f[3]))
      throw bad(fmt::format("date '{}' is not a real date written YYYY-MM-DD", printable(f[3])));
    p.date = std::string(f[3]);
    if (f[4].substr(0, 8) != "https://" || f[4].size() <= 8 ||
        f[4].find(' ') != std::string_view::npos)
      throw bad(fmt::format("source '{}' is not an https:// address", printable(f[4])));
    p.source = std::string(f[4]);
    out.push_back(std::move(p));
  };
  for_each_line(text, row, Comments::skipped);
  if (!header) throw IoError(fmt::format("{}: no header line '{}'", name, kPriceHeader));
  if (out.empty()) throw IoError(fmt::format("{}: the header has no price rows under it", name));
  return out;
}

}  // namespace aib::episode
