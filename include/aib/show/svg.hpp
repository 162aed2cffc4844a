// aib/show/svg.hpp — pictures as standalone SVG 1.1 files: heatmap, line chart, scatters.
//
// Each function returns a complete document (XML prolog, xmlns, width/height, viewBox, <title>)
// that a browser opens as is; save_svg() writes it to a file. Colours: viridis (perceptual, reads
// in grey and for colour-blind eyes) for heatmaps, the Okabe–Ito palette for series and groups.
// Text is XML-escaped, with invalid UTF-8 replaced by U+FFFD. Non-finite values draw no mark (a
// heatmap cell shows the grey backdrop, a line breaks, a point is missing) and scales use the
// finite values only, so "nan" never reaches the file. Leaves out: text measurement (labels are
// estimated at 7 px per terminal column), log x axes, CSS, interactivity; colours repeat after
// 8 series. svg_log_scatter is the one chart with a log axis (y, ticks at powers of ten).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/core.h>
#include <Eigen/Core>

#include "aib/core/check.hpp"
#include "aib/core/files.hpp"
#include "aib/core/types.hpp"
#include "aib/core/utf8.hpp"
#include "aib/show/terminal.hpp"

namespace aib::show {

// ---- Text and numbers inside XML -------------------------------------------------------------

// Text safe inside an XML element or a quoted attribute: & < > " ' become entities, control
// characters other than tab and newline (not allowed in XML 1.0) and invalid UTF-8 bytes
// become U+FFFD "�".
inline std::string xml_escape(std::string_view text) {
  constexpr std::string_view replacement = "\xEF\xBF\xBD";  // U+FFFD
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      switch (c) {
        case '&':
          out += "&amp;";
          break;
        case '<':
          out += "&lt;";
          break;
        case '>':
          out += "&gt;";
          break;
        case '"':
          out += "&quot;";
          break;
        case '\'':
          out += "&apos;";
          break;
        default:
          out += c < 0x20 && c != '\t' && c != '\n' ? replacement : std::string_view(&text[i], 1);
      }
      ++i;
      continue;
    }
    // A multi-byte character as aib/core/utf8.hpp decodes it; an invalid byte is one U+FFFD.
    const std::size_t length = utf8_char_length(text, i);
    if (length > 1)
      out.append(text.substr(i, length));
    else
      out += replacement;
    i += length;
  }
  return out;
}

namespace detail {

// A coordinate or size: at most 2 decimals, no trailing zeros ("12", "12.5", "0.25").
inline std::string svg_num(double v) {
  if (!std::isfinite(v))
    fail("svg: internal error: a non-finite coordinate ({}) reached the drawing", v);
  std::string s = fmt::format("{:.2f}", v);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s == "-0" ? "0" : s;
}

// A tick or legend value, rounded to `decimals` (no "-0").
inline std::string svg_value(double v, int decimals) {
  std::string s = fmt::format("{:.{}f}", v, std::clamp(decimals, 0, 12));
  if (s.front() == '-' && s.find_first_not_of("-0.") == std::string::npos) s.erase(0, 1);
  return s;
}

// The estimated width in pixels of text at font-size 12.
inline double text_px(std::string_view text) {
  return 7.0 * display_width(text);
}

// The top of every document: prolog, root element, <title>, white background, visible title.
inline std::string svg_begin(double width, double height, std::string_view title) {
  const std::string w = svg_num(width), h = svg_num(height), t = xml_escape(title);
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" font-family=\"sans-serif\" font-size=\"12\">\n"
      "<title>{2}</title>\n"
      "<rect class=\"background\" x=\"0\" y=\"0\" width=\"{0}\" height=\"{1}\" fill=\"#ffffff\"/>\n"
      "<text class=\"title\" x=\"16\" y=\"24\" font-size=\"16\" font-weight=\"bold\">{2}</text>\n",
      w, h, t);
}

inline std::string svg_end() {
  return "</svg>\n";
}

// "#rrggbb" for red, green, blue in [0, 255].
inline std::string hex_color(double r, double g, double b) {
  auto byte = [](double v) { return static_cast<int>(std::lround(std::clamp(v, 0.0, 255.0))); };
  return fmt::format("#{:02x}{:02x}{:02x}", byte(r), byte(g), byte(b));
}

