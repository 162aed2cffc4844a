// milestones.hpp — episode 10's timeline of generative models (examples/data/milestones.csv),
// read strictly through sourced_table.hpp.
//
// One fact per row, each with the day it was read and the page it was read on:
//   model,fact,value,date,source
//   GPT-3,params,175e9,2026-12-03,https://...
// Facts: `released` (YYYY-MM-DD), `organisation`, `weights` (open or closed), `params` and
// `tokens` (a positive number, or "not disclosed"), and optionally `active_params` (a mixture of
// experts: the parameters used per token, at most `params`). Every model needs the first five
// exactly once. Errors name the file and line (or the model's first line when a fact is missing).
// Leaves out: facts other than these, several values of one fact (e.g. a family of sizes: one
// row names one model).
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/core.h>

#include "aib/core/check.hpp"
#include "sourced_table.hpp"

namespace aib::episode {

struct Milestone {
  std::string model, organisation;
  bool open_weights = false;
  Date released;
  std::optional<double> params, active_params, tokens;  // nullopt: not disclosed
  std::vector<std::string> sources;                     // the pages of its facts, in file order
  std::string read_on;                                  // the latest day a fact was read

  // Parameters used per token: active_params for a mixture of experts, else params.
  std::optional<double> params_per_token() const { return active_params ? active_params : params; }
  // Training compute by the 6·N·D rule (forward 2·N, backward 4·N per token), when N and D are
  // both published.
  std::optional<double> training_flop() const {
    const std::optional<double> n = params_per_token();
    if (!n || !tokens) return std::nullopt;
    return 6 * *n * *tokens;
  }
};

inline const std::vector<std::string>& milestone_facts() {
  static const std::vector<std::string> facts = {"released", "organisation", "weights",
                                                 "params",   "tokens",       "active_params"};
  return facts;
}

// The models of a milestones table, sorted by release date (ties keep file order).
inline std::vector<Milestone> parse_milestones(std::string_view text, const std::string& name) {
  const SourcedTable t = SourcedTable::parse(text, name, {"model", "fact", "value"});
  std::vector<Milestone> models;
  std::map<std::string, std::size_t> index;                         // model -> position in `models`
  std::map<std::pair<std::string, std::string>, std::size_t> seen;  // (model, fact) -> line
  std::map<std::string, std::size_t> first_line;
  const auto positive = [&](const SourcedRow& r) -> std::optional<double> {
    const std::optional<double> v = t.number_or_undisclosed(r, "value");
    if (v && !(*v > 0))
      t.fail_at(r, "value",
                fmt::format("{} of {} is {}; a count must be positive (or '{}')", t.text(r, "fact"),
                            t.text(r, "model"), *v, SourcedTable::kNotDisclosed));
    return v;
  };
  for (const SourcedRow& r : t.rows()) {
    const std::string& model = t.text(r, "model");
    const std::string& fact = t.text(r, "fact");
    const auto& facts = milestone_facts();
    if (std::find(facts.begin(), facts.end(), fact) == facts.end())
      t.fail_at(r, "fact",
                fmt::format("'{}' is not one of released, organisation, weights, params, tokens, "
                            "active_params",
                            fact));
    const auto [at, fresh] = seen.emplace(std::make_pair(model, fact), r.line);
    if (!fresh)
      t.fail_at(r, "fact",
                fmt::format("{} of {} is given twice (also on line {})", fact, model, at->second));
    if (!index.count(model)) {
      index[model] = models.size();
      first_line[model] = r.line;
      models.push_back(Milestone{});
      models.back().model = model;
    }
    Milestone& m = models[index[model]];
    if (fact == "released") m.released = t.calendar_date(r, "value");
    if (fact == "organisation") m.organisation = t.text(r, "value");
    if (fact == "weights") {
      const std::string& w = t.text(r, "value");
      if (w != "open" && w != "closed")
        t.fail_at(r, "value", fmt::format("weights are 'open' or 'closed', not '{}'", w));
      m.open_weights = w == "open";
    }
    if (fact == "params") m.params = positive(r);
    if (fact == "tokens") m.tokens = positive(r);
    if (fact == "active_params") m.active_params = positive(r);
    if (std::find(m.sources.begin(), m.sources.end(), t.source(r)) == m.sources.end())
      m.sources.push_back(t.source(r));
    m.read_on = std::max(m.read_on, t.date(r));
  }
  for (const Milestone& m : models) {
    for (std::size_t k = 0; k + 1 < milestone_facts().size(); ++k) {  // all but active_params
      const std::string& fact = milestone_facts()[k];
      if (!seen.count({m.model, fact}))
        throw IoError(
            fmt::format("{}:{}: {} has no '{}' row (every model needs released, "
                        "organisation, weights, params and tokens)",
                        name, first_line[m.model], m.model, fact));
    }
    if (m.active_params && (!m.params || *m.active_params > *m.params))
      throw IoError(fmt::format("{}:{}: {} uses {} parameters per token but has {} in all", name,
                                first_line[m.model], m.model, *m.active_params,
                                m.params ? fmt::format("{}", *m.params) : "not disclosed"));
  }
  std::stable_sort(models.begin(), models.end(), [](const Milestone& a, const Milestone& b) {
    return a.released.fractional_year() < b.released.fractional_year();
  });
  return models;
}

}  // namespace aib::episode
