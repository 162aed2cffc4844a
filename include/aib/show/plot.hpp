// aib/show/plot.hpp — pictures made of characters: sparkline, bar chart, heatmap, scatter.
//
// Values are scaled linearly between the minimum and the maximum of the finite data. Shades come
// from Unicode's Block Elements: ▁▂▃▄▅▆▇█ for heights, ▏▎▍▌▋▊▉ for the ends of bars, ░▒▓█ for
// density. Every line fits style.width, with one exception: a heatmap grid is never cut, so one
// with more than (width - 6) / 2 columns overflows (use svg_heatmap or a slice of the matrix).
// Non-finite values: a gap in a sparkline, "··" in a heatmap, counted but not drawn in a scatter;
// a bar chart refuses them. Labels are measured in terminal columns (display_width), so CJK and
// emoji line up. Leaves out: tick marks between the range ends, log scales, braille
// sub-character resolution, double-width letters in a heatmap's column labels read downwards.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/core.h>
#include <Eigen/Core>

#include "aib/core/check.hpp"
#include "aib/core/types.hpp"
#include "aib/core/utf8.hpp"
#include "aib/show/table.hpp"
#include "aib/show/terminal.hpp"

namespace aib::show {

namespace detail {

// Where v sits between lo and hi, as t in [0, 1] (clamped; 0.5 when lo == hi; 0 for NaN).
// Halving first keeps hi - lo finite even for values near ±1e308; it is exact otherwise.
inline double unit(double v, double lo, double hi) {
  if (!(hi > lo)) return 0.5;
  const double t = (v / 2 - lo / 2) / (hi / 2 - lo / 2);
  return t >= 0 ? std::min(t, 1.0) : 0.0;  // also maps NaN to 0
}

// The smallest and largest finite values; false (and lo, hi untouched) if there are none.
template <class Values>
bool finite_range(const Values& values, double& lo, double& hi) {
  bool found = false;
  for (const double v : values) {
    if (!std::isfinite(v)) continue;
    if (!found) lo = hi = v;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    found = true;
  }
  return found;
}

// A short label for an axis end: 3 significant digits, "0" rather than "-0".
inline std::string short_number(double v) {
  std::string s = fmt::format("{:.3g}", v);
  return s == "-0" ? "0" : s;
}

// Legend entries packed into lines no wider than `width`, two spaces apart; the first line starts
// with `lead` and the others are indented as deep. An entry wider than a line gets a line alone.
inline std::string pack_entries(std::string_view lead, const std::vector<std::string>& entries,
                                int width) {
  if (entries.empty()) return "";
  const std::string indent(display_width(lead), ' ');
  std::string out, line(lead);
  bool line_empty = true;
  for (const std::string& entry : entries) {
    if (!line_empty && display_width(line) + 2 + display_width(entry) > width) {
      out += line + '\n';
      line = indent;
      line_empty = true;
    }
    line += (line_empty ? "" : "  ") + entry;
    line_empty = false;
  }
  return out + line + '\n';
}

// The UTF-8 characters of s, one string each: "né" -> {"n", "é"} (aib::utf8_chars, owned).
inline std::vector<std::string> code_points(std::string_view s) {
  const std::vector<std::string_view> chars = utf8_chars(s);
  return std::vector<std::string>(chars.begin(), chars.end());
}

inline void strip_trailing_spaces(std::string& line) {
  while (!line.empty() && line.back() == ' ') line.pop_back();
}

}  // namespace detail

// ---- Sparkline: one character per value ------------------------------------------------------

inline constexpr std::array<std::string_view, 8> spark_levels = {"▁", "▂", "▃", "▄",
                                                                 "▅", "▆", "▇", "█"};

// One bar per value, its height ▁..█ rounded from (v - min) / (max - min) · 7. A constant series
// draws ▄ (the middle), a NaN or infinity a space, an empty series nothing. No newline added.
//   sparkline({0, 1, 2, 3, 4, 5, 6, 7}) == "▁▂▃▄▅▆▇█"
inline std::string sparkline(const std::vector<double>& values) {
  double lo = 0, hi = 0;
  detail::finite_range(values, lo, hi);
  std::string out;
  for (const double v : values) {
    if (!std::isfinite(v))
      out += ' ';
    else if (hi == lo)
      out += spark_levels[3];
    else
      out += spark_levels[static_cast<std::size_t>(std::lround(detail::unit(v, lo, hi) * 7))];
  }
  return out;
}

// ---- Bar chart: one horizontal bar per label ---------------------------------------------------

// The partial block that ends a bar, by eighths of a character: "" then ▏(1/8) .. ▉(7/8).
inline constexpr std::array<std::string_view, 8> bar_eighths = {"",  "▏", "▎", "▍",
                                                                "▌", "▋", "▊", "▉"};

// label  ████████▌  value   — the largest value fills bar_width characters, the others scale
// from zero, rounded to an eighth of a character. Bars start at zero, so a negative or
// non-finite value is refused with aib::Error (chart v - min(v), or |v|, if that is what you
// mean). Long labels and wide bars shrink to fit style.width.
//   bar_chart({"a", "bb"}, {1.0, 0.3}, Style{}, 4, 2) == "a   ████  1.00\nbb  █▎    0.30\n"
inline std::string bar_chart(const std::vector<std::string>& labels,
                             const std::vector<double>& values, const Style& style,
                             int bar_width = 40, int decimals = 3) {
  if (labels.size() != values.size())
    fail("bar_chart: {} labels but {} values; they must match", labels.size(), values.size());
  if (bar_width < 1) fail("bar_chart: bar_width = {}, expected at least 1", bar_width);
  double top = 0;                  // the largest value: a full bar
  std::vector<std::string> shown;  // the values as printed
  int label_width = 0, value_width = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double v = values[i];
    if (!std::isfinite(v))
      fail("bar_chart: values[{}] is {}; every bar needs a finite value", i, v);
    if (v < 0)
      fail(
          "bar_chart: values[{}] = {} is negative; bars grow from zero (chart v - min(v) or |v| "
          "instead)",
          i, v);
    top = std::max(top, v);
    shown.push_back(fixed(v, decimals));
    label_width = std::max(label_width, display_width(labels[i]));
    value_width = std::max(value_width, display_width(shown.back()));
  }
  // Fit the width: first narrow the bars (down to 10), then cut the labels (down to 4).
  const std::string gap = label_width > 0 ? "  " : "";
  const int others = static_cast<int>(gap.size()) + 2 + value_width;
  if (label_width + others + bar_width > style.width)
    bar_width = std::max(std::min(bar_width, 10), style.width - label_width - others);
  if (label_width + others + bar_width > style.width)
    label_width = std::max(std::min(label_width, 4), style.width - others - bar_width);

  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const long eighths = top > 0 ? std::lround(values[i] / top * bar_width * 8) : 0;
    const std::string bar =
        repeat("█", static_cast<int>(eighths / 8)) + std::string(bar_eighths[eighths % 8]);
    out += pad_right(ellipsize(labels[i], label_width), label_width) + gap;
    out += fg(bar, Color::cyan, style) + std::string(bar_width - display_width(bar), ' ');
    out += "  " + pad_left(shown[i], value_width) + '\n';
  }
  return out;
}

