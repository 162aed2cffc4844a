// Tests for aib/show/columns.hpp: blocks side by side, fixed-scale bars, binary sizes, percent,
// nonzero patterns and binned means.
#include <string>
#include <vector>

#include "catch.hpp"
#include "test_helpers.hpp"

#include "aib/show/columns.hpp"
#include "aib/show/plot.hpp"

using aib::show::Style;
using aib_test::message_of;

TEST_CASE("lines_of splits on newlines, with or without a last one", "[show][columns]") {
  using aib::show::lines_of;
  CHECK(lines_of("a\nbb\n") == std::vector<std::string>{"a", "bb"});
  CHECK(lines_of("a\n\nc") == std::vector<std::string>{"a", "", "c"});
  CHECK(lines_of("").empty());
}

TEST_CASE("side_by_side pads the left block and continues the shorter one", "[show][columns]") {
  using aib::show::side_by_side;
  CHECK(side_by_side("a\nbb\n", "x\n", 4) == "a   x\nbb\n");
  CHECK(side_by_side("a\n", "x\ny\n", 3) == "a  x\n   y\n");
  CHECK(side_by_side("é\n", "x\n", 2) == "é x\n");  // padded by display width, not bytes
  CHECK(message_of([] { side_by_side("a", "b", -1); }) ==
        "side_by_side: width = -1, expected at least 0");
}

TEST_CASE("matrices_side_by_side aligns each matrix under its name", "[show][columns]") {
  aib::Mat a(2, 2), b(2, 1);  // (2, 2), (2, 1)
  a << 1.f, 10.f, -2.f, 0.f;
  b << 0.5f, 0.3f;
  const std::string out = aib::show::matrices_side_by_side({{"A", a}, {"b", b}}, {"x", "yy"}, 1);
  CHECK(out ==
        "       A             b\n"
        "x       1.0 10.0     0.5\n"
        "yy     -2.0  0.0     0.3\n");
  CHECK(message_of([&] {
          aib::show::matrices_side_by_side({{"A", a}}, {"x"}, 0);
        }) == "matrices_side_by_side: 'A' has 2 rows but there are 1 row labels");
  CHECK(message_of([] { aib::show::matrices_side_by_side({}, {}, 0); }) ==
        "matrices_side_by_side: no matrices");
}

TEST_CASE("nonzero_pattern marks exact zeros only", "[show][columns]") {
  aib::Mat m(2, 3);  // (2, 3)
  m << 1.f, 0.f, 1e-30f, 0.f, -2.f, 0.f;
  CHECK(aib::show::nonzero_pattern(m) == std::vector<std::string>{"■ · ■", "· ■ ·"});
  CHECK(aib::show::nonzero_pattern(m, "x", ".") == std::vector<std::string>{"x . x", ". x ."});
}

TEST_CASE("bar_chart_to_scale draws against the full scale, not the largest value",
          "[show][columns]") {
  using aib::show::bar_chart_to_scale;
  CHECK(bar_chart_to_scale({"a", "b"}, {0.5, 0.25}, 1.0, Style{}, 4, 2) ==
        "a  ██    0.50\nb  █     0.25\n");
  // A full value fills the bar; the same values scaled by bar_chart would both grow.
  CHECK(bar_chart_to_scale({"p"}, {1.0}, 1.0, Style{}, 4, 1) == "p  ████  1.0\n");
  CHECK(aib::show::bar_chart({"p"}, {0.5}, Style{}, 4, 1) == "p  ████  0.5\n");
  CHECK(bar_chart_to_scale({"p"}, {0.5}, 1.0, Style{}, 4, 1) == "p  ██    0.5\n");
  // Eighths of a character: 0.0625 of 2 characters is one eighth.
  CHECK(bar_chart_to_scale({"q"}, {0.0625}, 1.0, Style{}, 2, 2) == "q  ▏   0.06\n");
  CHECK(message_of([] { bar_chart_to_scale({"a"}, {1.5}, 1.0, Style{}); }) ==
        "bar_chart_to_scale: values[0] = 1.5 is outside [0, 1]");
  CHECK(message_of([] { bar_chart_to_scale({"a"}, {0.5}, 0.0, Style{}); }) ==
        "bar_chart_to_scale: full = 0; the full scale must be finite and > 0");
  CHECK(message_of([] {
          bar_chart_to_scale({"a", "b"}, {0.5}, 1.0, Style{});
        }) == "bar_chart_to_scale: 2 labels but 1 values; they must match");
}

TEST_CASE("binary sizes use powers of 1024", "[show][columns]") {
  using aib::show::binary_size;
  using aib::show::gib;
  CHECK(binary_size(512) == "512 B");
  CHECK(binary_size(1024) == "1.0 KiB");
  CHECK(binary_size(4.0 * 256 * 256) == "256.0 KiB");
  CHECK(binary_size(1073741824.0) == "1.0 GiB");
  CHECK(binary_size(1536.0 * 1048576.0, 2) == "1.50 GiB");
  CHECK(gib(2 * 6738415616.0) == "12.55 GiB");
  CHECK(gib(536870912.0, 1) == "0.5 GiB");
  CHECK(message_of([] { binary_size(-1); }) ==
        "binary_size: -1 bytes; expected a finite count >= 0");
  CHECK(message_of([] { gib(-2); }) == "gib: -2 bytes; expected a finite count >= 0");
}

TEST_CASE("percent, mean ± sd and binned_means", "[show][columns]") {
  CHECK(aib::show::mean_pm_sd({1, 2, 3}, 2) == "2.00 ± 1.00");
  CHECK(aib::show::mean_pm_sd({0.5}, 1) == "0.5 ± 0.0");  // one value: no spread
  CHECK(message_of([] { aib::show::mean_pm_sd({}, 1); }) == "mean_pm_sd: no values");
  CHECK(aib::show::percent(0.1234) == "12.3%");
  CHECK(aib::show::percent(1.0, 0) == "100%");
  CHECK(aib::show::percent(-0.00001) == "0.0%");  // never "-0.0%"
  CHECK(aib::show::binned_means({1, 2, 3, 4, 5}, 2) == std::vector<double>{1.5, 3.5, 5});
  CHECK(aib::show::binned_means({}, 3).empty());
  CHECK(message_of([] { aib::show::binned_means({1}, 0); }) ==
        "binned_means: per_bin = 0, expected at least 1");
}