// Okabe & Ito (2008), "Color Universal Design": distinct for colour-blind readers too.
inline constexpr std::array<std::string_view, 8> series_colors = {
    "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#f0e442"};

inline std::string_view series_color(std::size_t k) {
  return series_colors[k % series_colors.size()];
}

// An axis: the data range widened to "nice" tick values 1, 2 or 5 × 10^k apart.
struct Axis {
  double lo = 0, hi = 1;      // the axis ends (the first and last tick)
  double step = 1;            // between ticks
  int decimals = 0;           // to print a tick without noise
  std::vector<double> ticks;  // lo, lo + step, ..., hi
};

// About `target` nice ticks covering [lo, hi]; steps of at least `min_step` (1 for indices).
inline Axis nice_axis(double lo, double hi, int target = 5, double min_step = 0) {
  if (!(hi > lo)) {  // one value (or none): an interval around it, wide enough to matter
    const double pad = std::max(1.0, 0.1 * std::abs(lo));
    lo -= pad;
    hi += pad;
  }
  const double raw = (hi - lo) / target;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double r = raw / magnitude;
  Axis axis;
  axis.step = std::max(min_step, (r < 1.5 ? 1 : r < 3 ? 2 : r < 7 ? 5 : 10) * magnitude);
  axis.lo = std::floor(lo / axis.step) * axis.step;
  axis.hi = std::ceil(hi / axis.step) * axis.step;
  axis.decimals = std::max(0, -static_cast<int>(std::floor(std::log10(axis.step) + 1e-9)));
  const long n = std::lround((axis.hi - axis.lo) / axis.step);
  for (long k = 0; k <= n; ++k) axis.ticks.push_back(axis.lo + k * axis.step);
  return axis;
}

// Pixel position of v on an axis drawn from pixel p0 (at axis.lo) to p1 (at axis.hi).
inline double to_px(const Axis& axis, double v, double p0, double p1) {
  return p0 + (v - axis.lo) / (axis.hi - axis.lo) * (p1 - p0);
}

// Both axes of a plot area [left, right] × [top, bottom], with tick labels and light grid lines.
inline std::string svg_axes(const Axis& xa, const Axis& ya, double left, double right, double top,
                            double bottom) {
  std::string out = "<g class=\"axes\" stroke-width=\"1\">\n";
  for (const double t : ya.ticks) {
    const std::string py = svg_num(to_px(ya, t, bottom, top));
    out += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#dddddd\"/>\n",
                       svg_num(left), py, svg_num(right), py);
    out += fmt::format(
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" dominant-baseline=\"middle\">{}</text>\n",
        svg_num(left - 6), py, svg_value(t, ya.decimals));
  }
  for (const double t : xa.ticks) {
    const std::string px = svg_num(to_px(xa, t, left, right));
    out += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#dddddd\"/>\n", px,
                       svg_num(top), px, svg_num(bottom));
    out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", px,
                       svg_num(bottom + 18), svg_value(t, xa.decimals));
  }
  out += fmt::format(
      "<polyline points=\"{0},{1} {0},{2} {3},{2}\" fill=\"none\" stroke=\"#000000\"/>\n",
      svg_num(left), svg_num(top), svg_num(bottom), svg_num(right));
  return out + "</g>\n";
}

// A legend at (x, y): one row per name with its colour, as a short line or a dot.
inline std::string svg_legend(const std::vector<std::string>& names, double x, double y,
                              bool dots) {
  std::string out = "<g class=\"legend\">\n";
  for (std::size_t k = 0; k < names.size(); ++k) {
    const double row = y + 20.0 * k;
    if (dots)
      out += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"4\" fill=\"{}\"/>\n", svg_num(x + 10),
                         svg_num(row), series_color(k));
    else
      out += fmt::format(
          "<line x1=\"{0}\" y1=\"{2}\" x2=\"{1}\" y2=\"{2}\" stroke=\"{3}\" stroke-width=\"2\"/>\n",
          svg_num(x), svg_num(x + 20), svg_num(row), series_color(k));
    out += fmt::format("<text x=\"{}\" y=\"{}\" dominant-baseline=\"middle\">{}</text>\n",
                       svg_num(x + 28), svg_num(row), xml_escape(names[k]));
  }
  return out + "</g>\n";
}

