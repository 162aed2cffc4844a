// Tests for the episode texts: every episodes/NN-slug.md has complete front matter that agrees
// with the series catalogue, a narrative of about 90 seconds, a program and a saved output; and
// the reader of the course's sourced data files (examples/common/sourced_table.hpp).
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "catch.hpp"

#include "../examples/common/series.hpp"
#include "../examples/common/sourced_table.hpp"
#include "aib/show/narrative.hpp"

namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::size_t word_count(const std::string& text) {
  std::istringstream in(text);
  std::size_t n = 0;
  for (std::string w; in >> w;) ++n;
  return n;
}

}  // namespace

TEST_CASE("every episode text agrees with the catalogue and has a program and saved output") {
  const fs::path root = AIB_SOURCE_DIR;
  std::set<int> seen;
  for (const auto& entry : fs::directory_iterator(root / "episodes")) {
    if (entry.path().extension() != ".md") continue;
    const std::string file = entry.path().filename().string();
    const std::string stem = entry.path().stem().string();
    INFO("episode file " << file);
    const aib::show::Document doc = aib::show::parse_front_matter(slurp(entry.path()), file);
    for (const char* key : {"number", "slug", "title", "summary", "modules", "example"}) {
      INFO("front matter key " << key);
      REQUIRE(doc.get(key) != nullptr);
    }
    const int number = std::stoi(*doc.get("number"));
    const aib::series::EpisodeInfo* info = aib::series::find(number);
    REQUIRE(info != nullptr);
    CHECK(seen.insert(number).second);
    CHECK(*doc.get("slug") == info->slug);
    CHECK(*doc.get("title") == info->title);
    CHECK(*doc.get("summary") == info->summary);
    const std::string name = fmt::format("{:02d}-{}", number, info->slug);
    CHECK(stem == name);
    CHECK(*doc.get("example") == name);
    CHECK(fs::exists(root / "examples" / (name + ".cpp")));
    CHECK(fs::exists(root / "examples" / "expected" / (name + ".txt")));

    // About 90 seconds read aloud: 190-250 words.
    const std::size_t words = word_count(aib::show::markdown_to_text(doc.body));
    INFO("narrative words: " << words);
    CHECK(words >= 190);
    CHECK(words <= 250);
  }
  CHECK(seen.size() >= 2);
  CHECK(seen.count(1) == 1);
  CHECK(seen.count(2) == 1);
}

TEST_CASE("every saved episode output fits an 80-column terminal") {
  const fs::path root = AIB_SOURCE_DIR;
  int files = 0;
  for (const auto& entry : fs::directory_iterator(root / "examples" / "expected")) {
    if (entry.path().extension() != ".txt") continue;
    ++files;
    std::istringstream in(slurp(entry.path()));
    int line_no = 0;
    for (std::string line; std::getline(in, line);) {
      ++line_no;
      INFO(entry.path().filename().string() << ":" << line_no << ": " << line);
      CHECK(aib::show::display_width(line) <= 80);
    }
  }
  CHECK(files >= 2);
}

TEST_CASE("every episode program has an episode text") {
  const fs::path root = AIB_SOURCE_DIR;
  for (const auto& entry : fs::directory_iterator(root / "examples")) {
    const std::string stem = entry.path().stem().string();
    if (entry.path().extension() != ".cpp" || stem.size() < 3 || !std::isdigit(stem[0])) continue;
    INFO("program " << entry.path().filename().string());
    CHECK(fs::exists(root / "episodes" / (stem + ".md")));
  }
}

TEST_CASE("the catalogue is the 36 episodes in order with unique slugs") {
  std::set<std::string_view> slugs;
  for (std::size_t i = 0; i < aib::series::episodes.size(); ++i) {
    CHECK(aib::series::episodes[i].number == static_cast<int>(i) + 1);
    CHECK(slugs.insert(aib::series::episodes[i].slug).second);
  }
  CHECK(aib::series::find(0) == nullptr);
  CHECK(aib::series::find(37) == nullptr);
  CHECK(aib::series::find(36)->slug == "why-diffusion-won");
}

