// Tests for the episode texts: every episodes/NN-slug.md has complete front matter that agrees
// with the series catalogue, a narrative of about 90 seconds, a program and a saved output.
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "catch.hpp"

#include "aib/show/narrative.hpp"
#include "../examples/common/series.hpp"

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
