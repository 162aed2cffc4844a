// Tests for aib/tokenizer/bpe_train.hpp: the hand-checkable minbpe case, the plain and the fast
// trainer learning the same merge list (not only the same ids) on real and tie-heavy text, the
// tie-break rule, and errors.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "catch.hpp"
#include "test_helpers.hpp"

#include "aib/core/random.hpp"
#include "aib/tokenizer/bpe_train.hpp"

namespace tk = aib::tokenizer;
using aib_test::message_of;

namespace {

std::string course_text() {
  std::ifstream in(std::string(AIB_SOURCE_DIR) + "/examples/data/course-sentences.txt");
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

tk::TrainOptions options(std::size_t vocab, tk::SplitPattern p = tk::SplitPattern::gpt2) {
  tk::TrainOptions o;
  o.vocab_size = vocab;
  o.pattern = p;
  return o;
}

}  // namespace

TEST_CASE("bpe_train: aaabdaaabac gives minbpe's three merges and ids", "[tokenizer][train]") {
  for (const bool fast : {false, true}) {
    const tk::TrainResult r = fast ? tk::train_bpe({"aaabdaaabac"}, options(259))
                                   : tk::train_bpe_plain({"aaabdaaabac"}, options(259));
    // aa occurs 4 times; then (aa, a) and (a, b) both occur twice and (aa, a) comes first in the
    // text; then (aaa, b) twice.
    CHECK(r.merges == std::vector<tk::Merge>{{97, 97, 256, 4}, {256, 97, 257, 2}, {257, 98, 258, 2}});
    CHECK(r.encoding.encode_ordinary("aaabdaaabac") == std::vector<tk::Rank>{258, 100, 258, 97, 99});
    CHECK(r.encoding.token_bytes(258) == "aaab");
  }
}

TEST_CASE("bpe_train: ties go to the pair that occurs first in the text", "[tokenizer][train]") {
  // Pieces "xy", " ab", " xy", " ab": (x, y), (' ', a) and (a, b) occur twice each. (x, y) is
  // first in the text, so it is merged first; then (' ', a), at byte 0 of " ab", beats (a, b).
  const tk::TrainResult r = tk::train_bpe({"xy ab xy ab"}, options(258));
  REQUIRE(r.merges.size() == 2);
  CHECK(r.merges[0] == tk::Merge{'x', 'y', 256, 2});
  CHECK(r.merges[1] == tk::Merge{' ', 'a', 257, 2});
  CHECK(tk::train_bpe_plain({"xy ab xy ab"}, options(258)).merges == r.merges);
}

TEST_CASE("bpe_train: the fast trainer learns exactly the plain trainer's merges", "[tokenizer][train]") {
  const std::string text = course_text();
  for (const tk::SplitPattern p : {tk::SplitPattern::gpt2, tk::SplitPattern::cl100k, tk::SplitPattern::o200k}) {
    const tk::TrainResult plain = tk::train_bpe_plain({text}, options(700, p));
    const tk::TrainResult fast = tk::train_bpe({text}, options(700, p));
    CHECK(plain.merges.size() == 444);
    CHECK(plain.merges == fast.merges);
    CHECK(fast.encoding.decode_bytes(fast.encoding.encode_ordinary(text)) == text);
    // Compression: more than 2.5 bytes per token on the text it was trained on (bytes alone: 1).
    CHECK(fast.encoding.encode_ordinary(text).size() * 5 < text.size() * 2);
  }
  // Tie-heavy input: short random words over three letters, many texts.
  aib::Rng rng(9);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<std::string> texts(3);
    for (std::string& t : texts)
      for (int i = 0; i < 300; ++i) t += "ab c\n"[rng.uniform_int(5)];
    const tk::TrainResult plain = tk::train_bpe_plain(texts, options(330));
    const tk::TrainResult fast = tk::train_bpe(texts, options(330));
    REQUIRE(plain.merges == fast.merges);
  }
}

TEST_CASE("bpe_train: joined bytes that already have a token reuse its id", "[tokenizer][train]") {
  // Tokens "ab" and "c" merge to "abc"; later "a" + "bc" would make the same bytes.
  const std::string text = "ab ab ab ab abc abc abc bc bc bc bc bc bc abc";
  const tk::TrainResult plain = tk::train_bpe_plain({text}, options(270, tk::SplitPattern::gpt2));
  const tk::TrainResult fast = tk::train_bpe({text}, options(270, tk::SplitPattern::gpt2));
  CHECK(plain.merges == fast.merges);
  for (const tk::Merge& m : fast.merges)
    CHECK(fast.encoding.token_bytes(m.id) ==
          std::string(fast.encoding.token_bytes(m.left)) + std::string(fast.encoding.token_bytes(m.right)));
  CHECK(fast.encoding.decode_bytes(fast.encoding.encode_ordinary(text)) == text);
}

TEST_CASE("bpe_train: vocabulary size, special tokens and small inputs", "[tokenizer][train]") {
  tk::TrainOptions o = options(300);
  o.special_tokens = {"<|endoftext|>", "<|pad|>"};
  const tk::TrainResult r = tk::train_bpe({course_text()}, o);
  CHECK(r.encoding.n_ranks() == 300);
  CHECK(r.encoding.special_id("<|endoftext|>") == 300);
  CHECK(r.encoding.special_id("<|pad|>") == 301);
  // Nothing to merge: the vocabulary stops at the bytes.
  CHECK(tk::train_bpe({"a.b!c"}, options(1000)).encoding.n_ranks() == 256);
  CHECK(tk::train_bpe({}, options(1000)).merges.empty());
  CHECK_THAT(message_of([] { tk::train_bpe({"x"}, options(100)); }),
             Catch::Contains("vocab_size must be at least 256"));
  o.special_tokens = {"<|a|>", "<|a|>"};
  CHECK_THAT(message_of([&] { tk::train_bpe({"x"}, o); }), Catch::Contains("'<|a|>' is listed twice"));
}
