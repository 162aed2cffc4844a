// Tests for aib/show/plot.hpp: sparkline, bar chart, heatmap and scatter, in plain and colour mode.
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "catch.hpp"
#include "test_helpers.hpp"

#include "aib/core/types.hpp"
#include "aib/show/plot.hpp"

using aib::show::Style;

using aib_test::lines;
using aib_test::message_of;

namespace {

const double NaN = std::numeric_limits<double>::quiet_NaN();

int widest_line(const std::string& text) {
  int widest = 0;
  for (const std::string& line : lines(text))
    widest = std::max(widest, aib::show::display_width(line));
  return widest;
}

// The characters of a plain (escape-free) line, one string per code point.
std::vector<std::string> chars(const std::string& line) {
  return aib::show::detail::code_points(line);
}

// The cell area of each heatmap grid row: the characters between the frame's two "│".
std::vector<std::vector<std::string>> heatmap_cells(const std::string& plot) {
  std::vector<std::vector<std::string>> grid;
  for (const std::string& line : lines(plot)) {
    const std::vector<std::string> c = chars(line);
    std::vector<std::size_t> bars;
    for (std::size_t k = 0; k < c.size(); ++k)
      if (c[k] == "│") bars.push_back(k);
    if (bars.size() == 2) grid.emplace_back(c.begin() + bars[0] + 1, c.begin() + bars[1]);
  }
  return grid;
}

bool is_shade(const std::string& c) {
  return c == " " || c == "░" || c == "▒" || c == "▓" || c == "█";
}

}  // namespace

// ---- sparkline
// ------------------------------------------------------------------------------------

TEST_CASE("sparkline maps min..max onto the eight bar heights") {
  using aib::show::sparkline;
  CHECK(sparkline({0, 1, 2, 3, 4, 5, 6, 7}) == "▁▂▃▄▅▆▇█");
  CHECK(sparkline({7, 6, 5, 4, 3, 2, 1, 0}) == "█▇▆▅▄▃▂▁");
  CHECK(sparkline({10, 20}) == "▁█");
  // (v - min) / (max - min) · 7 rounded: 0.5 · 7 = 3.5 -> 4 (▅), 0.2 · 7 = 1.4 -> 1 (▂).
  CHECK(sparkline({0, 0.5, 1, 0.2}) == "▁▅█▂");
  CHECK(sparkline({-3, -1, -2}) == "▁█▅");
}

TEST_CASE("sparkline: constant series, gaps for non-finite values, empty input") {
  using aib::show::sparkline;
  CHECK(sparkline({2, 2, 2}) == "▄▄▄");
  CHECK(sparkline({1, NaN, 3}) == "▁ █");
  CHECK(sparkline({std::numeric_limits<double>::infinity(), 0, 1}) == " ▁█");
  CHECK(sparkline({NaN, NaN}) == "  ");
  CHECK(sparkline({}).empty());
  CHECK(sparkline({1e308, -1e308, 0}) == "█▁▅");  // no overflow in max - min
}

// ---- bar_chart
// ------------------------------------------------------------------------------------

TEST_CASE("bar_chart: exact output for a small case") {
  // 1.0 fills the 4 cells; 0.3 · 4 · 8 = 9.6 -> 10 eighths = one full block and ▎ (2/8).
  CHECK(aib::show::bar_chart({"a", "bb"}, {1.0, 0.3}, Style{}, 4, 2) ==
        "a   ████  1.00\n"
        "bb  █▎    0.30\n");
  CHECK(aib::show::bar_chart({"x", "y", "z"}, {0.0, 2.0, 1.0}, Style{}, 8, 1) ==
        "x            0.0\n"
        "y  ████████  2.0\n"
        "z  ████      1.0\n");
  // All zero: no bars at all, values still printed.
  CHECK(aib::show::bar_chart({"a"}, {0.0}, Style{}, 3, 0) == "a       0\n");
  CHECK(aib::show::bar_chart({}, {}, Style{}).empty());
}

TEST_CASE("bar_chart: every eighth of a block is reachable") {
  std::vector<std::string> labels;
  std::vector<double> values;
  for (int e = 0; e <= 8; ++e) {
    labels.push_back(std::to_string(e));
    values.push_back(e / 8.0);  // e eighths of a one-cell bar
  }
  const std::vector<std::string> out = lines(aib::show::bar_chart(labels, values, Style{}, 1, 3));
  const char* ends[] = {" ", "▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"};
  REQUIRE(out.size() == 9);
  for (int e = 0; e <= 8; ++e) CHECK(chars(out[e])[3] == ends[e]);
}