// Viridis (van der Walt & Smith, matplotlib), 10 stops as in R's viridisLite; t in [0, 1].
inline constexpr std::array<std::array<int, 3>, 10> viridis_stops = {{{0x44, 0x01, 0x54},
                                                                      {0x48, 0x28, 0x78},
                                                                      {0x3e, 0x4a, 0x89},
                                                                      {0x31, 0x68, 0x8e},
                                                                      {0x26, 0x82, 0x8e},
                                                                      {0x1f, 0x9e, 0x89},
                                                                      {0x35, 0xb7, 0x79},
                                                                      {0x6d, 0xcd, 0x59},
                                                                      {0xb4, 0xde, 0x2c},
                                                                      {0xfd, 0xe7, 0x25}}};

inline std::string viridis(double t) {
  const double x = std::clamp(t, 0.0, 1.0) * (viridis_stops.size() - 1);
  const std::size_t i = std::min(static_cast<std::size_t>(x), viridis_stops.size() - 2);
  const double f = x - i;  // linear interpolation between stops i and i + 1
  const auto& a = viridis_stops[i];
  const auto& b = viridis_stops[i + 1];
  return hex_color(a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]), a[2] + f * (b[2] - a[2]));
}

inline std::string svg_heatmap_d(const MatD& m, const std::vector<std::string>& row_labels,
                                 const std::vector<std::string>& col_labels,
                                 std::string_view title) {
  const Index rows = m.rows(), cols = m.cols();
  if (rows == 0 || cols == 0)
    fail("svg_heatmap: the matrix has shape {}: no cells to draw", shape_str(m));
  if (!row_labels.empty() && static_cast<Index>(row_labels.size()) != rows)
    fail("svg_heatmap: {} row labels for a matrix of shape {}; expected {} (or none)",
         row_labels.size(), shape_str(m), rows);
  if (!col_labels.empty() && static_cast<Index>(col_labels.size()) != cols)
    fail("svg_heatmap: {} column labels for a matrix of shape {}; expected {} (or none)",
         col_labels.size(), shape_str(m), cols);

  // Scale: the finite values' range.
  double lo = 0, hi = 1;
  bool any = false;
  for (Index i = 0; i < m.size(); ++i) {
    const double v = m.data()[i];
    if (!std::isfinite(v)) continue;
    lo = any ? std::min(lo, v) : v;
    hi = any ? std::max(hi, v) : v;
    any = true;
  }
  auto t_of = [&](double v) { return hi > lo ? (v - lo) / (hi - lo) : 0.5; };

  // Layout: labels left and above (written upwards), cells, then the colour bar.
  const double cell = std::clamp(std::floor(480.0 / std::max(rows, cols)), 8.0, 32.0);
  double row_label_px = 0, col_label_px = 0;
  for (const std::string& l : row_labels) row_label_px = std::max(row_label_px, text_px(l));
  for (const std::string& l : col_labels) col_label_px = std::max(col_label_px, text_px(l));
  const double left = 16 + row_label_px + (row_labels.empty() ? 0 : 8);
  const double top = 44 + col_label_px + (col_labels.empty() ? 0 : 8);
  const double grid_w = cell * cols, grid_h = cell * rows;
  const double bar_x = left + grid_w + 24, bar_h = std::max(grid_h, 80.0);
  const std::string lo_text = svg_value(lo, 3), hi_text = svg_value(hi, 3);
  const double width = std::max(bar_x + 16 + 8 + std::max(text_px(lo_text), text_px(hi_text)) + 16,
                                32 + 9.0 * display_width(title));
  const double height = top + std::max(grid_h, bar_h) + 24;

  std::string out = svg_begin(width, height, title);
  out += fmt::format(
      "<rect class=\"backdrop\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#dddddd\"/>\n",
      svg_num(left), svg_num(top), svg_num(grid_w), svg_num(grid_h));
  out += "<g class=\"cells\">\n";
  for (Index i = 0; i < rows; ++i) {
    for (Index j = 0; j < cols; ++j) {
      const double v = m(i, j);
      if (!std::isfinite(v)) continue;  // no mark: the backdrop shows through
      const std::string where =
          fmt::format("{}, {}", row_labels.empty() ? std::to_string(i) : row_labels[i],
                      col_labels.empty() ? std::to_string(j) : col_labels[j]);
      out += fmt::format(
          "<rect class=\"cell\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\">"
          "<title>{}: {:.4g}</title></rect>\n",
          svg_num(left + j * cell), svg_num(top + i * cell), svg_num(cell), svg_num(cell),
          viridis(t_of(v)), xml_escape(where), v);
    }
  }
  out += "</g>\n<g class=\"labels\">\n";
  for (Index i = 0; i < static_cast<Index>(row_labels.size()); ++i)
    out += fmt::format(
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" dominant-baseline=\"middle\">{}</text>\n",
        svg_num(left - 6), svg_num(top + (i + 0.5) * cell), xml_escape(row_labels[i]));
  for (Index j = 0; j < static_cast<Index>(col_labels.size()); ++j) {
    const std::string x = svg_num(left + (j + 0.5) * cell), y = svg_num(top - 6);
    out += fmt::format(
        "<text x=\"{0}\" y=\"{1}\" transform=\"rotate(-90 {0} {1})\" "
        "dominant-baseline=\"middle\">{2}</text>\n",
        x, y, xml_escape(col_labels[j]));
  }
  out += "</g>\n";

  // The colour bar: a vertical gradient from lo (bottom) to hi (top), ends labelled.
  out += "<defs><linearGradient id=\"aib-viridis\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">\n";
  for (int k = 0; k <= 10; ++k)
    out += fmt::format("<stop offset=\"{}\" stop-color=\"{}\"/>\n", svg_num(k / 10.0),
                       viridis(k / 10.0));
  out += "</linearGradient></defs>\n";
  out += fmt::format(
      "<g class=\"colorbar\">\n<rect x=\"{}\" y=\"{}\" width=\"16\" height=\"{}\" "
      "fill=\"url(#aib-viridis)\" stroke=\"#000000\" stroke-width=\"0.5\"/>\n",
      svg_num(bar_x), svg_num(top), svg_num(bar_h));
  out += fmt::format("<text x=\"{}\" y=\"{}\" dominant-baseline=\"middle\">{}</text>\n",
                     svg_num(bar_x + 22), svg_num(top + 6), hi_text);
  out += fmt::format("<text x=\"{}\" y=\"{}\" dominant-baseline=\"middle\">{}</text>\n</g>\n",
                     svg_num(bar_x + 22), svg_num(top + bar_h - 6), lo_text);
  return out + svg_end();
}

}  // namespace detail

