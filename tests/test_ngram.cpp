// Tests for aib/generative/ngram.hpp and aib/core/text.hpp.
#include <map>

#include "catch.hpp"

#include "aib/generative/ngram.hpp"

TEST_CASE("utf8_chars splits code points and keeps invalid bytes whole, losing nothing") {
  const std::string s = "na\xC3\xAFve \xE2\x96\x81x\xF0\x9F\x91\x8D";  // naïve ▁x👍
  const auto chars = aib::utf8_chars(s);
  REQUIRE(chars.size() == 9);
  CHECK(chars[2] == "\xC3\xAF");
  CHECK(chars[6] == "\xE2\x96\x81");
  CHECK(chars[8] == "\xF0\x9F\x91\x8D");
  // Invalid: lone continuation, truncated sequence, overlong '/', surrogate half.
  const std::string bad = "\x80" "a\xC3" "\xC0\xAF" "\xED\xA0\x80" "\xE2\x96";
  std::string joined;
  for (auto c : aib::utf8_chars(bad)) {
    CHECK(c.size() == 1);
    joined += c;
  }
  CHECK(joined == bad);
}

TEST_CASE("words lower-cases and splits on punctuation") {
  CHECK(aib::words("Don't PANIC: 42 'tokens'!") ==
        std::vector<std::string>{"don't", "panic", "42", "tokens"});
  CHECK(aib::words("  ...  ").empty());
}

TEST_CASE("a bigram model of 'aab' has hand-computable probabilities") {
  // Read as a loop, "aab" gives the pairs a→a, a→b, b→a.
  aib::NgramModel m(2);
  m.fit("aab");
  REQUIRE(m.vocab_size() == 2);
  CHECK(m.alphabet() == std::vector<std::string>{"a", "b"});
  CHECK(m.num_contexts() == 2);
  const auto after_a = m.predict("a");
  CHECK(after_a.context == "a");
  CHECK(after_a.count == 2);
  CHECK(after_a.probs(0) == 0.5);
  CHECK(after_a.probs(1) == 0.5);
  const auto after_b = m.predict("xxb");
  CHECK(after_b.probs(0) == 1.0);
  // An unknown context backs off to the empty one: the character frequencies 2/3, 1/3.
  const auto unknown = m.predict("z");
  CHECK(unknown.context.empty());
  CHECK(unknown.probs(0) == Approx(2.0 / 3));
}

TEST_CASE("a trigram backs off to the longest seen suffix") {
  aib::NgramModel m(3);
  m.fit("the cat sat");
  const auto p = m.predict("zat");  // "at" was seen, "zat" was not
  CHECK(p.context == "at");
  CHECK(p.probs(m.vocab_size() - 1) > 0);  // 't' is the last symbol alphabetically... check it:
  CHECK(m.alphabet().back() == "t");
  const auto q = m.predict("qz");  // neither "qz" nor "z" seen
  CHECK(q.context.empty());
  CHECK(q.count == 11);
}

TEST_CASE("sampling only produces continuations seen in training") {
  const std::string text = "abcabdabe";
  aib::NgramModel m(2);
  m.fit(text);
  aib::Rng rng(1);
  const std::string s = m.sample(rng, "a", 200, 1.0);
  CHECK(s.size() == 200);
  std::string prev = "a";
  for (char c : s) {
    // every adjacent pair of the output occurs in the training loop
    const std::string pair = prev + c;
    CHECK((text + text.front()).find(pair) != std::string::npos);
    prev = std::string(1, c);
  }
  // Greedy decoding (T = 0) after 'a' always takes 'b' (the only continuation).
  CHECK(m.sample(rng, "a", 1, 0.0) == "b");
  // Stopping after a given character. After '\n' come 'a' and 'c' once each; greedy takes the
  // first in alphabet order, then 'b', then the stop character.
  aib::NgramModel lines(2);
  lines.fit("ab\ncd\n");
  CHECK(lines.sample(rng, "\n", 100, 0.0, "\n") == "ab\n");
}

TEST_CASE("temperature reshapes the counted distribution as count^(1/T)") {
  aib::NgramModel m(1);
  m.fit("aaab");  // p(a) = 3/4 at T = 1; at T = 0.5, 9/10
  aib::Rng rng(3);
  std::map<std::string, int> n1, nhalf;
  for (int i = 0; i < 20000; ++i) {
    ++n1[m.sample(rng, "", 1, 1.0)];
    ++nhalf[m.sample(rng, "", 1, 0.5)];
  }
  CHECK(n1["a"] / 20000.0 == Approx(0.75).margin(0.01));
  CHECK(nhalf["a"] / 20000.0 == Approx(0.9).margin(0.01));
}

TEST_CASE("novelty counts windows never seen in training") {
  const auto nov = aib::novelty({"abcx", "ab"}, "abcab", 2);
  // windows: ab bc cx | ab -> cx is new
  CHECK(nov.windows == 4);
  CHECK(nov.novel == 1);
  CHECK(nov.fraction() == 0.25);
  CHECK(aib::novelty({"a"}, "abc", 3).windows == 0);
  CHECK_THROWS_AS(aib::novelty({"a"}, "abc", 0), aib::Error);
}

TEST_CASE("misuse is reported, not crashed on") {
  aib::NgramModel m(4);
  CHECK_THROWS_WITH(m.predict("a"), Catch::Contains("has not been fitted"));
  CHECK_THROWS_WITH(m.fit("ab"), "NgramModel::fit: the text has 2 characters; order 4 needs at least 4");
  CHECK_THROWS_AS(aib::NgramModel(0), aib::Error);
  m.fit("abcd");
  aib::Rng rng(0);
  CHECK_THROWS_AS(m.sample(rng, "", -1, 1.0), aib::Error);
  CHECK_THROWS_AS(m.sample(rng, "", 1, -1.0), aib::Error);
}
