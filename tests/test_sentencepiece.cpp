// Tests for aib/tokenizer/sentencepiece.hpp: a hand-derivable vocabulary (scores, ties, unknown
// characters, byte fallback), every line of a fixture segmented exactly as spm_encode does,
// decoding as spm_decode does, round trips, and .vocab files that must be refused with the line
// named.
//
// Fixtures in tests/fixtures/sentencepiece/ were written by Debian's sentencepiece 0.1.97
// (tools/make_sentencepiece_fixture.sh; provenance in tests/fixtures/sentencepiece/README.md).
#include <cstdint>
#include <string>
#include <vector>

#include "catch.hpp"
#include "test_helpers.hpp"

#include "aib/core/text.hpp"
#include "aib/tokenizer/sentencepiece.hpp"

using aib::tokenizer::InvalidUtf8;
using aib::tokenizer::SentencePieceBpe;
using aib_test::lines;
using aib_test::message_of;
using Pieces = std::vector<std::string>;
using Ids = std::vector<int>;

namespace {

std::string fixture(const std::string& name) {
  return std::string(AIB_FIXTURES_DIR) + "/sentencepiece/" + name;
}

std::string read_text(const std::string& path) {
  const std::vector<unsigned char> b = aib_test::read_bytes(path);
  return std::string(b.begin(), b.end());
}

std::vector<std::string> split(const std::string& s) {  // on single spaces; "" -> {}
  std::vector<std::string> out;
  if (s.empty()) return out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = s.find(' ', start);
    out.push_back(s.substr(start, end - start));
    if (end == std::string::npos) return out;
    start = end + 1;
  }
}

Ids to_ids(const std::string& s) {
  Ids out;
  for (const std::string& t : split(s)) out.push_back(std::stoi(t));
  return out;
}

bool valid_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = aib::utf8_char_length(s, i);
    if (n == 1 && static_cast<unsigned char>(s[i]) >= 0x80) return false;
    i += n;
  }
  return true;
}

// What sentencepiece's normalizer does to invalid UTF-8: each offending byte becomes U+FFFD.
std::string replace_invalid(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = aib::utf8_char_length(s, i);
    const bool bad = n == 1 && static_cast<unsigned char>(s[i]) >= 0x80;
    out += bad ? std::string("\xEF\xBF\xBD") : s.substr(i, n);
    i += n;
  }
  return out;
}