// ---- Heatmap: a matrix as a grid of shaded cells -----------------------------------------------

// Plain mode: 5 shades, lightest (a blank) for the lowest fifth of the scale to █ for the top.
inline constexpr std::array<std::string_view, 5> heat_shades = {" ", "░", "▒", "▓", "█"};
// Colour mode: 8 backgrounds from xterm's 256-colour palette, dark purple to yellow (a viridis-like
// ramp: brightness grows with the value, readable by colour-blind eyes).
inline constexpr std::array<int, 8> heat_colors = {53, 61, 31, 36, 71, 113, 184, 226};

namespace detail {

inline std::string draw_heatmap(const MatD& m, const std::vector<std::string>& row_labels,
                                const std::vector<std::string>& col_labels, const Style& style,
                                std::optional<double> vmin, std::optional<double> vmax,
                                int decimals) {
  const Index rows = m.rows(), cols = m.cols();
  if (rows == 0 || cols == 0)
    fail("heatmap: the matrix has shape {}: no cells to draw", shape_str(m));
  if (!row_labels.empty() && static_cast<Index>(row_labels.size()) != rows)
    fail("heatmap: {} row labels for a matrix of shape {}; expected {} (or none)",
         row_labels.size(), shape_str(m), rows);
  if (!col_labels.empty() && static_cast<Index>(col_labels.size()) != cols)
    fail("heatmap: {} column labels for a matrix of shape {}; expected {} (or none)",
         col_labels.size(), shape_str(m), cols);
  if (vmin && !std::isfinite(*vmin)) fail("heatmap: vmin = {} must be finite", *vmin);
  if (vmax && !std::isfinite(*vmax)) fail("heatmap: vmax = {} must be finite", *vmax);

  // The scale [lo, hi]: given, or the range of the finite cells.
  double data_lo = 0, data_hi = 1;
  const std::vector<double> all(m.data(), m.data() + m.size());
  const bool any_finite = finite_range(all, data_lo, data_hi);
  const bool any_missing = !m.allFinite();
  const double lo = vmin.value_or(data_lo), hi = vmax.value_or(data_hi);
  if (lo > hi)
    fail("heatmap: the scale runs from {} down to {}; vmin must not exceed vmax", lo, hi);

  // A cell: two characters of shade, or two spaces on a coloured background.
  const int levels =
      style.color ? static_cast<int>(heat_colors.size()) : static_cast<int>(heat_shades.size());
  auto level_of = [&](double v) {
    return std::min(levels - 1, static_cast<int>(unit(v, lo, hi) * levels));
  };
  auto swatch = [&](int level) {
    return style.color ? bg256("  ", heat_colors[level], style) : repeat(heat_shades[level], 2);
  };

  // Labels: the given ones or indices; row labels cut if the grid would not fit otherwise.
  auto labels_or_indices = [](const std::vector<std::string>& labels, Index n) {
    if (!labels.empty()) return labels;
    std::vector<std::string> indices;
    for (Index i = 0; i < n; ++i) indices.push_back(std::to_string(i));
    return indices;
  };
  const std::vector<std::string> row_names = labels_or_indices(row_labels, rows);
  const std::vector<std::string> col_names = labels_or_indices(col_labels, cols);
  const int grid_width = 2 * static_cast<int>(cols) + 2;  // cells and the frame's two sides
  int label_width = 0;
  for (const std::string& name : row_names)
    label_width = std::max(label_width, display_width(name));
  if (label_width + 1 + grid_width > style.width)
    label_width = std::max(std::min(label_width, 3), style.width - 1 - grid_width);
  const std::string margin(label_width + 1, ' ');

  std::string out;
  // Column labels above the grid: across if all are one character, else read downwards.
  int label_height = 0;
  for (const std::string& name : col_names)
    label_height = std::max(label_height, display_width(name));
  const int max_label_height = 8;
  const bool downwards = label_height > 1;
  if (downwards) label_height = std::min(label_height, max_label_height);
  std::vector<std::vector<std::string>> letters;  // (cols, label_height): one character each
  for (const std::string& name : col_names)
    letters.push_back(code_points(ellipsize(name, label_height)));
  for (int r = 0; r < (downwards ? label_height : 1); ++r) {
    std::string line = margin + ' ';
    for (Index j = 0; j < cols; ++j) {
      const std::vector<std::string>& l = letters[j];
      if (!downwards)
        line += pad_right(col_names[j], 2);
      else
        line += (r < static_cast<int>(l.size()) ? l[r] : std::string(" ")) + ' ';
    }
    strip_trailing_spaces(line);
    out += line + '\n';
  }
  // The grid in a frame.
  out += margin + "┌" + repeat("─", 2 * static_cast<int>(cols)) + "┐\n";
  for (Index i = 0; i < rows; ++i) {
    out += pad_right(ellipsize(row_names[i], label_width), label_width) + " │";
    for (Index j = 0; j < cols; ++j)
      out += std::isfinite(m(i, j)) ? swatch(level_of(m(i, j))) : "··";
    out += "│\n";
  }
  out += margin + "└" + repeat("─", 2 * static_cast<int>(cols)) + "┘\n";

  // The legend: which swatch stands for which range of values.
  std::vector<std::string> entries;
  if (lo == hi) {
    entries.push_back(fmt::format("every cell is {}", fixed(lo, decimals)));
  } else {
    const double step = (hi - lo) / levels;
    for (int k = 0; k < levels; ++k) {
      const std::string box = style.color ? swatch(k) : "[" + swatch(k) + "]";
      const double upper = k + 1 == levels ? hi : lo + (k + 1) * step;
      entries.push_back(box + ' ' + fixed(lo + k * step, decimals) + "–" + fixed(upper, decimals));
    }
  }
  if (any_missing) entries.push_back(style.color ? "·· not finite" : "[··] not finite");
  out += pack_entries("", entries, style.width);
  if ((vmin || vmax) && any_finite) {  // a given scale: say where the data really lies
    std::vector<std::string> note = {
        fmt::format("data: min {}, max {}", fixed(data_lo, decimals), fixed(data_hi, decimals))};
    if (data_lo < lo || data_hi > hi)
      note.push_back("(values beyond the scale take its end shade)");
    out += pack_entries("", note, style.width);
  }
  return out;
}

}  // namespace detail

