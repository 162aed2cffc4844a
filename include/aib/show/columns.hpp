// aib/show/columns.hpp — blocks of text side by side, and the small formats episodes share.
//
// side_by_side() sets two rendered blocks (two heatmaps, two tables) next to each other, and
// matrices_side_by_side() several matrices under their names (X, W_q, Q·Kᵀ);
// bar_chart_to_scale() draws bars against a fixed full scale, so that probabilities of different
// tables compare (a full bar is p = 1; show::bar_chart scales to the largest value instead);
// binary_size() and gib() print bytes in binary units (1 GiB = 2³⁰ bytes); percent(), mean ± sd,
// nonzero patterns of a matrix, and the means of runs of a long series (for a sparkline).
// Leaves out: more than two blocks at once, decimal units (GB), locales.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "aib/core/check.hpp"
#include "aib/core/types.hpp"
#include "aib/show/format.hpp"
#include "aib/show/plot.hpp"
#include "aib/show/terminal.hpp"

namespace aib::show {

// ---- Blocks of text -----------------------------------------------------------------------------

// The lines of `text` without their '\n': lines_of("a\nb\n") == {"a", "b"}; a last line without
// '\n' counts too, an empty text has no lines.
inline std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    out.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// Two blocks side by side: line i of `left` padded to `width` columns, then line i of `right`;
// the shorter block is continued with empty lines, trailing spaces are trimmed.
//   side_by_side("a\nbb\n", "x\n", 4) == "a   x\nbb\n"
inline std::string side_by_side(std::string_view left, std::string_view right, int width) {
  if (width < 0) fail("side_by_side: width = {}, expected at least 0", width);
  const std::vector<std::string> l = lines_of(left), r = lines_of(right);
  std::string out;
  for (std::size_t i = 0; i < std::max(l.size(), r.size()); ++i) {
    std::string line = pad_right(i < l.size() ? l[i] : "", width) + (i < r.size() ? r[i] : "");
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + '\n';
  }
  return out;
}

// A matrix with the name printed above it.
struct NamedMatrix {
  std::string name;
  Mat m;  // (rows, cols)
};

// Matrices side by side under their names, four spaces apart, each row labelled once on the left
// (labels may be empty), every entry at `decimals` decimals, right-aligned within its matrix:
//        X              W_q
//   cat  1 0 1 0        1 0 …
// Every matrix needs as many rows as there are labels.
inline std::string matrices_side_by_side(const std::vector<NamedMatrix>& blocks,
                                         const std::vector<std::string>& row_labels, int decimals) {
  if (blocks.empty()) fail("matrices_side_by_side: no matrices");
  int label_width = 0;
  for (const std::string& r : row_labels) label_width = std::max(label_width, display_width(r));
  std::vector<int> cell(blocks.size(), 1);  // the widest entry of each matrix
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    const Mat& m = blocks[b].m;
    if (m.rows() != static_cast<Index>(row_labels.size()))
      fail("matrices_side_by_side: '{}' has {} rows but there are {} row labels", blocks[b].name,
           m.rows(), row_labels.size());
    for (Index i = 0; i < m.size(); ++i)
      cell[b] = std::max(cell[b], display_width(fixed(m.data()[i], decimals)));
  }
  const std::string gap = "    ";
  std::string head(static_cast<std::size_t>(label_width), ' ');
  for (std::size_t b = 0; b < blocks.size(); ++b)
    head +=
        gap + pad_right(" " + blocks[b].name, static_cast<int>(blocks[b].m.cols()) * (cell[b] + 1));
  while (!head.empty() && head.back() == ' ') head.pop_back();
  std::string out = head + '\n';
  for (std::size_t i = 0; i < row_labels.size(); ++i) {
    out += pad_right(row_labels[i], label_width);
    for (std::size_t b = 0; b < blocks.size(); ++b) {
      out += gap;
      for (Index j = 0; j < blocks[b].m.cols(); ++j)
        out += ' ' + pad_left(fixed(blocks[b].m(static_cast<Index>(i), j), decimals), cell[b]);
    }
    out += '\n';
  }
  return out;
}

// Each row of `m` as cells `on` where the entry is nonzero and `off` where it is exactly 0,
// one space apart: nonzero_pattern of [[1, 0], [2, 3]] == {"■ ·", "■ ■"}.
inline std::vector<std::string> nonzero_pattern(const Mat& m, std::string_view on = "■",
                                                std::string_view off = "·") {
  std::vector<std::string> rows;
  for (Index i = 0; i < m.rows(); ++i) {
    std::string row;
    for (Index j = 0; j < m.cols(); ++j)
      row += std::string(j > 0 ? " " : "") + std::string(m(i, j) != 0.f ? on : off);
    rows.push_back(row);
  }
  return rows;
}

// ---- Bars on a fixed scale ---------------------------------------------------------------------

