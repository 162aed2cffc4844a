// Tests for aib/tokenizer/unicode.hpp and pretokenize.hpp: character classes from the generated
// Unicode tables, U+FFFD replacement as CPython does it, and the three split patterns piece for
// piece against the `regex` module (fixtures from tools/reference/tokenizer_cases.py).
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catch.hpp"
#include "test_helpers.hpp"

#include "aib/core/random.hpp"
#include "aib/tokenizer/pretokenize.hpp"

namespace tk = aib::tokenizer;

namespace {

nlohmann::json fixture(const std::string& name) {
  std::ifstream in(std::string(AIB_FIXTURES_DIR) + "/tokenizer/" + name);
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}

std::string from_hex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

std::uint8_t class_of(const std::string& utf8) {
  const tk::Utf8Char c = tk::next_char(utf8, 0);
  REQUIRE(c.len == utf8.size());
  return tk::char_class(c.cp);
}

}  // namespace

TEST_CASE("unicode: classes come from the generated tables", "[tokenizer][unicode]") {
  CHECK(std::string(tk::detail::kUnicodeVersion) == "15.0.0");
  CHECK(class_of("A") == tk::kUpper);
  CHECK(class_of("\xC7\x85") == tk::kUpper);          // U+01C5 ǅ, titlecase (Lt)
  CHECK(class_of("\xC3\xA9") == tk::kLower);          // é
  CHECK(class_of("\xE6\x97\xA5") == tk::kLetterOther);  // 日 (Lo)
  CHECK(class_of("\xCA\xB0") == tk::kLetterOther);    // U+02B0 ʰ (Lm)
  CHECK(class_of("\xCC\x81") == tk::kMark);           // U+0301 combining acute (Mn)
  CHECK(class_of("\xD9\xA3") == tk::kNumber);         // U+0663 Arabic-Indic three (Nd)
  CHECK(class_of("\xE2\x85\xA7") == tk::kNumber);     // U+2167 Roman numeral eight (Nl)
  CHECK(class_of("\xC2\xBD") == tk::kNumber);         // ½ (No)
  CHECK(class_of(" ") == (tk::kOther | tk::kSpaceBit));
  CHECK(class_of("\xC2\xA0") == (tk::kOther | tk::kSpaceBit));  // no-break space
  CHECK(class_of("\xE3\x80\x80") == (tk::kOther | tk::kSpaceBit));  // ideographic space
  CHECK(class_of("\xC2\x85") == (tk::kOther | tk::kSpaceBit));  // NEL: White_Space, a control
  CHECK(class_of("\xE2\x80\x8B") == tk::kOther);  // zero-width space is not White_Space
  CHECK(class_of("!") == tk::kOther);
  CHECK(class_of("\xF0\x9F\x91\x8D") == tk::kOther);  // 👍 (So)
  CHECK(tk::char_class(0x10FFFF) == tk::kOther);
  CHECK(tk::char_class(tk::kInvalid) == tk::kOther);
}

TEST_CASE("unicode: next_char decodes valid UTF-8 and returns invalid bytes one by one",
          "[tokenizer][unicode]") {
  const std::string s = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x91\x8D";
  std::vector<char32_t> cps;
  for (std::size_t i = 0; i < s.size();) {
    const tk::Utf8Char c = tk::next_char(s, i);
    cps.push_back(c.cp);
    i += c.len;
  }
  CHECK(cps == std::vector<char32_t>{U'a', 0xE9, 0x20AC, 0x1F44D});
  for (const std::string bad : {"\x80", "\xC3", "\xE2\x82", "\xED\xA0\x80", "\xC0\xAF", "\xF4\x90\x80\x80"}) {
    const tk::Utf8Char c = tk::next_char(bad, 0);
    CHECK(c.cp == tk::kInvalid);
    CHECK(c.len == 1);
  }
}

