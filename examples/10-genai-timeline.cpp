// Episode 10 — GenAI timeline: the models that made generative AI, with what their makers
// published about them, and the growth those numbers show.
//
// The facts live in examples/data/milestones.csv, one per row with the page it was read on and
// when (examples/common/milestones.hpp reads it strictly: a row without a source, a date that is
// not a date or a negative count is an error naming the file and line). Computed from them: the
// least-squares growth of published parameter counts per year (aib/core/fit.hpp, on log10 of the
// counts), training compute by the 6·N·D rule where N and D are both published, and a chart of
// the counts over time on a log scale (terminal, and SVG with --svg: show::svg_log_scatter).
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "aib/core/fit.hpp"
#include "aib/show/format.hpp"
#include "aib/show/narrative.hpp"
#include "aib/show/plot.hpp"
#include "aib/show/svg.hpp"
#include "aib/show/table.hpp"
#include "course_data.hpp"
#include "episode.hpp"
#include "episode_text.hpp"
#include "milestones.hpp"

namespace {

using aib::episode::Milestone;

// 117e6 -> "117 million", 1.5e9 -> "1.5 billion", 1.56e13 -> "15.6 trillion". Three significant
// digits at most, trailing zeros dropped; `short_names` gives "117M", "1.5B", "15.6T".
std::string count(double v, bool short_names = false) {
  const char* names[] = {"thousand", "million", "billion", "trillion"};
  const char* letters[] = {"K", "M", "B", "T"};
  int k = 0;
  double x = v / 1e3;
  while (k < 3 && x >= 1000) x /= 1000, ++k;
  std::string s = fmt::format("{:.{}f}", x, x >= 100 ? 0 : x >= 10 ? 1 : 2);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return short_names ? s + letters[k] : s + " " + names[k];
}

// A table cell: "175B", or "n/d" where the makers did not disclose the number.
std::string cell(const std::optional<double>& v) {
  return v ? count(*v, true) : "n/d";
}

// 3.15e23 -> "3.15e23".
std::string flop(double v) {
  const int e = static_cast<int>(std::floor(std::log10(v)));
  return fmt::format("{:.2f}e{}", v / std::pow(10.0, e), e);
}

}  // namespace