// remove_extra_whitespaces on plain text: no leading or trailing ' ', runs of ' ' become one.
std::string collapse_spaces(const std::string& s) {
  std::string out;
  for (const char c : s) {
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out += c;
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// A vocabulary small enough to segment by hand. Scores: higher merges first.
//   id 0 <unk>, 1 <s>, 2 </s>, 3 ▁ (-5), 4 a (-6), 5 b (-7),
//   6 ab (-1) and 7 ba (-1) tie, 8 ▁ab (-2), 9 bb (0, the best).
const char* const kTiny =
    "<unk>\t0\n<s>\t0\n</s>\t0\n\xE2\x96\x81\t-5\na\t-6\nb\t-7\nab\t-1\nba\t-1\n"
    "\xE2\x96\x81\x61\x62\t-2\nbb\t0\n";  // \x61\x62 is ab

// The same with the 256 byte pieces appended: <0xNN> has id 10 + NN.
std::string tiny_with_bytes() {
  std::string v = kTiny;
  for (int b = 0; b < 256; ++b) v += fmt::format("<0x{:02X}>\t0\n", b);
  return v;
}

const std::string kSp = "\xE2\x96\x81";  // ▁

}  // namespace

// ---- normalization -----------------------------------------------------------------------------

TEST_CASE(
    "sentencepiece_normalize: dummy prefix, spaces trimmed and collapsed, only ' ' is a space") {
  using aib::tokenizer::sentencepiece_normalize;
  CHECK(sentencepiece_normalize("  Hello   world ") == kSp + "Hello" + kSp + "world");
  CHECK(sentencepiece_normalize("world") == kSp + "world");
  CHECK(sentencepiece_normalize("").empty());
  CHECK(sentencepiece_normalize("     ").empty());
  CHECK(sentencepiece_normalize("a\tb\n") == kSp + "a\tb\n");  // tab, newline: ordinary characters
  CHECK(sentencepiece_normalize("a\xC2\xA0z") == kSp + "a\xC2\xA0z");  // so is U+00A0
  // A literal ▁ is kept, never collapsed with spaces, but trimmed at the end like one.
  CHECK(sentencepiece_normalize("a " + kSp + " b") == kSp + "a" + kSp + kSp + kSp + "b");
  CHECK(sentencepiece_normalize("x" + kSp + kSp) == kSp + "x");
  CHECK(sentencepiece_normalize(kSp).empty());
}

// ---- a vocabulary segmented by hand ------------------------------------------------------------

TEST_CASE("tiny vocabulary: the highest-scoring pair merges first") {
  const SentencePieceBpe v = SentencePieceBpe::from_vocab_text(kTiny, "tiny.vocab");
  REQUIRE(v.size() == 10);
  CHECK(v.unk_id() == 0);
  CHECK(v.bos_id() == 1);
  CHECK(v.eos_id() == 2);
  CHECK_FALSE(v.byte_fallback());
  CHECK(v.piece(8) == kSp + "ab");
  CHECK(v.score(9) == 0.f);
  CHECK(v.kind(1) == SentencePieceBpe::Kind::control);
  CHECK(v.piece_to_id("ba") == 7);
  CHECK(v.piece_to_id("zz") == -1);

  // "ab" -> ▁ a b; only "ab" (-1) is a piece: ▁ ab; then "▁ab" (-2): one piece.
  CHECK(v.encode_pieces("ab") == Pieces{kSp + "ab"});
  CHECK(v.encode("ab") == Ids{8});
  // "abb" -> ▁ a b b: "bb" (0) beats "ab" (-1) although "ab" is further left: ▁ a bb, and neither
  // "▁a" nor "abb" is a piece. (Merging leftmost-first would give ▁ab b.)
  CHECK(v.encode_pieces("abb") == Pieces{kSp, "a", "bb"});
  CHECK(v.encode("abb") == Ids{3, 4, 9});
  // No pre-split on spaces: the pieces just never hold a ▁ inside, so they start at word starts.
  CHECK(v.encode("ab ab") == Ids{8, 8});
  CHECK(v.encode("  ab   ab  ") == Ids{8, 8});
  CHECK(v.encode("").empty());
  CHECK(v.encode("   ").empty());
}

TEST_CASE("tiny vocabulary: on equal scores the leftmost pair merges first") {
  const SentencePieceBpe v = SentencePieceBpe::from_vocab_text(kTiny, "tiny.vocab");
  // "aba" -> ▁ a b a: "ab" at 1 and "ba" at 2 both score -1; the left one wins: ▁ ab a; then ▁ab.
  // (Rightmost first would give ▁ a ba.)
  CHECK(v.encode_pieces("aba") == Pieces{kSp + "ab", "a"});
  // "bab" -> ▁ b a b: "ba" at 1 beats "ab" at 2: ▁ ba b, and "▁ba", "bab" are not pieces.
  CHECK(v.encode_pieces("bab") == Pieces{kSp, "ba", "b"});
  CHECK(v.encode("bab") == Ids{3, 7, 5});
  // The same piece twice: "bbb" -> ▁ b b b: "bb" at 1 before "bb" at 2.
  CHECK(v.encode_pieces("bbb") == Pieces{kSp, "bb", "b"});
}

TEST_CASE("tiny vocabulary without byte pieces: unknown characters become <unk>, runs joined") {
  const SentencePieceBpe v = SentencePieceBpe::from_vocab_text(kTiny, "tiny.vocab");
  // "cab c" -> ▁ c a b ▁ c -> ▁ c ab ▁ c; 'c' is not in the vocabulary. Like spm, the piece keeps
  // the unknown text and the id is <unk>'s; adjacent unknown characters form one piece.
  CHECK(v.encode_pieces("cab c") == Pieces{kSp, "c", "ab", kSp, "c"});
  CHECK(v.encode("cab c") == Ids{3, 0, 6, 3, 0});
  CHECK(v.encode_pieces("ccd") == Pieces{kSp, "ccd"});
  CHECK(v.encode("ccd") == Ids{3, 0});
  CHECK(v.decode({3, 0, 6}) == " \xE2\x81\x87 ab");  // <unk> decodes to spm's " ⁇ "
}

TEST_CASE("tiny vocabulary with byte pieces: unknown characters fall back to their UTF-8 bytes") {
  const SentencePieceBpe v = SentencePieceBpe::from_vocab_text(tiny_with_bytes(), "tiny.vocab");
  REQUIRE(v.size() == 266);
  REQUIRE(v.byte_fallback());
  CHECK(v.byte_id(0x63) == 10 + 0x63);
  CHECK(v.kind(10) == SentencePieceBpe::Kind::byte);
  CHECK(v.encode_pieces("cab") == Pieces{kSp, "<0x63>", "ab"});
  CHECK(v.encode("cab") == Ids{3, 10 + 0x63, 6});
  // 中 is E4 B8 AD: one byte piece per byte.
  CHECK(v.encode_pieces("\xE4\xB8\xAD") == Pieces{kSp, "<0xE4>", "<0xB8>", "<0xAD>"});
  CHECK(v.decode(v.encode("ab\xE4\xB8\xAD")) == "ab\xE4\xB8\xAD");
  // A byte piece written in the text is just text, never the byte.
  CHECK(v.encode_pieces("<0x61>")[1] == "<0x3C>");
}

TEST_CASE("tiny vocabulary: decoding follows spm_decode") {
  const SentencePieceBpe v = SentencePieceBpe::from_vocab_text(tiny_with_bytes(), "tiny.vocab");
  CHECK(v.decode({8, 4}) == "aba");
  CHECK(v.decode({8, 8}) == "ab ab");
  CHECK(v.decode({8, 3, 8}) == "ab  ab");  // a lone ▁ piece is one more space
  CHECK(v.decode({1, 8, 2}) == "ab");      // control pieces are invisible
  CHECK(v.decode({3, 3, 8}) == "ab");      // each piece loses its leading ▁ until text appears
  CHECK(v.decode({10 + 'x', 8}) == "x ab");
  CHECK(v.decode({}).empty());
  // Bytes that end inside a character: kept raw, or replaced as spm_decode does.
  CHECK(v.decode({4, 10 + 0xE4, 10 + 0xB8}) == "a\xE4\xB8");
  CHECK(v.decode({4, 10 + 0xE4, 10 + 0xB8}, InvalidUtf8::replace) == "a\xEF\xBF\xBD\xEF\xBF\xBD");
  // Pieces: one the vocabulary lacks is copied as it is.
  CHECK(v.decode_pieces({kSp, "zz", kSp + "ab"}) == "zz ab");
  CHECK(v.decode_pieces({"<0xE4>", "<0xB8>", "<0xAD>"}) == "\xE4\xB8\xAD");
  CHECK_THROWS_WITH(v.decode({8, 266}),
                    Catch::Contains("SentencePieceBpe::decode: ids[1] = 266 is outside"));
  CHECK_THROWS_AS(v.decode({-1}), aib::Error);
  CHECK_THROWS_AS(v.piece(266), aib::Error);
}

TEST_CASE("invalid UTF-8 never crashes and round-trips through byte pieces") {
  const SentencePieceBpe v = SentencePieceBpe::from_vocab_text(tiny_with_bytes(), "tiny.vocab");
  // \xFF is no UTF-8 at all; \xE4\xB8 is a truncated character; \x80 a lone continuation byte.
  const std::string bad = "a\xFF\x62 \xE4\xB8 ab\x80";  // \x62 is b
  CHECK(v.encode_pieces("a\xFF\x62") == Pieces{kSp, "a", "<0xFF>", "b"});
  const Ids ids = v.encode(bad);
  CHECK(v.decode(ids) == bad);
  CHECK(v.decode(ids, InvalidUtf8::replace) ==
        "a\xEF\xBF\xBD\x62 \xEF\xBF\xBD\xEF\xBF\xBD ab\xEF\xBF\xBD");  // \x62 is b
  // Every single byte value, and every pair, alone or after a space.
  for (int b = 0; b < 256; ++b) {
    const std::string s(1, static_cast<char>(b));
    CHECK(v.decode(v.encode("a" + s + "b")) == "a" + s + "b");
    for (int c = 128; c < 256; c += 7) {
      const std::string t = s + static_cast<char>(c);
      CHECK(v.decode(v.encode("x " + t)) == collapse_spaces("x " + t));
    }
  }
}

// ---- malformed .vocab files --------------------------------------------------------------------

TEST_CASE("malformed .vocab text throws aib::Error naming the file and line") {
  const auto error_of = [](const std::string& text) {
    return message_of([&] { SentencePieceBpe::from_vocab_text(text, "bad.vocab"); });
  };
  using Catch::Contains;
  CHECK_THAT(error_of(""), Contains("bad.vocab is empty"));
  CHECK_THAT(error_of("<unk>\t0\nab -1\n"), Contains("bad.vocab line 2") && Contains("no tab"));
  CHECK_THAT(error_of("<unk>\t0\na\t-1\nab\tx\n"),
             Contains("bad.vocab line 3") && Contains("score 'x' of piece 'ab' is not a number"));
  CHECK_THAT(error_of("<unk>\t0\nab\t-1.5junk\n"), Contains("line 2") && Contains("not a number"));
  CHECK_THAT(error_of("<unk>\t0\nab\t\n"), Contains("line 2") && Contains("not a number"));
  CHECK_THAT(error_of("<unk>\t0\nab\t-1\nb\t-2\nab\t-3\n"),
             Contains("bad.vocab line 4") && Contains("piece 'ab' is already defined on line 2"));
  CHECK_THAT(error_of("<unk>\t0\n\nab\t-1\n"), Contains("line 2") && Contains("empty line"));
  // A file's bytes reach the terminal escaped: ESC [ 2 J would clear the user's screen.
  const std::string clear_screen = error_of("<unk>\t0\nab\t\x1b[2J\n");
  CHECK_THAT(clear_screen, Contains("score '\\x1b[2J' of piece 'ab'"));
  CHECK(clear_screen.find('\x1b') == std::string::npos);
  CHECK_THAT(error_of("<unk>\t0\n\t-1\n"), Contains("line 2") && Contains("empty piece"));
  CHECK_THAT(error_of("ab\t-1\n"), Contains("bad.vocab has no <unk> piece"));
  CHECK_THAT(error_of("<unk>\t0\n<0x00>\t0\n<0x01>\t0\n"),
             Contains("has 2 byte pieces") && Contains("needs all 256"));
  CHECK_THROWS_AS(SentencePieceBpe::from_vocab_text("x"), aib::IoError);
  CHECK_THAT(message_of([] { SentencePieceBpe::load("/nonexistent/dir/m.vocab"); }),
             Contains("SentencePieceBpe::load: '/nonexistent/dir/m.vocab': cannot open: No such"));
  // Accepted: CRLF line ends, no final newline, decimal and exponent scores, a tab inside a piece.
  const SentencePieceBpe ok =
      SentencePieceBpe::from_vocab_text("<unk>\t0\r\na\t-1.5\r\nb\t-2e1\nx\ty\t3", "ok.vocab");
  CHECK(ok.size() == 4);
  CHECK(ok.score(1) == -1.5f);
  CHECK(ok.score(2) == -20.f);
  CHECK(ok.piece(3) == "x\ty");
}

// ---- parity with spm_encode / spm_decode --------------------------------------------------------

namespace {

struct Fixture {
  SentencePieceBpe vocab = SentencePieceBpe::load(fixture("course-bpe.vocab"));
  std::vector<std::string> inputs = lines(read_text(fixture("inputs.txt")));
  std::vector<std::string> pieces = lines(read_text(fixture("pieces.txt")));
  std::vector<std::string> ids = lines(read_text(fixture("ids.txt")));
  std::vector<std::string> decoded = lines(read_text(fixture("decoded.txt")));
};

const Fixture& the_fixture() {
  static const Fixture f;
  return f;
}

}  // namespace

TEST_CASE("the fixture vocabulary loads with spm_train's layout") {
  const SentencePieceBpe& v = the_fixture().vocab;
  CHECK(v.size() == 1000);
  CHECK(v.unk_id() == 0);
  CHECK(v.bos_id() == 1);
  CHECK(v.eos_id() == 2);
  REQUIRE(v.byte_fallback());
  CHECK(v.piece(3) == "<0x00>");
  CHECK(v.byte_id(0xFF) == 258);
  CHECK(v.kind(259) == SentencePieceBpe::Kind::normal);  // the first merge
  CHECK(v.encode_pieces("Tokens are the atoms of language models.") ==
        Pieces{kSp + "T", "o", "ken", "s", kSp + "are", kSp + "the", kSp + "at", "om", "s",
               kSp + "of", kSp + "language", kSp + "models", "."});
}

TEST_CASE("every fixture line segments exactly as spm_encode does") {
  const Fixture& f = the_fixture();
  REQUIRE(f.inputs.size() == 38);
  REQUIRE(f.pieces.size() == f.inputs.size());
  REQUIRE(f.ids.size() == f.inputs.size());
  int invalid_lines = 0;
  for (std::size_t i = 0; i < f.inputs.size(); ++i) {
    INFO("inputs.txt line " << i + 1 << ": " << f.inputs[i]);
    // spm replaces each invalid UTF-8 byte by U+FFFD before segmenting; we keep the byte itself
    // (see the next test), so on those lines compare after the same replacement.
    const bool valid = valid_utf8(f.inputs[i]);
    invalid_lines += valid ? 0 : 1;
    const std::string text = valid ? f.inputs[i] : replace_invalid(f.inputs[i]);
    CHECK(f.vocab.encode_pieces(text) == split(f.pieces[i]));
    CHECK(f.vocab.encode(text) == to_ids(f.ids[i]));
  }
  CHECK(invalid_lines == 4);
}

TEST_CASE("spm_encode's ids decode exactly as spm_decode does") {
  const Fixture& f = the_fixture();
  REQUIRE(f.decoded.size() == f.inputs.size());
  for (std::size_t i = 0; i < f.inputs.size(); ++i) {
    INFO("ids.txt line " << i + 1);
    CHECK(f.vocab.decode(to_ids(f.ids[i])) == f.decoded[i]);
    CHECK(f.vocab.decode(to_ids(f.ids[i]), InvalidUtf8::replace) == f.decoded[i]);
    CHECK(f.vocab.decode_pieces(split(f.pieces[i])) == f.decoded[i]);
  }
}

TEST_CASE(
    "decode(encode(x)) is x with its spaces trimmed and collapsed, for any bytes without U+2581") {
  // What round-trips: every byte, including tabs, newlines and invalid UTF-8; what does not:
  // leading and trailing ' ' and runs of ' ' (remove_extra_whitespaces), and a literal U+2581,
  // which comes back as a space (or not at all at either end).
  const Fixture& f = the_fixture();
  for (std::size_t i = 0; i < f.inputs.size(); ++i) {
    const std::string& x = f.inputs[i];
    INFO("inputs.txt line " << i + 1 << ": " << x);
    if (x.find(kSp) != std::string::npos) continue;
    CHECK(f.vocab.decode(f.vocab.encode(x)) == collapse_spaces(x));
    if (valid_utf8(x)) CHECK(f.decoded[i] == collapse_spaces(x));  // spm agrees
  }
  const std::string literal =
      "literal " + kSp + " marks: " + kSp + "word, word" + kSp + " and " + kSp + kSp + " here";
  CHECK(f.vocab.decode(f.vocab.encode(literal)) == "literal   marks:  word, word  and    here");
  CHECK(f.vocab.decode(f.vocab.encode(kSp + "x" + kSp)) == "x");
}

TEST_CASE("the heap merge equals the plain O(n^2) merge") {
  const SentencePieceBpe& v = the_fixture().vocab;
  for (const std::string& x : the_fixture().inputs) {
    const std::string norm = aib::tokenizer::sentencepiece_normalize(x);
    CHECK(v.merge(norm) == v.merge_plain(norm));
  }
  // Random strings over letters the vocabulary merges a lot, spaces and a byte-fallback character.
  const std::string alphabet[] = {"a", "e", "t", "h", "n", "s", "o", " ", " ", "\xCE\xB1"};
  std::uint64_t state = 12345;
  for (int trial = 0; trial < 200; ++trial) {
    std::string s;
    for (int k = 0; k < 60; ++k) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;  // an LCG is enough here
      s += alphabet[(state >> 33) % 10];
    }
    const std::string norm = aib::tokenizer::sentencepiece_normalize(s);
    INFO(s);
    CHECK(v.merge(norm) == v.merge_plain(norm));
  }
}

TEST_CASE("repetitive input stays fast: 10,000 repeats") {
  const SentencePieceBpe& v = the_fixture().vocab;
  // spm on 3,000 o's (fixture): ▁o, then oo pairs from the left, then a lone o. The same for
  // 10,000.
  const Pieces p = v.encode_pieces(std::string(10000, 'o'));
  REQUIRE(p.size() == 1 + 4999 + 1);
  CHECK(p.front() == kSp + "o");
  CHECK(p[1] == "oo");
  CHECK(p[4999] == "oo");
  CHECK(p.back() == "o");
  for (const std::string unit : {"^", "0", "a", "'s", " ", "\n", "the "}) {
    std::string s;
    for (int k = 0; k < 10000; ++k) s += unit;
    INFO("unit '" << unit << "'");
    const Ids ids = v.encode(s);
    CHECK(v.decode(ids) == collapse_spaces(s));
  }
}