// ---- The three pictures ------------------------------------------------------------------------

// One <rect class="cell"> per finite cell, coloured by viridis from the matrix's min (dark purple)
// to max (yellow), with a tooltip "row, col: value"; labels left and above (may be empty);
// a colour bar with min and max on the right. Works for Mat, MatD and Eigen expressions.
template <class Derived>
std::string svg_heatmap(const Eigen::MatrixBase<Derived>& m,
                        const std::vector<std::string>& row_labels,
                        const std::vector<std::string>& col_labels, std::string_view title) {
  const MatD values = m.template cast<double>();  // (rows, cols)
  return detail::svg_heatmap_d(values, row_labels, col_labels, title);
}

// One line per series, y against the index 0, 1, 2, ...: a <g class="series"> holding one
// <polyline> per run of finite values (a non-finite value breaks the line; a lone finite value
// between gaps is a dot). Axes with nice ticks, a legend of `names` (empty: "series 0", ...).
inline std::string svg_line_chart(const std::vector<std::vector<double>>& series,
                                  const std::vector<std::string>& names, std::string_view title) {
  if (!names.empty() && names.size() != series.size())
    fail("svg_line_chart: {} names for {} series; expected one name per series (or none)",
         names.size(), series.size());
  std::vector<std::string> legend = names;
  for (std::size_t k = legend.size(); k < series.size(); ++k)
    legend.push_back(fmt::format("series {}", k));

  std::size_t length = 0;
  double lo = 0, hi = 1;
  bool any = false;
  for (const std::vector<double>& s : series) {
    length = std::max(length, s.size());
    for (const double v : s) {
      if (!std::isfinite(v)) continue;
      lo = any ? std::min(lo, v) : v;
      hi = any ? std::max(hi, v) : v;
      any = true;
    }
  }
  const detail::Axis xa =
      detail::nice_axis(0, std::max<double>(1, static_cast<double>(length) - 1), 6, 1);
  const detail::Axis ya = detail::nice_axis(lo, hi);

  double legend_px = 0;
  for (const std::string& name : legend) legend_px = std::max(legend_px, detail::text_px(name));
  const double left = 64, top = 48, plot_w = 520, plot_h = 300;
  const double right = left + plot_w, bottom = top + plot_h;
  const double width = std::max(right + 24 + 28 + legend_px + 16, 32 + 9.0 * display_width(title));
  const double height = bottom + 40;

  std::string out = detail::svg_begin(width, height, title);
  out += detail::svg_axes(xa, ya, left, right, top, bottom);
  for (std::size_t k = 0; k < series.size(); ++k) {
    const std::string_view color = detail::series_color(k);
    out +=
        fmt::format("<g class=\"series\" stroke=\"{}\" fill=\"none\" stroke-width=\"2\">\n", color);
    std::vector<std::string> run;  // "x,y" of the current run of finite values
    auto end_run = [&] {
      if (run.size() == 1) {
        const std::size_t comma = run[0].find(',');
        out += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"2\" fill=\"{}\" stroke=\"none\"/>\n",
                           run[0].substr(0, comma), run[0].substr(comma + 1), color);
      } else if (run.size() > 1) {
        out += "<polyline points=\"";
        for (std::size_t p = 0; p < run.size(); ++p) out += (p > 0 ? " " : "") + run[p];
        out += "\"/>\n";
      }
      run.clear();
    };
    for (std::size_t i = 0; i < series[k].size(); ++i) {
      const double v = series[k][i];
      if (!std::isfinite(v)) {
        end_run();
        continue;
      }
      run.push_back(detail::svg_num(detail::to_px(xa, static_cast<double>(i), left, right)) + "," +
                    detail::svg_num(detail::to_px(ya, v, bottom, top)));
    }
    end_run();
    out += "</g>\n";
  }
  out += detail::svg_legend(legend, right + 24, top + 8, false);
  return out + detail::svg_end();
}