int main(int argc, char** argv) {
  aib::episode::Program ep(aib_embedded::episode_markdown);
  std::string milestones_file, svg_path;
  ep.flags()
      .add("--milestones", milestones_file,
           "CSV of facts: model,fact,value,date,source (default: the table built in, "
           "examples/data/milestones.csv)")
      .type_name("FILE");
  ep.flags()
      .add("--svg", svg_path, "Also draw the parameter counts over time into this SVG file")
      .type_name("FILE");

  return ep.run(argc, argv, [&](aib::episode::Context& ctx) {
    namespace show = aib::show;
    const std::string name =
        milestones_file.empty() ? "milestones.csv (built in)" : milestones_file;
    const std::vector<Milestone> models = aib::episode::parse_milestones(
        milestones_file.empty() ? std::string(aib_embedded::milestones)
                                : aib::episode::read_file(milestones_file, "--milestones"),
        name);

    // ---- The table --------------------------------------------------------------------------
    ctx.section("Milestones, as their makers published them");
    show::Table table({"released", "model", "by", "weights", "params", "tokens", "6·N·D", "src"});
    std::vector<std::string> sources;  // each distinct page gets a number
    for (const Milestone& m : models) {
      std::string refs;
      for (const std::string& s : m.sources) {
        auto it = std::find(sources.begin(), sources.end(), s);
        if (it == sources.end()) it = sources.insert(sources.end(), s);
        refs += (refs.empty() ? "" : ",") + std::to_string(it - sources.begin() + 1);
      }
      const std::optional<double> c = m.training_flop();
      table.add_row(
          {fmt::format("{:04d}-{:02d}-{:02d}", m.released.year, m.released.month, m.released.day),
           m.model, m.organisation, m.open_weights ? "open" : "closed", cell(m.params),
           cell(m.tokens), c ? flop(*c) : "-", refs});
    }
    show::print(table.render(ctx.style));
    fmt::print(
        "params: parameters; tokens: training tokens; n/d: not disclosed by the makers;\n"
        "6·N·D: training compute in FLOP (2 per parameter and token forward, 4 backward).\n");
    for (const Milestone& m : models)
      if (m.active_params)
        fmt::print(
            "{} is a mixture of experts: {} of its {}\n"
            "parameters work on each token, and 6·N·D counts those.\n",
            m.model, count(*m.active_params), count(*m.params));
    fmt::print("Sources (read on {}):\n", models.front().read_on);
    for (std::size_t k = 0; k < sources.size(); ++k) fmt::print("[{}] {}\n", k + 1, sources[k]);

    std::size_t undisclosed = 0;
    for (const Milestone& m : models) undisclosed += m.params ? 0 : 1;
    fmt::print("\n{} of {} models have a published parameter count; {} do not:\n{}.\n",
               models.size() - undisclosed, models.size(), undisclosed, [&] {
                 std::string s;
                 for (const Milestone& m : models)
                   if (!m.params) s += (s.empty() ? "" : ", ") + m.model;
                 return s;
               }());
    try {
      aib::episode::parse_milestones(
          "model,fact,value,date,source\nGPT-X,params,roughly 2e12,2026-12-03,https://a.rumour\n",
          "rumours.csv");
    } catch (const aib::IoError& e) {
      fmt::print("A rumour is not a published number; the reader refuses it:\n{}",
                 show::wrap(e.what(), std::min(ctx.style.width, 80), "  "));
    }

    // ---- Growth -----------------------------------------------------------------------------
    ctx.section("Growth of published parameter counts (least squares on log10)");
    std::vector<double> year, params, compute_year, compute;
    std::vector<std::string> named;  // the models with a published count, as `year` and `params`
    std::vector<std::string> compute_named;  // the models of `compute_year` and `compute`
    for (const Milestone& m : models) {
      if (m.params) {
        year.push_back(m.released.fractional_year());
        params.push_back(*m.params);
        named.push_back(m.model);
      }
      if (const auto c = m.training_flop())
        compute_year.push_back(m.released.fractional_year()), compute.push_back(*c),
            compute_named.push_back(m.model);
    }
    const aib::GrowthFit g = aib::fit_growth(year, params, "parameters per year");
    fmt::print("log10(parameters) = {:.3f} · year {} {:.1f}   ({} models, R² = {:.2f})\n",
               g.line.slope, g.line.intercept < 0 ? "-" : "+", std::abs(g.line.intercept), g.line.n,
               g.line.r2);
    fmt::print(
        "Published parameter counts grew {:.2f}x per year: they doubled every {:.1f} "
        "months.\n",
        g.factor_per_unit, 12 * g.doubling_units);
    const std::size_t top =
        static_cast<std::size_t>(std::max_element(params.begin(), params.end()) - params.begin());
    fmt::print("From {} ({}) to the largest, {} ({}):\n{:.0f} times as many in {:.1f} years.\n",
               named.front(), count(params.front()), named[top], count(params[top]),
               params[top] / params.front(), year[top] - year.front());
    if (compute.size() < 2) {  // another table (--milestones) may publish too little
      fmt::print("Training compute: {} model(s) with N and D published, too few for a fit.\n",
                 compute.size());
    } else {
      const aib::GrowthFit gc = aib::fit_growth(compute_year, compute, "training compute per year");
      const std::size_t most = static_cast<std::size_t>(
          std::max_element(compute.begin(), compute.end()) - compute.begin());
      fmt::print("The most compute, {}: {} FLOP, {:.0f} times the {} FLOP of {}.\n",
                 compute_named[most], flop(compute[most]), compute[most] / compute.front(),
                 flop(compute.front()), compute_named.front());
      fmt::print(
          "Training compute (6·N·D, {} models with N and D published) grew {:.2f}x per "
          "year,\ndoubling every {:.1f} months (R² = {:.2f}).\n",
          gc.line.n, gc.factor_per_unit, 12 * gc.doubling_units, gc.line.r2);
    }

    // ---- The chart --------------------------------------------------------------------------
    ctx.section("Published parameter counts over time, log scale");
    std::vector<double> logs;
    for (const double p : params) logs.push_back(std::log10(p));
    std::vector<double> since;  // years since 2018-01-01: the terminal's axis labels stay short
    for (const double y : year) since.push_back(y - 2018);
    fmt::print("y: log10(parameters) (8 = 100 million, 11 = 100 billion); x: years since 2018\n");
    show::print(show::scatter(since, logs, {}, ctx.style, 60, 12));
    if (!svg_path.empty()) {
      const show::LogTrend trend{
          g.line.slope, g.line.intercept,
          fmt::format("least squares: {:.2f}x per year, doubling every {:.1f} months (R² = {:.2f})",
                      g.factor_per_unit, 12 * g.doubling_units, g.line.r2)};
      show::save_svg(svg_path,
                     show::svg_log_scatter(year, params, named,
                                           "Published parameter counts by release date", trend));
      fmt::print("(chart written to {})\n", svg_path);
    }
  });
}