TEST_CASE("bar_chart refuses mismatched sizes, negative and non-finite values") {
  using aib::show::bar_chart;
  CHECK(message_of([] {
          bar_chart({"a", "b"}, {1, 2, 3}, Style{});
        }) == "bar_chart: 2 labels but 3 values; they must match");
  CHECK(message_of([] {
          bar_chart({"a", "b"}, {1, -0.5}, Style{});
        }) ==
        "bar_chart: values[1] = -0.5 is negative; bars grow from zero (chart v - min(v) or |v| "
        "instead)");
  CHECK(message_of([] { bar_chart({"a"}, {NaN}, Style{}); }) ==
        "bar_chart: values[0] is nan; every bar needs a finite value");
  CHECK(message_of([] { bar_chart({"a"}, {1}, Style{}, 0); }) ==
        "bar_chart: bar_width = 0, expected at least 1");
}

TEST_CASE("bar_chart fits the width: bars narrow, then labels are cut") {
  const std::vector<std::string> labels = {
      "a label that is far too long for a forty column terminal", "b"};
  for (int width : {40, 60, 80}) {
    const std::string out = aib::show::bar_chart(labels, {3.0, 1.5}, Style{false, width}, 40, 3);
    INFO(out);
    CHECK(widest_line(out) <= width);
    CHECK(out.find("3.000") != std::string::npos);
  }
  const std::string colored = aib::show::bar_chart({"a", "b"}, {3.0, 1.5}, Style{true, 40});
  CHECK(colored.find("\x1b[36m") != std::string::npos);
  CHECK(widest_line(colored) <= 40);
}

// ---- heatmap
// --------------------------------------------------------------------------------------

TEST_CASE("heatmap: two shade characters per cell, min lightest, max darkest") {
  aib::MatD m(3, 4);  // (3, 4), values 0 .. 11
  for (int i = 0; i < 12; ++i) m(i / 4, i % 4) = i;
  const std::string out = aib::show::heatmap(m, {"r0", "r1", "r2"}, {"a", "b", "c", "d"}, Style{});
  INFO(out);
  const std::vector<std::vector<std::string>> cells = heatmap_cells(out);
  REQUIRE(cells.size() == 3);
  int shades = 0;
  for (const std::vector<std::string>& row : cells) {
    CHECK(row.size() == 8);  // 2 characters × 4 columns
    for (const std::string& c : row) shades += is_shade(c);
  }
  CHECK(shades == 2 * 3 * 4);
  CHECK(cells[0][0] + cells[0][1] == "  ");  // the min, 0: lightest
  CHECK(cells[2][6] + cells[2][7] == "██");  // the max, 11: darkest
  // 5 equal bins of (max - min) / 5 = 2.2: value 5 -> t = 0.45 -> bin 2 (▒).
  CHECK(cells[1][2] + cells[1][3] == "▒▒");
  CHECK(out.find('\x1b') == std::string::npos);
  CHECK(out.find("[  ] 0.00–2.20") != std::string::npos);  // the legend: shade = range
  CHECK(out.find("[██] 8.80–11.00") != std::string::npos);
  CHECK(widest_line(out) <= 80);
}

TEST_CASE("heatmap: exact picture of a small matrix") {
  aib::MatD m(2, 3);
  m << 0, 0.5, 1,  //
      0.25, 0.75, 0.1;
  CHECK(aib::show::heatmap(m, {"first", "second"}, {}, Style{}) ==
        "        0 1 2\n"
        "       ┌──────┐\n"
        "first  │  ▒▒██│\n"
        "second │░░▓▓  │\n"
        "       └──────┘\n"
        "[  ] 0.00–0.20  [░░] 0.20–0.40  [▒▒] 0.40–0.60  [▓▓] 0.60–0.80  [██] 0.80–1.00\n");
}

TEST_CASE("heatmap: long column labels read downwards") {
  aib::MatD m = aib::MatD::Identity(3, 3);
  const std::vector<std::string> tokens = {"The", "cat", "naïve"};
  const std::vector<std::string> out = lines(aib::show::heatmap(m, tokens, tokens, Style{}));
  REQUIRE(out.size() >= 5);
  CHECK(out[0] == "       T c n");
  CHECK(out[1] == "       h a a");
  CHECK(out[2] == "       e t ï");
  CHECK(out[3] == "           v");
  CHECK(out[4] == "           e");
  CHECK(out[5] == "      ┌──────┐");
  CHECK(out[6] == "The   │██    │");
}

