// Tests for aib/core/utf8.hpp: the one UTF-8 decoder (valid input, every kind of invalid byte,
// round trips over all code points, any byte string splits losslessly).
#include <cstdint>
#include <string>
#include <vector>

#include "catch.hpp"

#include "aib/core/random.hpp"
#include "aib/core/utf8.hpp"

TEST_CASE("utf8_decode: one to four bytes, and the length of each") {
  const std::string s = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x91\x8D";  // a é € 👍
  std::vector<char32_t> cps;
  std::vector<std::uint32_t> lens;
  for (std::size_t i = 0; i < s.size();) {
    const aib::Utf8Char c = aib::utf8_decode(s, i);
    cps.push_back(c.cp);
    lens.push_back(c.len);
    CHECK(aib::utf8_char_length(s, i) == c.len);
    i += c.len;
  }
  CHECK(cps == std::vector<char32_t>{U'a', 0xE9, 0x20AC, 0x1F44D});
  CHECK(lens == std::vector<std::uint32_t>{1, 2, 3, 4});
}

TEST_CASE("utf8_decode: an invalid byte is a character of its own") {
  // Stray continuation, truncated 2- and 3-byte forms, overlong '/', overlong 3- and 4-byte
  // forms, a surrogate half, above U+10FFFF, lead bytes no sequence uses.
  for (const std::string bad :
       {"\x80", "\xBF", "\xC3", "\xE2\x82", "\xC0\xAF", "\xE0\x80\xAF", "\xF0\x80\x80\xAF",
        "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xF5", "\xFF", "\xC3(", "\xE2\x82("}) {
    INFO("bytes of length " << bad.size());
    const aib::Utf8Char c = aib::utf8_decode(bad, 0);
    CHECK(c.cp == aib::kInvalidChar);
    CHECK(c.len == 1);
  }
  // The edges that are valid: U+D7FF, U+E000, U+10FFFF, U+0080, U+0800, U+10000.
  CHECK(aib::utf8_decode("\xED\x9F\xBF", 0).cp == 0xD7FF);
  CHECK(aib::utf8_decode("\xEE\x80\x80", 0).cp == 0xE000);
  CHECK(aib::utf8_decode("\xF4\x8F\xBF\xBF", 0).cp == 0x10FFFF);
  CHECK(aib::utf8_decode("\xC2\x80", 0).cp == 0x80);
  CHECK(aib::utf8_decode("\xE0\xA0\x80", 0).cp == 0x800);
  CHECK(aib::utf8_decode("\xF0\x90\x80\x80", 0).cp == 0x10000);
}

TEST_CASE("append_utf8 and utf8_decode round-trip every Unicode scalar value") {
  std::size_t checked = 0;
  for (char32_t cp = 0; cp < 0x110000; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;  // surrogates are not scalar values
    std::string bytes;
    aib::append_utf8(bytes, cp);
    const std::size_t expected_len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    const aib::Utf8Char c = aib::utf8_decode(bytes, 0);
    if (c.cp != cp || c.len != bytes.size() || bytes.size() != expected_len) {
      FAIL("code point " << static_cast<std::uint32_t>(cp) << " does not round-trip");
    }
    ++checked;
  }
  CHECK(checked == 0x110000 - 0x800);
}

TEST_CASE("utf8_chars: random bytes split into pieces that concatenate back") {
  aib::Rng rng(7);
  for (int round = 0; round < 200; ++round) {
    std::string s;
    const std::uint32_t n = rng.uniform_int(41);
    for (std::uint32_t k = 0; k < n; ++k) {  // ASCII, continuation or lead bytes, a third each
      const std::uint32_t pick = rng.uniform_int(3);
      s += static_cast<char>(pick == 0   ? rng.uniform_int(0x80)
                             : pick == 1 ? 0x80 + rng.uniform_int(0x40)
                                         : 0xC0 + rng.uniform_int(0x40));
    }
    std::string joined;
    for (const std::string_view piece : aib::utf8_chars(s)) {
      const aib::Utf8Char c = aib::utf8_decode(piece, 0);
      REQUIRE(c.len == piece.size());
      if (c.cp != aib::kInvalidChar) {  // a valid piece is the encoding of its code point
        std::string again;
        aib::append_utf8(again, c.cp);
        CHECK(again == piece);
      }
      joined += piece;
    }
    CHECK(joined == s);
  }
}

TEST_CASE("to_valid_utf8: valid text unchanged, one U+FFFD per maximal invalid subpart") {
  CHECK(aib::to_valid_utf8("naïve ▁x") == "naïve ▁x");
  CHECK(aib::to_valid_utf8("a\xE2\x82"
                           "b") ==
        "a\xEF\xBF\xBD"
        "b");                                                           // truncated €: one U+FFFD
  CHECK(aib::to_valid_utf8("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong: two
  CHECK(aib::to_valid_utf8("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}