// One <circle class="point"> per point with finite coordinates, coloured by group (groups
// sorted by id; empty group: one colour, no legend). Points with a NaN or infinite coordinate
// are left out. Axes with nice ticks; a legend "group k" when there are several groups.
inline std::string svg_scatter(const std::vector<double>& x, const std::vector<double>& y,
                               const std::vector<int>& group, std::string_view title) {
  if (x.size() != y.size())
    fail("svg_scatter: x has {} values but y has {}; they must match", x.size(), y.size());
  if (!group.empty() && group.size() != x.size())
    fail("svg_scatter: group has {} entries for {} points; expected one per point (or none)",
         group.size(), x.size());
  std::vector<int> ids = group;  // distinct group ids, sorted: id k-th gets colour k
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());

  double xlo = 0, xhi = 1, ylo = 0, yhi = 1;
  bool any = false;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i])) continue;
    xlo = any ? std::min(xlo, x[i]) : x[i];
    xhi = any ? std::max(xhi, x[i]) : x[i];
    ylo = any ? std::min(ylo, y[i]) : y[i];
    yhi = any ? std::max(yhi, y[i]) : y[i];
    any = true;
  }
  const detail::Axis xa = detail::nice_axis(xlo, xhi), ya = detail::nice_axis(ylo, yhi);

  std::vector<std::string> legend;
  for (const int id : ids) legend.push_back(fmt::format("group {}", id));
  const bool show_legend = legend.size() > 1;
  double legend_px = 0;
  for (const std::string& name : legend) legend_px = std::max(legend_px, detail::text_px(name));
  const double left = 64, top = 48, plot_w = 400, plot_h = 400;
  const double right = left + plot_w, bottom = top + plot_h;
  const double width = std::max(right + (show_legend ? 24 + 28 + legend_px : 0) + 16,
                                32 + 9.0 * display_width(title));
  const double height = bottom + 40;

  std::string out = detail::svg_begin(width, height, title);
  out += detail::svg_axes(xa, ya, left, right, top, bottom);
  out += "<g class=\"points\" fill-opacity=\"0.8\">\n";
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i])) continue;  // no mark for a non-finite point
    const std::size_t slot =
        group.empty() ? 0
                      : static_cast<std::size_t>(
                            std::lower_bound(ids.begin(), ids.end(), group[i]) - ids.begin());
    out += fmt::format("<circle class=\"point\" cx=\"{}\" cy=\"{}\" r=\"3.5\" fill=\"{}\"/>\n",
                       detail::svg_num(detail::to_px(xa, x[i], left, right)),
                       detail::svg_num(detail::to_px(ya, y[i], bottom, top)),
                       detail::series_color(slot));
  }
  out += "</g>\n";
  if (show_legend) out += detail::svg_legend(legend, right + 24, top + 8, true);
  return out + detail::svg_end();
}