// label  ████▌      value   — as show::bar_chart, but a value of `full` fills bar_width and the
// others scale from zero against it, so that two charts drawn to the same `full` compare (for
// probabilities, full = 1). A value outside [0, full], a non-finite value or full <= 0 is refused.
//   bar_chart_to_scale({"a", "b"}, {0.5, 0.25}, 1.0, Style{}, 4, 2) == "a  ██    0.50\nb  █ 0.25\n"
inline std::string bar_chart_to_scale(const std::vector<std::string>& labels,
                                      const std::vector<double>& values, double full,
                                      const Style& style, int bar_width = 40, int decimals = 3) {
  if (labels.size() != values.size())
    fail("bar_chart_to_scale: {} labels but {} values; they must match", labels.size(),
         values.size());
  if (!(full > 0) || !std::isfinite(full))
    fail("bar_chart_to_scale: full = {}; the full scale must be finite and > 0", full);
  if (bar_width < 1) fail("bar_chart_to_scale: bar_width = {}, expected at least 1", bar_width);
  std::vector<std::string> shown;  // the values as printed
  int label_width = 0, value_width = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!(values[i] >= 0 && values[i] <= full))
      fail("bar_chart_to_scale: values[{}] = {} is outside [0, {}]", i, values[i], full);
    shown.push_back(fixed(values[i], decimals));
    label_width = std::max(label_width, display_width(labels[i]));
    value_width = std::max(value_width, display_width(shown.back()));
  }
  // Fit the width as bar_chart does: narrow the bars (down to 10), then cut the labels (to 4).
  const std::string gap = label_width > 0 ? "  " : "";
  const int others = static_cast<int>(gap.size()) + 2 + value_width;
  if (label_width + others + bar_width > style.width)
    bar_width = std::max(std::min(bar_width, 10), style.width - label_width - others);
  if (label_width + others + bar_width > style.width)
    label_width = std::max(std::min(label_width, 4), style.width - others - bar_width);
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const long eighths = std::lround(values[i] / full * bar_width * 8);  // 0 .. 8·bar_width
    const std::string bar =
        repeat("█", static_cast<int>(eighths / 8)) + std::string(bar_eighths[eighths % 8]);
    out += pad_right(ellipsize(labels[i], label_width), label_width) + gap;
    out += fg(bar, Color::cyan, style) + std::string(bar_width - display_width(bar), ' ');
    out += "  " + pad_left(shown[i], value_width) + '\n';
  }
  return out;
}

// ---- Numbers ------------------------------------------------------------------------------------

// A share as a percentage with `decimals` decimals: percent(0.1234) == "12.3%".
inline std::string percent(double share, int decimals = 1) {
  return fixed(100.0 * share, decimals) + "%";
}

// Bytes in the largest binary unit that keeps the number at least 1: "512 B", "256.0 KiB",
// "12.6 GiB" (B, KiB, MiB, GiB, TiB; 1 KiB = 1024 B). Whole bytes print without decimals.
inline std::string binary_size(double bytes, int decimals = 1) {
  if (!(bytes >= 0) || !std::isfinite(bytes))
    fail("binary_size: {} bytes; expected a finite count >= 0", bytes);
  static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024 && u < 4) {
    bytes /= 1024;
    ++u;
  }
  return fixed(bytes, u == 0 ? 0 : decimals) + ' ' + units[u];
}

// Bytes in gibibytes (2³⁰ bytes), whatever their size: gib(13476831232) == "12.55 GiB".
inline std::string gib(double bytes, int decimals = 2) {
  if (!(bytes >= 0) || !std::isfinite(bytes))
    fail("gib: {} bytes; expected a finite count >= 0", bytes);
  return fixed(bytes / 1073741824.0, decimals) + " GiB";
}

// The mean and the sample standard deviation (n − 1; 0 for a single value) of `values`, as
// "mean ± sd": mean_pm_sd({1, 2, 3}, 2) == "2.00 ± 1.00". An empty list is refused.
inline std::string mean_pm_sd(const std::vector<double>& values, int decimals) {
  if (values.empty()) fail("mean_pm_sd: no values");
  const double n = static_cast<double>(values.size());
  double mean = 0, sd = 0;
  for (const double x : values) mean += x / n;
  for (const double x : values) sd += (x - mean) * (x - mean);
  sd = values.size() > 1 ? std::sqrt(sd / (n - 1)) : 0.0;
  return fixed(mean, decimals) + " ± " + fixed(sd, decimals);
}

// The mean of each run of `per_bin` consecutive values (the last run may be shorter): a long
// series shortened for a sparkline. binned_means({1, 2, 3, 4, 5}, 2) == {1.5, 3.5, 5}.
inline std::vector<double> binned_means(const std::vector<double>& values, std::size_t per_bin) {
  if (per_bin < 1) fail("binned_means: per_bin = 0, expected at least 1");
  std::vector<double> out;
  for (std::size_t i = 0; i < values.size(); i += per_bin) {
    const std::size_t end = std::min(values.size(), i + per_bin);
    double sum = 0;
    for (std::size_t j = i; j < end; ++j) sum += values[j];
    out.push_back(sum / static_cast<double>(end - i));
  }
  return out;
}

}  // namespace aib::show