TEST_CASE("heatmap: colour mode uses 256-colour backgrounds, plain mode none") {
  aib::MatD m(2, 2);
  m << 0, 1, 2, 3;
  const std::string plain = aib::show::heatmap(m, {}, {}, Style{false, 80});
  const std::string color = aib::show::heatmap(m, {}, {}, Style{true, 80});
  CHECK(plain.find('\x1b') == std::string::npos);
  CHECK(color.find("\x1b[48;5;53m  \x1b[0m") != std::string::npos);   // min: the darkest colour
  CHECK(color.find("\x1b[48;5;226m  \x1b[0m") != std::string::npos);  // max: the brightest
  CHECK(widest_line(color) <= 80);
}

TEST_CASE("heatmap: given scale, constant matrix, non-finite cells, float matrices") {
  using aib::show::heatmap;
  aib::MatD m(1, 2);
  m << 0.5, 1.5;
  const std::string scaled = heatmap(m, {}, {}, Style{}, 0.0, 10.0);
  CHECK(heatmap_cells(scaled)[0][2] == " ");  // 1.5 is low on a 0..10 scale
  CHECK(scaled.find("[██] 8.00–10.00") != std::string::npos);
  CHECK(scaled.find("data: min 0.50, max 1.50") != std::string::npos);
  const std::string clamped = heatmap(m, {}, {}, Style{}, 0.0, 1.0);
  CHECK(heatmap_cells(clamped)[0][2] == "█");
  CHECK(clamped.find("values beyond the scale") != std::string::npos);

  const std::string constant = heatmap(aib::MatD::Constant(2, 2, 3.0), {}, {}, Style{});
  CHECK(heatmap_cells(constant)[0][0] == "▒");
  CHECK(constant.find("every cell is 3.00") != std::string::npos);

  aib::MatD holes(1, 3);
  holes << 0, NaN, 1;
  const std::string with_nan = heatmap(holes, {}, {}, Style{});
  CHECK(heatmap_cells(with_nan)[0][2] + heatmap_cells(with_nan)[0][3] == "··");
  CHECK(with_nan.find("[··] not finite") != std::string::npos);

  aib::Mat f(2, 2);  // float works too, and an expression
  f << 0.f, 1.f, 2.f, 3.f;
  CHECK(heatmap(f, {}, {}, Style{}) == heatmap(f.cast<double>().eval(), {}, {}, Style{}));
  CHECK(heatmap(f.topRows(1), {}, {}, Style{}) ==
        heatmap(aib::MatD(f.cast<double>().topRows(1)), {}, {}, Style{}));
}

TEST_CASE("heatmap errors name the counts and the matrix shape") {
  using aib::show::heatmap;
  const aib::MatD m = aib::MatD::Zero(3, 4);
  CHECK(message_of([&] {
          heatmap(m, {"a", "b"}, {}, Style{});
        }) == "heatmap: 2 row labels for a matrix of shape (3, 4); expected 3 (or none)");
  CHECK(message_of([&] {
          heatmap(m, {}, {"a", "b", "c", "d", "e"}, Style{});
        }) == "heatmap: 5 column labels for a matrix of shape (3, 4); expected 4 (or none)");
  CHECK(message_of([&] { heatmap(aib::MatD(0, 3), {}, {}, Style{}); }) ==
        "heatmap: the matrix has shape (0, 3): no cells to draw");
  CHECK(message_of([&] { heatmap(m, {}, {}, Style{}, 2.0, 1.0); }) ==
        "heatmap: the scale runs from 2 down to 1; vmin must not exceed vmax");
  CHECK(message_of([&] { heatmap(m, {}, {}, Style{}, std::nullopt, NaN); }) ==
        "heatmap: vmax = nan must be finite");
}

TEST_CASE("heatmap fits the width: long row labels are cut") {
  const aib::MatD m = aib::MatD::Random(4, 16);
  const std::vector<std::string> rows = {"a rather long row label", "b", "c", "d"};
  for (int width : {40, 60, 80}) {
    for (bool color : {false, true}) {
      const std::string out = aib::show::heatmap(m, rows, {}, Style{color, width});
      INFO(out);
      CHECK(widest_line(out) <= width);
      CHECK(heatmap_cells(out).size() == 4);
    }
  }
}