// A straight line in svg_log_scatter's coordinates: log10(y) = slope · x + intercept.
struct LogTrend {
  double slope = 0, intercept = 0;
  std::string label;  // its legend entry, e.g. "least squares: 2.5x per year"
};

namespace detail {
// "10" followed by k in superscript digits: 10⁹, 10¹², 10⁻³.
inline std::string power_of_ten(int k) {
  static constexpr std::array<std::string_view, 10> sup = {"⁰", "¹", "²", "³", "⁴",
                                                           "⁵", "⁶", "⁷", "⁸", "⁹"};
  std::string digits = std::to_string(k < 0 ? -k : k), out = k < 0 ? "10⁻" : "10";
  for (const char c : digits) out += sup[static_cast<std::size_t>(c - '0')];
  return out;
}
}  // namespace detail

// Points (x[i], y[i]) with y on a log10 axis: grid lines at the powers of ten around the data,
// labelled 10⁸, 10⁹, ...; each point named by labels[i] beside it (no labels: empty); with a
// trend, its line drawn across the plot (clipped to it) and named in a legend. Every y must be
// positive and finite, every x finite (aib::Error otherwise: a log axis has no place for 0).
inline std::string svg_log_scatter(const std::vector<double>& x, const std::vector<double>& y,
                                   const std::vector<std::string>& labels, std::string_view title,
                                   const std::optional<LogTrend>& trend = std::nullopt) {
  if (x.size() != y.size())
    fail("svg_log_scatter: x has {} values but y has {}; they must match", x.size(), y.size());
  if (!labels.empty() && labels.size() != x.size())
    fail("svg_log_scatter: {} labels for {} points; expected one per point (or none)",
         labels.size(), x.size());
  if (x.empty()) fail("svg_log_scatter: no points to draw");
  std::vector<double> ly;  // log10(y)
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i]) || !(y[i] > 0))
      fail("svg_log_scatter: point {} is ({}, {}); a log axis needs finite x and y > 0", i, x[i],
           y[i]);
    ly.push_back(std::log10(y[i]));
  }
  const auto [xmin, xmax] = std::minmax_element(x.begin(), x.end());
  const auto [ymin, ymax] = std::minmax_element(ly.begin(), ly.end());
  const detail::Axis xa = detail::nice_axis(*xmin, *xmax);
  detail::Axis ya;  // whole powers of ten
  ya.lo = std::floor(*ymin);
  ya.hi = std::max(ya.lo + 1, std::ceil(*ymax));
  for (double k = ya.lo; k <= ya.hi; ++k) ya.ticks.push_back(k);
  detail::Axis ya_frame = ya;  // svg_axes draws the frame and x ticks; the y labels come below
  ya_frame.ticks.clear();

  double label_px = 0;
  for (const std::string& l : labels) label_px = std::max(label_px, detail::text_px(l));
  const double legend_px = trend ? 28 + detail::text_px(trend->label) : 0;
  const double left = 64, top = 48, plot_w = 480, plot_h = 320;
  const double right = left + plot_w, bottom = top + plot_h;
  const double width =
      std::max({right + 8 + label_px + 16, left + legend_px + 16, 32 + 9.0 * display_width(title)});
  const double height = bottom + 40 + (trend ? 24 : 0);

  std::string out = detail::svg_begin(width, height, title);
  out += detail::svg_axes(xa, ya_frame, left, right, top, bottom);
  out += "<g class=\"log-axis\">\n";
  for (const double k : ya.ticks) {
    const std::string py = detail::svg_num(detail::to_px(ya, k, bottom, top));
    out += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#dddddd\"/>\n",
                       detail::svg_num(left), py, detail::svg_num(right), py);
    out += fmt::format(
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" dominant-baseline=\"middle\">{}</text>\n",
        detail::svg_num(left - 6), py, detail::power_of_ten(static_cast<int>(k)));
  }
  out += "</g>\n";
  if (trend) {  // the part of the line inside the plot
    double x0 = xa.lo, x1 = xa.hi;
    if (trend->slope != 0) {
      const double at_lo = (ya.lo - trend->intercept) / trend->slope;
      const double at_hi = (ya.hi - trend->intercept) / trend->slope;
      x0 = std::max(x0, std::min(at_lo, at_hi));
      x1 = std::min(x1, std::max(at_lo, at_hi));
    }
    const double y0 = trend->slope * x0 + trend->intercept;
    if (x1 > x0 && std::isfinite(y0) && y0 >= ya.lo && y0 <= ya.hi)
      out += fmt::format(
          "<line class=\"trend\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" "
          "stroke-width=\"2\" stroke-dasharray=\"6 4\"/>\n",
          detail::svg_num(detail::to_px(xa, x0, left, right)),
          detail::svg_num(detail::to_px(ya, y0, bottom, top)),
          detail::svg_num(detail::to_px(xa, x1, left, right)),
          detail::svg_num(detail::to_px(ya, trend->slope * x1 + trend->intercept, bottom, top)),
          detail::series_color(1));
    const std::string row = detail::svg_num(bottom + 48);  // the legend: a dashed stroke, a name
    out += fmt::format(
        "<g class=\"legend\">\n<line x1=\"{0}\" y1=\"{2}\" x2=\"{1}\" y2=\"{2}\" stroke=\"{3}\" "
        "stroke-width=\"2\" stroke-dasharray=\"6 4\"/>\n<text x=\"{4}\" y=\"{2}\" "
        "dominant-baseline=\"middle\">{5}</text>\n</g>\n",
        detail::svg_num(left), detail::svg_num(left + 20), row, detail::series_color(1),
        detail::svg_num(left + 28), xml_escape(trend->label));
  }
  out += "<g class=\"points\" fill-opacity=\"0.9\">\n";
  std::vector<std::array<double, 3>> placed;  // labels so far: left x, baseline y, width
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double px = detail::to_px(xa, x[i], left, right);
    const double py = detail::to_px(ya, ly[i], bottom, top);
    out += fmt::format("<circle class=\"point\" cx=\"{}\" cy=\"{}\" r=\"4\" fill=\"{}\"/>\n",
                       detail::svg_num(px), detail::svg_num(py), detail::series_color(0));
    if (labels.empty()) continue;
    // Above right of the point, or below right when that would overlap a label already placed.
    const double w = detail::text_px(labels[i]);
    double ty = py - 6;
    for (const auto& [lx, ly_, lw] : placed)
      if (px + 7 < lx + lw && lx < px + 7 + w && std::abs(ty - ly_) < 13) ty = py + 16;
    placed.push_back({px + 7, ty, w});
    out += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\">{}</text>\n",
                       detail::svg_num(px + 7), detail::svg_num(ty), xml_escape(labels[i]));
  }
  out += "</g>\n";
  return out + detail::svg_end();
}

// ---- Saving -----------------------------------------------------------------------------------

// Write the document to `path`, whole or not at all (core/files.hpp write_file); throws
// aib::IoError "save_svg: '<path>': …" naming the path if it cannot.
inline void save_svg(const std::string& path, const std::string& svg) {
  write_file(path, svg, "save_svg");
}

}  // namespace aib::show