// ---- sourced tables ----------------------------------------------------------------------------

namespace {

using aib::episode::SourcedTable;

const char* const kMilestones =
    "# a comment\n"
    "\n"
    "model,released,params,date,source\n"
    "GPT-3,2020-05-28,175e9,2026-12-03,https://arxiv.org/abs/2005.14165\r\n"
    "GPT-4,2023-03-14,not disclosed,2026-12-03,https://openai.com/research/gpt-4\n";

// The message of the IoError that parsing `body` under kMilestones' header throws.
std::string parse_error(const std::string& body) {
  try {
    SourcedTable::parse("model,released,params,date,source\n" + body, "m.csv",
                        {"model", "released", "params"});
  } catch (const aib::IoError& e) {
    return e.what();
  }
  return "(accepted)";
}

}  // namespace

TEST_CASE("a sourced table reads its rows, numbers, dates and 'not disclosed'") {
  const SourcedTable t = SourcedTable::parse(kMilestones, "m.csv", {"model", "released", "params"});
  REQUIRE(t.rows().size() == 2);
  const auto& gpt3 = t.rows()[0];
  CHECK(gpt3.line == 4);
  CHECK(t.text(gpt3, "model") == "GPT-3");
  CHECK(t.number(gpt3, "params") == 175e9);
  CHECK(t.source(gpt3) == "https://arxiv.org/abs/2005.14165");  // CR stripped
  CHECK(t.calendar_date(gpt3, "released").fractional_year() == Approx(2020 + 148 / 366.0));
  CHECK_FALSE(t.number_or_undisclosed(t.rows()[1], "params").has_value());
  CHECK_THROWS_WITH(t.number(t.rows()[1], "params"),
                    Catch::Contains("m.csv:5: column 'params': 'not disclosed' is not a number"));
}

TEST_CASE("a sourced table refuses a row without a source, a bad date or a malformed number") {
  CHECK(parse_error("A,2020-01-01,1,2026-12-03\n").find("m.csv:2: expected 5 comma-separated") !=
        std::string::npos);
  CHECK(parse_error("A,2020-01-01,1,2026-12-03,\n") ==
        "m.csv:2: column 'source': empty or with spaces around it");
  CHECK(parse_error("A,2020-01-01,1,2026-12-03,www.example.com\n") ==
        "m.csv:2: column 'source': 'www.example.com' is not an https:// address");
  CHECK(parse_error("A,2020-01-01,1,2026-02-30,https://e.com\n") ==
        "m.csv:2: column 'date': '2026-02-30' is not a real date written YYYY-MM-DD");
  CHECK(parse_error("").find("the header has no rows") != std::string::npos);
  CHECK(parse_error("A,2020-01-01,1,2026-12-03,https://e.com\n") == "(accepted)");
  // Cells are checked when read: a release date and numbers in the forms people type.
  const SourcedTable t = SourcedTable::parse(
      "model,released,params,date,source\nA,2020-13-01,17.5B,2026-12-03,https://e.com\n", "m.csv",
      {"model", "released", "params"});
  CHECK_THROWS_WITH(t.calendar_date(t.rows()[0], "released"),
                    "m.csv:2: column 'released': '2020-13-01' is not a real date written "
                    "YYYY-MM-DD");
  CHECK_THROWS_WITH(t.number(t.rows()[0], "params"),
                    "m.csv:2: column 'params': '17.5B' is not a number like 1.75e11");
  for (const char* bad : {"1,000", " 3", "0x10", "inf", "nan", "", "1e", "-", ".", "1.2.3"})
    CHECK_FALSE(aib::episode::parse_decimal(bad).has_value());
  CHECK(aib::episode::parse_decimal("-1.5E+2") == -150.0);
  CHECK(aib::episode::parse_decimal(".5") == 0.5);
}