// ---- scatter
// --------------------------------------------------------------------------------------

TEST_CASE("scatter puts each glyph in the expected grid cell") {
  // x and y in [0, 1] on an 11 × 5 grid: column = round(x · 10), row = 4 - round(y · 4).
  const std::vector<double> x = {0, 1, 0.5, 0.5, 0.3};
  const std::vector<double> y = {0, 1, 0.5, 0.5, 0.75};
  const std::vector<int> group = {0, 1, 0, 1, 1};
  const std::string out = aib::show::scatter(x, y, group, Style{}, 11, 5);
  INFO(out);
  const std::vector<std::string> rows = lines(out);
  REQUIRE(rows.size() >= 7);
  const std::size_t axis = 3;  // "  1 ┤": label width 1, then " ┤"
  auto at = [&](int row, int col) {
    const std::vector<std::string> c = chars(rows[row]);
    return axis + col < c.size() ? c[axis + col] : std::string(" ");
  };
  CHECK(at(4, 0) == "o");   // (0, 0), group 0: bottom left
  CHECK(at(0, 10) == "x");  // (1, 1), group 1: top right
  CHECK(at(2, 5) == "#");   // both groups at (0.5, 0.5)
  CHECK(at(1, 3) == "x");   // (0.3, 0.75)
  CHECK(rows[0] == "1 ┤          x");
  CHECK(rows[4] == "0 ┤o");
  CHECK(rows[5] == "  └───────────");
  CHECK(rows[6] == "   0         1");
  CHECK(rows[7] == "   o group 0 (2)  x group 1 (3)  # several groups");
}

TEST_CASE("scatter: one group when group is empty, non-finite points counted, degenerate ranges") {
  using aib::show::scatter;
  const std::string single = scatter({0, 1, 2}, {2, 1, 0}, {}, Style{}, 3, 3);
  CHECK(lines(single)[0] == "2 ┤o");
  CHECK(lines(single)[1] == "  │ o");
  CHECK(lines(single)[2] == "0 ┤  o");
  CHECK(single.find("o 3 points") != std::string::npos);

  const std::string holes =
      scatter({0, NaN, 1}, {0, 1, std::numeric_limits<double>::infinity()}, {}, Style{}, 5, 3);
  CHECK(holes.find("o 1 point ") != std::string::npos);
  CHECK(holes.find("2 not finite, not drawn") != std::string::npos);

  // All x equal: the range widens to x ± 1 and the points land in the middle column.
  const std::vector<std::string> flat = lines(scatter({5, 5}, {0, 1}, {}, Style{}, 5, 2));
  CHECK(flat[0] == "1 ┤  o");
  CHECK(flat[1] == "0 ┤  o");
  CHECK(flat[3] == "   4   6");
}

TEST_CASE("scatter errors: sizes, groups, grid") {
  using aib::show::scatter;
  CHECK(message_of([] {
          scatter({1, 2}, {1}, {}, Style{});
        }) == "scatter: x has 2 values but y has 1; they must match");
  CHECK(message_of([] {
          scatter({1, 2}, {1, 2}, {0}, Style{});
        }) == "scatter: group has 1 entries for 2 points; expected one per point (or none)");
  CHECK(message_of([] { scatter({1}, {1}, {}, Style{}, 1, 5); }) ==
        "scatter: a 1x5 grid is too small; expected at least 2x2");
  std::vector<double> x(9, 0.0);
  std::vector<int> g = {0, 1, 2, 3, 4, 5, 6, 7, 8};
  CHECK(message_of([&] { scatter(x, x, g, Style{}); }) ==
        "scatter: 9 groups but only 8 glyphs (ox+*^%=~); merge groups or use svg_scatter");
}

TEST_CASE("scatter fits the width and colours glyphs only in colour mode") {
  std::vector<double> x, y;
  std::vector<int> g;
  for (int i = 0; i < 200; ++i) {
    x.push_back(std::cos(i * 0.1) * (1 + i % 3) * 1000.5);
    y.push_back(std::sin(i * 0.1) * (1 + i % 3) * -0.00123);
    g.push_back(i % 3);
  }
  for (int width : {40, 80}) {
    for (bool color : {false, true}) {
      const std::string out = aib::show::scatter(x, y, g, Style{color, width});
      INFO(out);
      CHECK(widest_line(out) <= width);
      CHECK((out.find('\x1b') != std::string::npos) == color);
    }
  }
}
