// Tests for aib/show/pieces.hpp: visible whitespace and partial characters, id lists, wrapping
// lists between items, quoted texts, pieces over ids in shared columns, pieces grouped by word.
#include <cstdint>
#include <string>
#include <vector>

#include "catch.hpp"
#include "test_helpers.hpp"

#include "aib/show/pieces.hpp"
#include "aib/show/terminal.hpp"

using aib::show::display_width;
using aib_test::lines;
using aib_test::message_of;
using Items = std::vector<std::string>;

TEST_CASE("visible draws whitespace and bytes that are not whole characters", "[show][pieces]") {
  using aib::show::visible;
  CHECK(visible("") == "");
  CHECK(visible("a b\n") == "a␣b⏎");
  CHECK(visible("\tx") == "⇥x");
  CHECK(visible("naïve 🙂") == "naïve␣🙂");  // whole characters pass unchanged
  const std::string e_acute = "é";                   // C3 A9
  CHECK(visible(e_acute.substr(0, 1)) == "\\xc3");
  CHECK(visible(e_acute.substr(1)) == "\\xa9");
  const std::string thumbs = "👍";  // F0 9F 91 8D: a byte-level token may hold any part of it
  CHECK(visible(thumbs.substr(0, 2)) == "\\xf0\\x9f");
  CHECK(visible(thumbs.substr(2) + " ") == "\\x91\\x8d␣");
  CHECK(visible("\xC0\xAF") == "\\xc0\\xaf");  // an overlong '/' is two invalid bytes
}

TEST_CASE("visible characters of a text concatenate to the visible text", "[show][pieces]") {
  // Cutting only at character boundaries changes nothing: each character is drawn on its own.
  const std::string text = "Tokens\tcost money: 👍 ≠ free\n";
  std::string by_char;
  for (const std::string_view c : aib::utf8_chars(text)) by_char += aib::show::visible(c);
  CHECK(by_char == aib::show::visible(text));
  CHECK(by_char.find(' ') == std::string::npos);
}

TEST_CASE("joined, id_strings and id_list", "[show][pieces]") {
  using aib::show::joined;
  CHECK(joined({}, "|") == "");
  CHECK(joined({"a"}, "|") == "a");
  CHECK(joined({"a", "b", "c"}, ", ") == "a, b, c");
  const std::vector<std::uint32_t> ids = {15339, 1917, 0};
  CHECK(aib::show::id_strings(ids) == Items{"15339", "1917", "0"});
  CHECK(aib::show::id_list(ids) == "15339 1917 0");
  CHECK(aib::show::id_list(std::vector<int>{-1, 7}) == "-1 7");
  CHECK(aib::show::id_list(std::vector<int>{}) == "");
}

TEST_CASE("wrapped breaks between items at the width", "[show][pieces]") {
  using aib::show::wrapped;
  CHECK(wrapped({}, "|", 80, 2) == "\n");
  CHECK(wrapped({"aa", "bb", "cc"}, "|", 80, 2) == "aa|bb|cc\n");
  CHECK(wrapped({"aa", "bb", "cc"}, "|", 6, 2) == "aa|\n  bb|\n  cc\n");
  CHECK(wrapped({"aa", "bb", "cc"}, "|", 7, 2) == "aa|\n  bb|cc\n");
  // Spaces at a break are dropped; an item wider than the line stays whole on its own line.
  CHECK(wrapped({"one", "two", "three"}, " ", 9, 0) == "one two\nthree\n");
  CHECK(wrapped({"a", "longer-than-the-line", "b"}, " ", 8, 1) == "a\n longer-than-the-line\n b\n");
  // Widths are columns, not bytes: "␣" takes 3 bytes and 1 column.
  CHECK(wrapped({"␣a", "␣b", "␣c"}, "|", 9, 0) == "␣a|␣b|␣c\n");

  // With max_lines, the last line keeps room for "… +N", N the items not shown.
  Items many;
  for (int k = 0; k < 40; ++k) many.push_back("w" + std::to_string(k));
  const std::string two = wrapped(many, "|", 30, 4, 2);
  const std::vector<std::string> got = lines(two);
  REQUIRE(got.size() == 2);
  CHECK(got[0].rfind("w0|w1|", 0) == 0);
  CHECK(got[1].rfind("    ", 0) == 0);
  const std::size_t at = got[1].find("… +");
  REQUIRE(at != std::string::npos);
  int shown = 0;
  for (const std::string& line : got)
    for (const char c : line) shown += c == '|';
  CHECK(std::stoi(got[1].substr(at + std::string("… +").size())) == 40 - shown);
  CHECK(4 + display_width(got[0]) <= 30);
  CHECK(display_width(got[1]) <= 30);
  CHECK(message_of([] { wrapped({"a"}, "|", 10, -1); }).find("indent = -1") != std::string::npos);
}

