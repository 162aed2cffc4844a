// Tests for aib/show/terminal.hpp, narrative.hpp and table.hpp: styles, wrapping, front matter,
// markdown flattening, titles and tables.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "catch.hpp"
#include "test_helpers.hpp"

#include "aib/show/format.hpp"
#include "aib/show/narrative.hpp"
#include "aib/show/table.hpp"
#include "aib/show/terminal.hpp"

#if !defined(_WIN32)
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>
#endif

using aib::show::Style;

using aib_test::lines;
using aib_test::message_of;

namespace {

int widest_line(const std::string& text) {
  int widest = 0;
  for (const std::string& line : lines(text))
    widest = std::max(widest, aib::show::display_width(line));
  return widest;
}

// Set (or, with nullopt, unset) an environment variable for the life of this object.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    set(value);
  }
  ~ScopedEnv() { set(old_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  void set(const std::optional<std::string>& value) {
#if defined(_WIN32)
    _putenv_s(name_, value ? value->c_str() : "");
#else
    if (value)
      setenv(name_, value->c_str(), 1);
    else
      unsetenv(name_);
#endif
  }
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace

// ---- terminal.hpp
// --------------------------------------------------------------------------------

TEST_CASE("display_width counts terminal columns and skips ANSI escapes") {
  using aib::show::display_width;
  CHECK(display_width("") == 0);
  CHECK(display_width("abc") == 3);
  CHECK(std::string("naïve ▁tokens").size() == 16);  // bytes
  CHECK(display_width("naïve ▁tokens") == 13);       // code points
  CHECK(display_width("─═░▒▓█▏") == 7);              // box and block characters: one column each
  CHECK(display_width("\x1b[1mbold\x1b[0m") == 4);
  CHECK(display_width("\x1b[48;5;226m  \x1b[0m") == 2);
}

TEST_CASE("pad and ellipsize work in columns, not bytes") {
  using namespace aib::show;
  CHECK(pad_right("naïve", 7) == "naïve  ");
  CHECK(pad_left("▁a", 4) == "  ▁a");
  CHECK(pad_right("toolong", 3) == "toolong");  // padding never cuts
  CHECK(ellipsize("abcdef", 6) == "abcdef");
  CHECK(ellipsize("abcdef", 4) == "abc…");
  CHECK(ellipsize("ïïïïï", 3) == "ïï…");
  CHECK(ellipsize("abc", 0).empty());
  CHECK(ellipsize("\x1b[1mabcdef\x1b[0m", 3) == "\x1b[1mab…\x1b[0m");  // colour switched off again
  CHECK(repeat("─", 3) == "───");
  CHECK(repeat("x", -2).empty());
}

TEST_CASE("display_width: wide CJK and emoji take two columns, combining marks none") {
  using aib::show::char_width;
  using aib::show::display_width;
  CHECK(display_width("日本語") == 6);                    // CJK ideographs (East Asian Width W)
  CHECK(display_width("한국어") == 6);                    // Hangul syllables
  CHECK(display_width("ＡＢ") == 4);                      // fullwidth Latin (F)
  CHECK(display_width("ｶﾀｶﾅ") == 4);                      // halfwidth katakana: one column each
  CHECK(display_width("👍🎉") == 4);                        // emoji presentation
  CHECK(display_width("e\xCC\x81") == 1);                 // e + U+0301 combining acute accent
  CHECK(display_width("\xE1\x84\x80\xE1\x85\xA1") == 2);  // Hangul jamo L + medial vowel V
  CHECK(display_width("👩\u200D💻") == 4);                  // zero-width joiner: 0 (no clusters)
  CHECK(display_width("❤\xEF\xB8\x8F") == 1);             // variation selector 16: 0
  CHECK(display_width("\x1b[1m中\x1b[0mx") == 3);         // escapes skipped around wide text
  CHECK(char_width(U'a') == 1);
  CHECK(char_width(0x4E2D) == 2);
  CHECK(char_width(0x0301) == 0);
  CHECK(char_width(0x200D) == 0);
  CHECK(char_width(0x00AD) == 1);    // soft hyphen is shown
  CHECK(char_width(0x2026) == 1);    // "…" (East Asian Ambiguous: narrow here)
  CHECK(char_width(0x20000) == 2);   // CJK extension B
  CHECK(char_width(0x3FFFD) == 2);   // unassigned in plane 3: wide by default
  CHECK(char_width(0x10FFFF) == 1);  // the last code point
}

TEST_CASE("display_width: every invalid byte is one column, as aib/core/utf8.hpp splits it") {
  using aib::show::display_width;
  CHECK(display_width("\x80") == 1);              // stray continuation byte
  CHECK(display_width("a\xE4\xB8") == 3);         // truncated '中': two invalid bytes
  CHECK(display_width("\xC0\xAF") == 2);          // overlong '/'
  CHECK(display_width("\xFF\xE4\xB8\xAD") == 3);  // one invalid byte, then '中'
  CHECK(aib::show::ellipsize("\x80\x80\x80\x80", 3) == "\x80\x80…");
}

TEST_CASE("pad and ellipsize count wide characters as two columns") {
  using namespace aib::show;
  CHECK(pad_right("中文", 6) == "中文  ");
  CHECK(pad_left("👍", 3) == " 👍");
  CHECK(ellipsize("中文字符", 8) == "中文字符");
  CHECK(ellipsize("中文字符", 7) == "中文字…");
  CHECK(ellipsize("中文字符", 6) == "中文…");  // a wide character never half-fits
  CHECK(display_width(ellipsize("中文字符", 6)) == 5);
  CHECK(ellipsize("cafe\xCC\x81s!", 5) == "cafe\xCC\x81…");  // the accent stays on its letter
  aib::show::Table t({"word", "n"});
  t.add_row({"中文", "2"}).add_row({"abc", "3"});
  CHECK(t.render() ==
        "word  n\n"
        "────  ─\n"
        "中文  2\n"
        "abc   3\n");
}

TEST_CASE("ANSI helpers return plain text without colour and escapes with it") {
  using namespace aib::show;
  const Style plain{false, 80}, color{true, 80};
  CHECK(bold("hi", plain) == "hi");
  CHECK(dim("hi", plain) == "hi");
  CHECK(fg("hi", Color::red, plain) == "hi");
  CHECK(bg256("  ", 53, plain) == "  ");
  CHECK(bold("hi", color) == "\x1b[1mhi\x1b[0m");
  CHECK(fg("hi", Color::cyan, color) == "\x1b[36mhi\x1b[0m");
  CHECK(bg256("  ", 226, color) == "\x1b[48;5;226m  \x1b[0m");
  CHECK(message_of([&] { bg256("x", 256, color); }) == "bg256: colour code 256 is outside 0..255");
}

TEST_CASE("terminal_style: a file is not a TTY, so no colour and 80 columns") {
  std::FILE* file = std::tmpfile();
  REQUIRE(file != nullptr);
  const ScopedEnv no_color("NO_COLOR", std::nullopt);
  const ScopedEnv term("TERM", std::string("xterm-256color"));
  const Style style = aib::show::terminal_style(file);
  CHECK_FALSE(style.color);
  CHECK(style.width == 80);
  std::fclose(file);
  CHECK_FALSE(aib::show::terminal_style(nullptr).color);
}

#if !defined(_WIN32)
TEST_CASE("terminal_style on a real TTY: colour unless NO_COLOR is non-empty, width clamped") {
  // A pseudo-terminal is a TTY without a user: open one and point terminal_style at it.
  const int master = posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0 || ptsname(master) == nullptr) {
    WARN("no pseudo-terminal available; TTY case not tested");
    if (master >= 0) close(master);
    return;
  }
  std::FILE* tty = std::fopen(ptsname(master), "r+");
  REQUIRE(tty != nullptr);
  REQUIRE(isatty(fileno(tty)));
  auto set_columns = [&](unsigned short columns) {
    winsize size{};
    size.ws_row = 24;
    size.ws_col = columns;
    REQUIRE(ioctl(fileno(tty), TIOCSWINSZ, &size) == 0);
  };
  const ScopedEnv term("TERM", std::string("xterm-256color"));

  set_columns(100);
  {
    const ScopedEnv no_color("NO_COLOR", std::nullopt);
    const Style style = aib::show::terminal_style(tty);
    CHECK(style.color);
    CHECK(style.width == 100);
  }
  {
    const ScopedEnv no_color("NO_COLOR", std::string("1"));
    CHECK_FALSE(aib::show::terminal_style(tty).color);
  }
  {
    const ScopedEnv no_color("NO_COLOR", std::string(""));  // present but empty: colour stays on
    CHECK(aib::show::terminal_style(tty).color);
  }
  {
    const ScopedEnv no_color("NO_COLOR", std::nullopt);
    const ScopedEnv dumb("TERM", std::string("dumb"));
    CHECK_FALSE(aib::show::terminal_style(tty).color);
  }
  set_columns(20);
  CHECK(aib::show::terminal_style(tty).width == 40);
  set_columns(300);
  CHECK(aib::show::terminal_style(tty).width == 200);
  std::fclose(tty);
  close(master);
}
#endif

// ---- wrap
// ----------------------------------------------------------------------------------------

TEST_CASE("wrap fills lines greedily up to the width") {
  using aib::show::wrap;
  CHECK(wrap("one two three", 8) == "one two\nthree\n");
  CHECK(wrap("aaa bbb", 7) == "aaa bbb\n");  // exactly the width fits
  CHECK(wrap("aaa bbb", 6) == "aaa\nbbb\n");
  CHECK(wrap("  spaced    out\twords ", 80) == "spaced out words\n");
  CHECK(wrap("", 10).empty());
  CHECK(wrap(" \n \n", 10).empty());
}

TEST_CASE("wrap keeps paragraph breaks and joins single line breaks") {
  using aib::show::wrap;
  CHECK(wrap("a b\nc", 10) == "a b c\n");
  CHECK(wrap("a b\n\n\n  \nc d", 10) == "a b\n\nc d\n");
  CHECK(wrap("\n\nfirst\r\n\r\nsecond\n\n", 10) == "first\n\nsecond\n");
}

TEST_CASE("wrap never breaks a word: a long one overflows on its own line") {
  using aib::show::wrap;
  CHECK(wrap("a supercalifragilistic b", 10) == "a\nsupercalifragilistic\nb\n");
  CHECK(wrap("supercalifragilistic", 5) == "supercalifragilistic\n");
}

TEST_CASE("wrap indents every line and counts the indent in the width") {
  using aib::show::wrap;
  CHECK(wrap("one two three four", 10, "  ") == "  one two\n  three\n  four\n");
  CHECK(wrap("p one\n\np two", 20, "> ") == "> p one\n\n> p two\n");
  CHECK(message_of([] { aib::show::wrap("x", 2, "  "); }) ==
        "wrap: width 2 leaves no room after an indent of 2 columns");
}

TEST_CASE("wrap counts UTF-8 code points, not bytes") {
  using aib::show::wrap;
  // "naïve ▁tokens" is 13 columns but 16 bytes: it must fit a width of 13.
  CHECK(wrap("naïve ▁tokens", 13) == "naïve ▁tokens\n");
  CHECK(wrap("naïve ▁tokens", 12) == "naïve\n▁tokens\n");
  CHECK(wrap("█ █ █ █", 3) == "█ █\n█ █\n");
}

TEST_CASE("wrap: no line is wider than the width unless it is a single long word") {
  std::string text;
  const char* words[] = {"attention", "is",      "a",  "weighted", "average",
                         "ïn",        "▁tokens", "of", "values"};
  for (int i = 0; i < 300; ++i)
    text += std::string(words[(i * 7) % 9]) + (i % 41 == 40 ? "\n\n" : " ");
  for (int width : {10, 17, 40, 80}) {
    const std::string out = aib::show::wrap(text, width);
    for (const std::string& line : lines(out)) {
      INFO("width " << width << ", line '" << line << "'");
      CHECK(aib::show::display_width(line) <= width);
      CHECK((line.empty() || line.back() != ' '));
    }
    // Nothing lost: the same words in the same order.
    CHECK(aib::show::wrap(out, 1000) == aib::show::wrap(text, 1000));
  }
}

// ---- titles, sections, narrative ----------------------------------------------------------------

TEST_CASE("title_line: the title over a double rule as wide as the style") {
  using namespace aib::show;
  CHECK(title_line("Tokens", Style{false, 40}) == "Tokens\n" + repeat("═", 40) + "\n");
  const std::string long_title =
      title_line("A title that is much too long to fit on one line", Style{false, 40});
  CHECK(lines(long_title).size() == 3);
  CHECK(widest_line(long_title) == 40);
  const std::string colored = title_line("Tokens", Style{true, 40});
  CHECK(colored.find("\x1b[1mTokens\x1b[0m") != std::string::npos);
  CHECK(display_width(lines(colored)[1]) == 40);
}

TEST_CASE("section: a blank line, then the heading inside a rule") {
  using namespace aib::show;
  CHECK(section("Loss", Style{false, 40}) == "\n── Loss " + repeat("─", 32) + "\n");
  CHECK(section("  Loss  ", Style{false, 40}) == "\n── Loss " + repeat("─", 32) + "\n");
  const std::string long_heading =
      section("A heading far too long for a narrow terminal window", Style{false, 40});
  CHECK(widest_line(long_heading) <= 40);
  CHECK(lines(long_heading).back() == repeat("─", 40));
  const std::string colored = section("Loss", Style{true, 40});
  CHECK(colored.find("\x1b[1mLoss\x1b[0m") != std::string::npos);
  CHECK(widest_line(colored) == 40);
}

TEST_CASE("narrative: title, blank line, wrapped text") {
  using namespace aib::show;
  const Style style{false, 40};
  const std::string out = narrative(
      "Tokens", "Models read text as tokens: pieces of words.\n\nEach one has an id.", style);
  CHECK(out == "Tokens\n" + repeat("═", 40) +
                   "\n\nModels read text as tokens: pieces of\nwords.\n\nEach one has an id.\n");
  CHECK(narrative("", "Just text.", style) == "Just text.\n");
  CHECK(narrative("Only a title", "", style) == title_line("Only a title", style));
}

// ---- front matter
// --------------------------------------------------------------------------------

TEST_CASE("parse_front_matter reads key: value pairs and keeps the body") {
  const std::string doc =
      "---\n"
      "title: \"Self-attention: every token looks\"\n"
      "episode: 20\n"
      "\n"
      "# a comment line\n"
      "tags: [attention, transformer]\n"
      "quote: \"say \\\"hi\\\"\"\n"
      "single: 'it''s'\n"
      "url: https://example.org/a:b\n"
      "---\n"
      "# Self-attention\n"
      "\n"
      "Body text.\n";
  const aib::show::Document d = aib::show::parse_front_matter(doc, "20-self-attention.md");
  REQUIRE(d.front_matter.size() == 6);
  CHECK(d.front_matter[0].first == "title");
  CHECK(d.front_matter[5].first == "url");
  REQUIRE(d.get("title") != nullptr);
  CHECK(*d.get("title") == "Self-attention: every token looks");
  CHECK(*d.get("episode") == "20");
  CHECK(*d.get("tags") == "[attention, transformer]");
  CHECK(*d.get("quote") == "say \"hi\"");
  CHECK(*d.get("single") == "it's");
  CHECK(*d.get("url") == "https://example.org/a:b");
  CHECK(d.get("missing") == nullptr);
  CHECK(d.body == "# Self-attention\n\nBody text.\n");
}

TEST_CASE("parse_front_matter: CRLF, a byte order mark, no front matter, an empty one") {
  using aib::show::parse_front_matter;
  const aib::show::Document crlf =
      parse_front_matter("\xEF\xBB\xBF---\r\nslug: bpe\r\n---\r\nText\r\n", "x.md");
  REQUIRE(crlf.get("slug") != nullptr);
  CHECK(*crlf.get("slug") == "bpe");
  CHECK(crlf.body == "Text\r\n");
  const aib::show::Document none = parse_front_matter("# Title\n\nText\n", "x.md");
  CHECK(none.front_matter.empty());
  CHECK(none.body == "# Title\n\nText\n");
  const aib::show::Document empty = parse_front_matter("---\n---\n", "x.md");
  CHECK(empty.front_matter.empty());
  CHECK(empty.body.empty());
  CHECK(parse_front_matter("", "x.md").body.empty());
}

TEST_CASE("parse_front_matter errors name the file and the line") {
  using aib::show::parse_front_matter;
  CHECK(message_of([] { parse_front_matter("---\ntitle: x\nbody starts\n", "ep.md"); }) ==
        "parse_front_matter: ep.md:3: expected 'key: value', got 'body starts'");
  CHECK(
      message_of([] { parse_front_matter("---\ntitle: x\nslug: y\n", "ep.md"); }) ==
      "parse_front_matter: ep.md:1: front matter opened by '---' is never closed (expected a '---' "
      "line before the end of the file, line 3)");
  CHECK(message_of([] { parse_front_matter("---\n: x\n---\n", "ep.md"); }) ==
        "parse_front_matter: ep.md:2: empty key before ':' in ': x'");
  CHECK(message_of([] { parse_front_matter("---\na: 1\n\nb: 2\na: 3\n---\n", "ep.md"); }) ==
        "parse_front_matter: ep.md:5: key 'a' already given on line 2");
  CHECK(message_of([] { parse_front_matter("---\ntitle: \"open\n---\n", "ep.md"); }) ==
        "parse_front_matter: ep.md:2: the quoted value \"open is never closed");
  CHECK(message_of([] { parse_front_matter("---\ntitle: \"a\" b\n---\n", "ep.md"); }) ==
        "parse_front_matter: ep.md:2: the quoted value \"a\" b has text after its closing quote");
  CHECK_THROWS_AS(parse_front_matter("---\nno colon\n---\n", "ep.md"), aib::IoError);
}

// ---- markdown_to_text
// ----------------------------------------------------------------------------

TEST_CASE("markdown_to_text drops the leading title and joins paragraph lines") {
  using aib::show::markdown_to_text;
  CHECK(markdown_to_text("# T\n\nA *big*\nidea.\n\n## Next ##\nMore.") ==
        "A big idea.\n\nNext\n\nMore.");
  CHECK(markdown_to_text("\n\n# Title\nFirst paragraph\n  continues.\n\n\n\nSecond.\n") ==
        "First paragraph continues.\n\nSecond.");
  CHECK(markdown_to_text("Text first.\n\n# A later title stays\n") ==
        "Text first.\n\nA later title stays");
  CHECK(markdown_to_text("#hashtag is text") == "#hashtag is text");
  CHECK(markdown_to_text("").empty());
}

TEST_CASE("markdown_to_text strips emphasis pairs but not lone or intraword markers") {
  using aib::show::markdown_to_text;
  CHECK(markdown_to_text("**bold**, *it*, ***both***, _u_ and __uu__") ==
        "bold, it, both, u and uu");
  CHECK(markdown_to_text("**bold with *it* inside**") == "bold with it inside");
  CHECK(markdown_to_text("q_sample and snake_case_name stay") ==
        "q_sample and snake_case_name stay");
  CHECK(markdown_to_text("2 * 3 * 4 is 24") == "2 * 3 * 4 is 24");
  CHECK(markdown_to_text("an *unclosed marker") == "an *unclosed marker");
  CHECK(markdown_to_text("\\*literal\\* stars") == "*literal* stars");
  CHECK(markdown_to_text("*naïve* tökens") == "naïve tökens");
}

// ---- Table
// ---------------------------------------------------------------------------------------

TEST_CASE("fixed prints exactly the decimals asked for, never -0") {
  using aib::show::fixed;
  CHECK(fixed(3.14159, 2) == "3.14");
  CHECK(fixed(2.0, 3) == "2.000");
  CHECK(fixed(-1.25, 1) == "-1.2");  // fmt rounds the exact binary value half to even
  CHECK(fixed(-0.0001, 3) == "0.000");
  CHECK(fixed(-0.0, 1) == "0.0");
  CHECK(fixed(12345.678, 0) == "12346");
  CHECK(fixed(std::nan(""), 2) == "nan");
  CHECK(fixed(-std::numeric_limits<double>::infinity(), 2) == "-inf");
  CHECK(message_of([] { aib::show::fixed(1.0, -1); }) == "fixed: decimals = -1, expected 0..17");
}

TEST_CASE("looks_numeric recognises numbers and nothing else") {
  using aib::show::looks_numeric;
  for (const char* yes :
       {"0", "42", "-3.5", "+7", ".5", "1,024", "2.5e-3", "1E6", "12%", "nan", "inf", "−1"}) {
    INFO(yes);
    CHECK(looks_numeric(yes));
  }
  for (const char* no : {"", "-", "abc", "1.2.3", "e5", "1e", "v1", "12 ms", ",5", "1,", "▁the"}) {
    INFO(no);
    CHECK_FALSE(looks_numeric(no));
  }
}

TEST_CASE("Table renders with UTF-8 widths, numbers right and text left") {
  aib::show::Table t({"token", "id", "p"});
  t.add_row({"▁the", "262", "0.42"}).add_row({"naïve", "12345", "0.01"});
  CHECK(t.rows() == 2);
  CHECK(t.cols() == 3);
  CHECK(t.render() ==
        "token     id     p\n"
        "─────  ─────  ────\n"
        "▁the     262  0.42\n"
        "naïve  12345  0.01\n");
}

TEST_CASE("Table alignment: forced, or right only when the whole column is numeric") {
  using aib::show::Align;
  aib::show::Table t({"name", "value", "mixed"});
  t.add_row({"a", "1.5", "3"}).add_row({"b", "-", "x"}).add_row({"c", "", "4"});
  CHECK(t.alignment(0) == Align::left);
  CHECK(t.alignment(1) == Align::right);  // placeholders "-" and "" do not count
  CHECK(t.alignment(2) == Align::left);   // "x" is text
  t.align(0, Align::right).align(1, Align::left);
  CHECK(t.render() ==
        "name  value  mixed\n"
        "────  ─────  ─────\n"
        "   a  1.5    3\n"
        "   b  -      x\n"
        "   c         4\n");
  CHECK(message_of([&] { t.align(3, Align::left); }) ==
        "Table::align: column 3 does not exist; the table has 3 columns");
  CHECK(message_of([&] { (void)t.alignment(7); }) ==
        "Table::alignment: column 7 does not exist; the table has 3 columns");
}

TEST_CASE("Table refuses a row with the wrong number of cells, naming both counts") {
  aib::show::Table t({"a", "b", "c"});
  t.add_row({"1", "2", "3"});
  CHECK(message_of([&] {
          t.add_row({"1", "2"});
        }) == "Table::add_row: row 1 has 2 cells but the table has 3 columns");
  CHECK_THROWS_AS(t.add_row({"1", "2", "3", "4"}), aib::Error);
  CHECK(t.rows() == 1);
  CHECK_THROWS_AS(aib::show::Table({}), aib::Error);
}

TEST_CASE("Table narrows text columns to fit the style, never number columns") {
  aib::show::Table t({"description", "value"});
  t.add_row({"a very long description of what this number means in the course", "123456.789"});
  t.add_row({"short", "1.0"});
  const std::string out = t.render(Style{false, 40});
  CHECK(widest_line(out) <= 40);
  CHECK(out.find("…") != std::string::npos);
  CHECK(out.find("123456.789") != std::string::npos);
  // Line breaks inside a cell become spaces.
  aib::show::Table u({"x"});
  u.add_row({"two\nlines"});
  CHECK(u.render() == "x\n─────────\ntwo lines\n");
}

TEST_CASE("Table header is bold in colour mode and widths ignore the escapes") {
  aib::show::Table t({"step", "loss"});
  t.add_row({"1", "2.3026"});
  const std::string out = t.render(Style{true, 80});
  CHECK(out.find("\x1b[1m") != std::string::npos);
  CHECK(lines(out)[2] == "   1  2.3026");
  CHECK(widest_line(out) == 12);
}

TEST_CASE("grouped puts a comma between thousands, for integers and rounded doubles") {
  using aib::show::grouped;
  CHECK(grouped(0) == "0");
  CHECK(grouped(999) == "999");
  CHECK(grouped(1000) == "1,000");
  CHECK(grouped(std::uint64_t{18446744073709551615u}) == "18,446,744,073,709,551,615");
  CHECK(grouped(-50257) == "-50,257");
  CHECK(grouped(-999) == "-999");
  CHECK(grouped(1.75e11) == "175,000,000,000");
  CHECK(grouped(1234.5) == "1,234");  // round half to even, as printf does
  CHECK(grouped(-0.4) == "0");
  CHECK(grouped(std::nan("")) == "nan");
}
