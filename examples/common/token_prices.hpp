// token_prices.hpp — episode 18's price table (examples/data/token-prices.csv), read strictly.
//
// A sourced table (sourced_table.hpp: '#' comments, a header, `date,source` last, every error
// naming file, line and column) with the columns `model,input_per_million,output_per_million`:
// a model name listed once, two positive prices in US dollars per million tokens.
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
#include "sourced_table.hpp"

namespace aib::episode {

struct Price {
  std::string model;
  double input = 0, output = 0;  // US dollars per million tokens
  std::string date, source;
};

inline constexpr std::string_view kPriceHeader =
    "model,input_per_million,output_per_million,date,source";

// The rows of a price table; `name` (the file) and the line number appear in every error.
inline std::vector<Price> parse_prices(std::string_view text, const std::string& name) {
  const SourcedTable t =
      SourcedTable::parse(text, name, {"model", "input_per_million", "output_per_million"});
  std::vector<Price> out;
  std::set<std::string> seen;
  for (const SourcedRow& r : t.rows()) {
    Price p;
    p.model = t.text(r, "model");
    if (!seen.insert(p.model).second)
      t.fail_at(r, "model", fmt::format("'{}' is listed twice", printable(p.model)));
    p.input = t.number(r, "input_per_million");
    p.output = t.number(r, "output_per_million");
    if (p.input <= 0) t.fail_at(r, "input_per_million", "a price must be positive");
    if (p.output <= 0) t.fail_at(r, "output_per_million", "a price must be positive");
    p.date = t.date(r);
    p.source = t.source(r);
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace aib::episode