// The matrix as a grid, each cell two characters wide: a shade of " ░▒▓█" (plain) or a colour
// from a dark-to-bright ramp (colour mode), scaled from vmin to vmax (default: the min and max of
// the finite cells), then a legend of which shade means which range. Works for Mat, MatD and any
// Eigen expression (m.topRows(4), attn.transpose()). Labels may be empty (indices are shown);
// column labels longer than one character are written downwards (at most 8 characters).
//           0 1 2
//          ┌──────┐
//   first  │  ▒▒██│
//   second │░░▓▓  │
//          └──────┘
//   [  ] 0.00–0.20  [░░] 0.20–0.40  [▒▒] 0.40–0.60  [▓▓] 0.60–0.80  [██] 0.80–1.00
template <class Derived>
std::string heatmap(const Eigen::MatrixBase<Derived>& m, const std::vector<std::string>& row_labels,
                    const std::vector<std::string>& col_labels, const Style& style,
                    std::optional<double> vmin = std::nullopt,
                    std::optional<double> vmax = std::nullopt, int decimals = 2) {
  const MatD values = m.template cast<double>();  // (rows, cols)
  return detail::draw_heatmap(values, row_labels, col_labels, style, vmin, vmax, decimals);
}

// ---- Scatter: points on a character grid --------------------------------------------------------

