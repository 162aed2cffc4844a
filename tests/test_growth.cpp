// Tests for aib/core/fit.hpp (least-squares lines, exponential growth on log10) and episode 10's
// milestones reader (examples/common/milestones.hpp): values computed by hand, and bad input
// refused with the file and line named.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "catch.hpp"

#include "../examples/common/milestones.hpp"
#include "aib/core/fit.hpp"
#include "aib/show/svg.hpp"

namespace test_growth {

using Catch::Matchers::Contains;

TEST_CASE("fit_line recovers an exact line and scores it r2 = 1") {
  const aib::LineFit f = aib::fit_line({0, 1, 2, 3}, {1, 3, 5, 7});  // y = 2x + 1
  CHECK(f.slope == Approx(2.0).margin(1e-12));
  CHECK(f.intercept == Approx(1.0).margin(1e-12));
  CHECK(f.r2 == Approx(1.0).margin(1e-12));
  CHECK(f.n == 4);
  CHECK(f.at(10) == Approx(21.0));
}

TEST_CASE("fit_line matches a least-squares fit worked by hand") {
  // x̄ = 1.5, ȳ = 2.75; Σdx·dy = 5.5, Σdx² = 5 -> slope 1.1, intercept 2.75 - 1.65 = 1.1.
  // Residuals -0.1, 0.8, -1.3, 0.6: SSE = 2.7; Σdy² = 8.75 -> r² = 1 - 2.7 / 8.75.
  const aib::LineFit f = aib::fit_line({0, 1, 2, 3}, {1, 3, 2, 5});
  CHECK(f.slope == Approx(1.1).epsilon(1e-12));
  CHECK(f.intercept == Approx(1.1).epsilon(1e-12));
  CHECK(f.r2 == Approx(1 - 2.7 / 8.75).epsilon(1e-12));
}

TEST_CASE("fit_line keeps its digits for x values like calendar years") {
  // The hand-worked case moved to x = 2020 .. 2023: the slope and r² must not change, and the
  // intercept moves by -slope · 2020. Uncentred sums of x² ≈ 1.6e7 would lose digits here.
  const aib::LineFit f = aib::fit_line({2020, 2021, 2022, 2023}, {1, 3, 2, 5});
  CHECK(f.slope == Approx(1.1).epsilon(1e-10));
  CHECK(f.intercept == Approx(1.1 - 1.1 * 2020).epsilon(1e-10));
  CHECK(f.r2 == Approx(1 - 2.7 / 8.75).epsilon(1e-10));
}

TEST_CASE("fit_line: a constant y is a flat line that explains everything") {
  const aib::LineFit f = aib::fit_line({1, 2, 3}, {4, 4, 4});
  CHECK(f.slope == 0.0);
  CHECK(f.intercept == Approx(4.0));
  CHECK(f.r2 == 1.0);
}

TEST_CASE("fit_line refuses input that defines no line") {
  CHECK_THROWS_WITH(aib::fit_line({1, 2}, {1}), Contains("x has 2 values but y has 1"));
  CHECK_THROWS_WITH(aib::fit_line({1}, {1}), Contains("a line needs at least 2"));
  CHECK_THROWS_WITH(aib::fit_line({3, 3, 3}, {1, 2, 3}), Contains("all 3 points share x = 3"));
  CHECK_THROWS_WITH(aib::fit_line({1, 2}, {1, std::nan("")}, "my fit"),
                    Contains("my fit: point 1") && Contains("must be finite"));
}

TEST_CASE("fit_growth reads a doubling per unit off a power of two") {
  const aib::GrowthFit g = aib::fit_growth({0, 1, 2, 3, 4}, {1, 2, 4, 8, 16});
  CHECK(g.factor_per_unit == Approx(2.0).epsilon(1e-12));
  CHECK(g.doubling_units == Approx(1.0).epsilon(1e-12));
  CHECK(g.line.r2 == Approx(1.0).margin(1e-12));
  // Ten times per year is a doubling every log10(2) years, 3.61 months.
  const aib::GrowthFit t = aib::fit_growth({2020, 2021, 2022}, {1e9, 1e10, 1e11});
  CHECK(t.factor_per_unit == Approx(10.0).epsilon(1e-9));
  CHECK(12 * t.doubling_units == Approx(12 * std::log10(2.0)).epsilon(1e-9));
}

TEST_CASE("fit_growth: shrinking halves, flat never doubles, and no count may be zero") {
  const aib::GrowthFit s = aib::fit_growth({0, 1, 2}, {8, 4, 2});
  CHECK(s.factor_per_unit == Approx(0.5).epsilon(1e-12));
  CHECK(s.doubling_units == Approx(-1.0).epsilon(1e-12));
  const aib::GrowthFit flat = aib::fit_growth({0, 1}, {5, 5});
  CHECK(flat.doubling_units == std::numeric_limits<double>::infinity());
  CHECK_THROWS_WITH(aib::fit_growth({0, 1}, {1, 0}), Contains("y[1] = 0"));
  CHECK_THROWS_WITH(aib::fit_growth({0, 1}, {-3, 1}), Contains("must be positive"));
}

// ---- The log-scale chart -----------------------------------------------------------------------

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST_CASE("svg_log_scatter: powers of ten on y, a point and a label each, the trend dashed") {
  const std::vector<double> x = {2018.5, 2020.4, 2024.9};
  const std::vector<double> y = {1.17e8, 1.75e11, 6.71e11};
  const std::string svg = aib::show::svg_log_scatter(
      x, y, {"GPT-1", "<GPT-3>", "DeepSeek-V3"}, "Sizes", aib::show::LogTrend{0.4, -799, "fit"});
  // log10 y spans 8.07 .. 11.83: ticks 10⁸ .. 10¹², five grid lines, no others.
  for (const char* tick : {"10⁸", "10⁹", "10¹⁰", "10¹¹", "10¹²"})
    CHECK(occurrences(svg, tick) == 1);
  CHECK(occurrences(svg, "10⁷") == 0);
  CHECK(occurrences(svg, "10¹³") == 0);
  CHECK(occurrences(svg, "<circle class=\"point\"") == 3);
  CHECK(occurrences(svg, "&lt;GPT-3&gt;") == 1);  // labels are escaped
  CHECK(occurrences(svg, "class=\"trend\"") == 1);
  CHECK(occurrences(svg, "stroke-dasharray") == 2);  // the line and its legend sample
  CHECK(svg.find("\"nan") == std::string::npos);     // no NaN coordinate ("dominant" has "nan")
  CHECK(svg.rfind("</svg>\n") == svg.size() - 7);
  // A trend entirely outside the plot draws no line (its legend entry stays).
  const std::string off =
      aib::show::svg_log_scatter(x, y, {}, "t", aib::show::LogTrend{0, 20, "far above"});
  CHECK(occurrences(off, "class=\"trend\"") == 0);
  CHECK(occurrences(off, "far above") == 1);
  CHECK(occurrences(off, "<text x") == occurrences(svg, "<text x") - 3);  // no point labels
}

TEST_CASE("svg_log_scatter: a count of zero has no place on a log axis") {
  CHECK_THROWS_WITH(aib::show::svg_log_scatter({1, 2}, {1e9, 0}, {}, "t"),
                    Contains("point 1 is (2, 0)") && Contains("y > 0"));
  CHECK_THROWS_WITH(aib::show::svg_log_scatter({1, 2}, {1e9}, {}, "t"),
                    Contains("x has 2 values but y has 1"));
  CHECK_THROWS_WITH(aib::show::svg_log_scatter({1}, {1e9}, {"a", "b"}, "t"),
                    Contains("2 labels for 1 points"));
  CHECK_THROWS_WITH(aib::show::svg_log_scatter({}, {}, {}, "t"), Contains("no points"));
}

// ---- The milestones table ---------------------------------------------------------------------

const std::string header = "model,fact,value,date,source\n";
const std::string src = ",2026-12-03,https://example.com/page\n";

std::string model_rows(const std::string& model, const std::string& params,
                       const std::string& tokens, const std::string& released = "2020-05-28") {
  return model + ",released," + released + src + model + ",organisation,Lab" + src + model +
         ",weights,open" + src + model + ",params," + params + src + model + ",tokens," + tokens +
         src;
}

TEST_CASE("milestones: facts assemble into models sorted by release, with 6·N·D") {
  const std::string text =
      header + "# a comment\n" + model_rows("Later", "2e9", "not disclosed", "2022-01-01") + "\n" +
      model_rows("Earlier", "1e9", "3e11", "2019-07-02") + "Earlier,active_params,5e8" + src;
  const auto models = aib::episode::parse_milestones(text, "m.csv");
  REQUIRE(models.size() == 2);
  CHECK(models[0].model == "Earlier");
  CHECK(models[0].released.year == 2019);
  CHECK(models[0].open_weights);
  REQUIRE(models[0].training_flop());
  CHECK(*models[0].training_flop() == Approx(6 * 5e8 * 3e11));  // active parameters count
  CHECK(models[1].model == "Later");
  CHECK_FALSE(models[1].tokens);
  CHECK_FALSE(models[1].training_flop());
  CHECK(models[1].sources == std::vector<std::string>{"https://example.com/page"});
}

TEST_CASE("milestones: bad rows are errors naming the file and the line") {
  const auto parse = [](const std::string& text) {
    return aib::episode::parse_milestones(text, "m.csv");
  };
  // Line 2 is the first row after the header.
  CHECK_THROWS_WITH(parse(header + "GPT-1,params,117e6,2026-12-03\n"),
                    Contains("m.csv:2:") && Contains("expected 5 comma-separated fields"));
  CHECK_THROWS_WITH(parse(header + "GPT-1,params,117e6,2026-12-03,\n"),
                    Contains("m.csv:2: column 'source'"));
  CHECK_THROWS_WITH(parse(model_rows("M", "1e9", "1e10", "2020-02-30")),
                    Contains("m.csv:1:"));  // no header line: the first row is refused
  CHECK_THROWS_WITH(parse(header + model_rows("M", "1e9", "1e10", "2020-02-30")),
                    Contains("m.csv:2: column 'value': '2020-02-30' is not a real date"));
  CHECK_THROWS_WITH(parse(header + model_rows("M", "-7e9", "1e10")),
                    Contains("m.csv:5: column 'value'") && Contains("must be positive"));
  CHECK_THROWS_WITH(parse(header + model_rows("M", "about 7e9", "1e10")),
                    Contains("m.csv:5: column 'value': 'about 7e9' is neither a number"));
  CHECK_THROWS_WITH(parse(header + model_rows("M", "1e9", "1e10") + "M,params,2e9" + src),
                    Contains("m.csv:7:") && Contains("given twice (also on line 5)"));
  CHECK_THROWS_WITH(parse(header + "M,weights,open" + src),
                    Contains("m.csv:2: M has no 'released' row"));
  CHECK_THROWS_WITH(parse(header + "M,size,big" + src), Contains("m.csv:2: column 'fact'"));
  CHECK_THROWS_WITH(parse(header + model_rows("M", "1e9", "1e10") + "M,active_params,2e9" + src),
                    Contains("m.csv:2: M uses 2000000000 parameters per token but has 1000000000"));
}

TEST_CASE("milestones: the course's own table reads, every model with a source") {
  const auto models = aib::episode::parse_milestones(
      aib::read_file(std::string(AIB_SOURCE_DIR) + "/examples/data/milestones.csv", "test"),
      "milestones.csv");
  CHECK(models.size() >= 10);
  for (const auto& m : models) {
    INFO(m.model);
    CHECK_FALSE(m.sources.empty());
    CHECK(m.released.year >= 2018);
  }
}

}  // namespace test_growth