TEST_CASE("unicode: to_valid_utf8 replaces maximal invalid subparts as CPython does",
          "[tokenizer][unicode]") {
  const nlohmann::json j = fixture("utf8_replace.json");
  REQUIRE(j["cases"].size() >= 20);
  for (const auto& c : j["cases"]) {
    INFO("bytes " << c["hex"].get<std::string>());
    CHECK(tk::to_valid_utf8(from_hex(c["hex"])) == c["text"].get<std::string>());
  }
}

TEST_CASE("pretokenize: pieces equal the regex module's for all three patterns",
          "[tokenizer][pretokenize]") {
  const nlohmann::json j = fixture("pretokenize.json");
  REQUIRE(j["cases"].size() >= 250);
  int checked = 0;
  for (const auto& c : j["cases"]) {
    const std::string text = c["text"];
    const tk::SplitPattern p = tk::pattern_of(c["pattern"].get<std::string>());
    std::vector<std::string> got;
    for (std::string_view piece : tk::split(text, p)) got.emplace_back(piece);
    INFO(c["pattern"].get<std::string>() << " on " << c["text"].dump());
    CHECK(got == c["pieces"].get<std::vector<std::string>>());
    ++checked;
  }
  CHECK(checked == static_cast<int>(j["cases"].size()));
}

TEST_CASE("pretokenize: a few splits worth knowing by heart", "[tokenizer][pretokenize]") {
  using V = std::vector<std::string_view>;
  CHECK(tk::split("Hello world", tk::SplitPattern::gpt2) == V{"Hello", " world"});
  CHECK(tk::split("a   b", tk::SplitPattern::gpt2) == V{"a", "  ", " b"});  // \s+(?!\S)
  CHECK(tk::split("1234567", tk::SplitPattern::gpt2) == V{"1234567"});
  CHECK(tk::split("1234567", tk::SplitPattern::cl100k) == V{"123", "456", "7"});
  CHECK(tk::split("IT'S", tk::SplitPattern::gpt2) == V{"IT", "'", "S"});  // case-sensitive
  CHECK(tk::split("IT'S", tk::SplitPattern::cl100k) == V{"IT", "'S"});
  CHECK(tk::split("HTTPServer's", tk::SplitPattern::o200k) == V{"HTTPServer's"});
  CHECK(tk::split("CamelCase", tk::SplitPattern::o200k) == V{"Camel", "Case"});
  CHECK(tk::split("x\n\n  y", tk::SplitPattern::cl100k) == V{"x", "\n\n", " ", " y"});
}

TEST_CASE("pretokenize: any bytes split into pieces that concatenate back", "[tokenizer][pretokenize]") {
  aib::Rng rng(7);
  for (int trial = 0; trial < 300; ++trial) {
    std::string s(rng.uniform_int(41), '\0');
    for (char& c : s) {
      // Mostly text-like bytes, with a good share of high bytes that form invalid sequences.
      const std::uint32_t k = rng.uniform_int(10);
      c = static_cast<char>(k < 3   ? rng.uniform_int(256)
                            : k < 6 ? " \n'sA1\xC3"[rng.uniform_int(7)]
                                    : 'a' + static_cast<int>(rng.uniform_int(26)));
    }
    for (tk::SplitPattern p : {tk::SplitPattern::gpt2, tk::SplitPattern::cl100k, tk::SplitPattern::o200k}) {
      std::string joined;
      for (std::string_view piece : tk::split(s, p)) {
        CHECK(!piece.empty());
        joined += piece;
      }
      CHECK(joined == s);
    }
  }
}

TEST_CASE("pretokenize: pattern_of knows the three patterns and refuses others", "[tokenizer][pretokenize]") {
  CHECK(tk::pattern_of(tk::kCl100kPattern) == tk::SplitPattern::cl100k);
  CHECK(tk::pattern_of("o200k") == tk::SplitPattern::o200k);
  CHECK_THAT(aib_test::message_of([] { tk::pattern_of("\\w+|\\s+"); }),
             Catch::Contains("unsupported split pattern '\\w+|\\s+'"));
}