// One glyph per group (groups sorted by id), and '#' where points of different groups share a cell.
inline constexpr std::string_view scatter_glyphs = "ox+*^%=~";
inline constexpr char scatter_overlap = '#';

// Points (x[i], y[i]) on a width × height grid with the y range printed on the left and the x
// range below: cell column = round(t_x · (width - 1)), row counted from the top. `group` gives each
// point's group (empty: all one group); at most 8 groups. Points with a non-finite coordinate are
// not drawn, and the legend says how many. A range of zero width is widened to v ± 1. The grid
// narrows (down to 10 columns) to fit style.width.
inline std::string scatter(const std::vector<double>& x, const std::vector<double>& y,
                           const std::vector<int>& group, const Style& style, int width = 60,
                           int height = 20) {
  if (x.size() != y.size())
    fail("scatter: x has {} values but y has {}; they must match", x.size(), y.size());
  if (!group.empty() && group.size() != x.size())
    fail("scatter: group has {} entries for {} points; expected one per point (or none)",
         group.size(), x.size());
  if (width < 2 || height < 2)
    fail("scatter: a {}x{} grid is too small; expected at least 2x2", width, height);

  std::vector<int> ids = group;  // the distinct group ids, sorted: slot k draws with glyph k
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  if (ids.size() > scatter_glyphs.size())
    fail("scatter: {} groups but only {} glyphs ({}); merge groups or use svg_scatter", ids.size(),
         scatter_glyphs.size(), scatter_glyphs);
  if (ids.empty()) ids.push_back(0);
  auto slot_of = [&](std::size_t i) {
    return group.empty()
               ? 0
               : static_cast<int>(std::lower_bound(ids.begin(), ids.end(), group[i]) - ids.begin());
  };

  // Ranges of the drawable points.
  double xlo = 0, xhi = 1, ylo = 0, yhi = 1;
  bool any = false;
  std::size_t not_finite = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i])) {
      ++not_finite;
      continue;
    }
    if (!any) {
      xlo = xhi = x[i];
      ylo = yhi = y[i];
      any = true;
    }
    xlo = std::min(xlo, x[i]);
    xhi = std::max(xhi, x[i]);
    ylo = std::min(ylo, y[i]);
    yhi = std::max(yhi, y[i]);
  }
  if (xlo == xhi) {  // all points share one x: widen to x ± 1 so they land in the middle
    xlo -= 1;
    xhi += 1;
  }
  if (ylo == yhi) {
    ylo -= 1;
    yhi += 1;
  }

  const std::string y_top = detail::short_number(yhi), y_bottom = detail::short_number(ylo);
  const int axis_width =
      std::max(display_width(y_top), display_width(y_bottom)) + 2;  // labels, " │"
  if (axis_width + width > style.width)
    width = std::max(std::min(width, 10), style.width - axis_width);

  // Mark the grid: -1 empty, k >= 0 group slot k, -2 several groups.
  constexpr int empty = -1, several = -2;
  std::vector<int> grid(static_cast<std::size_t>(width) * height, empty);  // (height, width)
  std::vector<std::size_t> count(ids.size(), 0);
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i])) continue;
    const long col = std::lround(detail::unit(x[i], xlo, xhi) * (width - 1));
    const long row = (height - 1) - std::lround(detail::unit(y[i], ylo, yhi) * (height - 1));
    int& cell = grid[static_cast<std::size_t>(row * width + col)];
    const int slot = slot_of(i);
    cell = cell == empty || cell == slot ? slot : several;
    ++count[slot];
  }

  static constexpr std::array<Color, 7> colors = {Color::cyan,  Color::yellow, Color::magenta,
                                                  Color::green, Color::red,    Color::blue,
                                                  Color::gray};
  auto glyph = [&](int slot) {
    return fg(std::string(1, scatter_glyphs[slot]), colors[slot % colors.size()], style);
  };
  std::string out;
  bool overlap = false;
  for (int r = 0; r < height; ++r) {
    std::string line = r == 0            ? pad_left(y_top, axis_width - 2) + " ┤"
                       : r == height - 1 ? pad_left(y_bottom, axis_width - 2) + " ┤"
                                         : std::string(axis_width - 2, ' ') + " │";
    for (int c = 0; c < width; ++c) {
      const int cell = grid[static_cast<std::size_t>(r * width + c)];
      overlap = overlap || cell == several;
      line += cell == empty     ? std::string(" ")
              : cell == several ? bold(std::string(1, scatter_overlap), style)
                                : glyph(cell);
    }
    detail::strip_trailing_spaces(line);
    out += line + '\n';
  }
  out += std::string(axis_width - 2, ' ') + " └" + repeat("─", width) + '\n';
  const std::string x_left = detail::short_number(xlo), x_right = detail::short_number(xhi);
  const int between = std::max(1, width - display_width(x_left) - display_width(x_right));
  out += std::string(axis_width, ' ') + x_left + std::string(between, ' ') + x_right + '\n';

  // Legend: glyph per group with its count, the overlap mark, the points left out.
  std::vector<std::string> entries;
  if (group.empty()) {
    entries.push_back(glyph(0) + fmt::format(" {} point{}", count[0], count[0] == 1 ? "" : "s"));
  } else {
    for (std::size_t k = 0; k < ids.size(); ++k)
      entries.push_back(glyph(static_cast<int>(k)) +
                        fmt::format(" group {} ({})", ids[k], count[k]));
  }
  if (overlap) entries.push_back(bold(std::string(1, scatter_overlap), style) + " several groups");
  if (not_finite > 0) entries.push_back(fmt::format("{} not finite, not drawn", not_finite));
  return out + detail::pack_entries(std::string(axis_width, ' '), entries, style.width);
}

}  // namespace aib::show