TEST_CASE("wrapped takes a column counter", "[show][pieces]") {
  // Everything two columns wide: the same items break twice as early.
  const auto two_per_byte = [](std::string_view s) { return 2 * static_cast<int>(s.size()); };
  CHECK(aib::show::wrapped({"ab", "cd"}, " ", 8, 0) == "ab cd\n");
  CHECK(aib::show::wrapped({"ab", "cd"}, " ", 8, 0, 0, two_per_byte) == "ab\ncd\n");
}

TEST_CASE("over_under puts pieces over their ids in shared columns", "[show][pieces]") {
  using aib::show::over_under;
  CHECK(over_under({"The", "␣model"}, {"791", "1646"}, "|", 80, 2) ==
        "  The|␣model\n  791|  1646\n");
  // A blank separator is trimmed at the end of each line.
  CHECK(over_under({"a", "bcd"}, {"100", "7"}, " ", 80, 0) == "a   bcd\n100   7\n");
  // Breaks before a column that would pass the width; every line keeps the indent.
  const std::string broken = over_under({"aaaa", "bbbb", "cccc"}, {"1", "2", "3"}, "|", 12, 1);
  CHECK(broken == " aaaa|bbbb|\n    1|   2|\n cccc\n    3\n");
  for (const std::string& line : lines(broken)) CHECK(display_width(line) <= 12);
  // The columns line up: both rows of each pair are equally wide until the last column.
  const std::vector<std::string> rows = lines(over_under({"x", "␣yy"}, {"12345", "6"}, "|", 80, 0));
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].find('|') == rows[1].find('|'));
  CHECK(message_of([] {
          over_under({"a", "b"}, {"1"}, "|", 80, 0);
        }).find("2 items on top but 1 below") != std::string::npos);
}

TEST_CASE("quoted wraps a text at its spaces, inside quotes", "[show][pieces]") {
  using aib::show::quoted;
  CHECK(quoted("to be or not", 80) == "\"to be or not\"\n");
  CHECK(quoted("to be or not", 8) == "\"to be\n or not\"\n");
  CHECK(quoted("to be or not", 6) == "\"to\n be\n or\n not\"\n");
  CHECK(quoted("a\tb\nc", 80) == "\"a⇥b⏎c\"\n");
  CHECK(quoted("", 80) == "\"\"\n");
  for (const std::string& line : lines(quoted("the same words over and over again and again", 12)))
    CHECK(display_width(line) <= 12);
}

TEST_CASE("by_word groups pieces into the words they spell", "[show][pieces]") {
  using aib::show::by_word;
  using Words = std::vector<Items>;
  CHECK(by_word({}, "▁").empty());
  CHECK(by_word({"▁to", "▁be", "st"}, "▁") == Words{{"▁to"}, {"▁be", "st"}});
  CHECK(by_word({"A", "␣token", "izer"}, "␣") == Words{{"A"}, {"␣token", "izer"}});
  // A run of spaces belongs to the word after it.
  CHECK(by_word({"a", "␣", "␣", "␣b"}, "␣") == Words{{"a"}, {"␣", "␣", "␣b"}});
  CHECK(message_of([] { by_word({"a"}, ""); }).find("space marker") != std::string::npos);
}
