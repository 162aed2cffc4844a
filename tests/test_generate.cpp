// Tests for aib/nn/generate.hpp and top-p in core/sampling.hpp: the KV cache gives a full
// forward's logits, cached and uncached generation agree, sampling is seeded, stop tokens stop.
#include <vector>

#include "catch.hpp"
#include "test_helpers.hpp"

#include "aib/nn/generate.hpp"

using aib::Index;

namespace {

aib::TransformerConfig small(bool tied) {
  aib::TransformerConfig c;
  c.name = "small";
  c.vocab_size = 11;
  c.context = 16;
  c.d_model = 12;
  c.n_layers = 2;
  c.n_heads = 3;
  c.ffn_hidden = 24;
  c.tied_embeddings = tied;
  return c;
}

}  // namespace

TEST_CASE("kv cache: incremental logits equal a full forward's", "[generate]") {
  aib::Rng rng(1);
  for (const bool tied : {true, false}) {
    const aib::Gpt m(small(tied), rng);
    const std::vector<Index> ids = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3};
    aib::Mat full;
    {
      aib::NoGrad g;
      full = m.forward(ids).value();  // (10, V)
    }
    aib::KvCache cache;
    const aib::Mat first = aib::forward_cached(m, {ids.begin(), ids.begin() + 4}, cache);  // a prompt of 4
    CHECK((first - full.topRows(4)).cwiseAbs().maxCoeff() < 1e-5f);
    for (std::size_t t = 4; t < ids.size(); ++t) {  // then one token at a time
      const aib::Mat row = aib::forward_cached(m, {ids[t]}, cache);
      CHECK((row - full.row(static_cast<Index>(t))).cwiseAbs().maxCoeff() < 1e-5f);
    }
    CHECK(cache.length() == 10);
    CHECK_THAT(aib_test::message_of([&] { aib::forward_cached(m, std::vector<Index>(7, 1), cache); }),
               Catch::Contains("10 cached + 7 new tokens exceed the context of 16"));
  }
}

TEST_CASE("generate: cached and uncached agree; seeded; stop token", "[generate]") {
  aib::Rng init(2);
  const aib::Gpt m(small(false), init);
  aib::GenerateOptions o;
  o.max_new_tokens = 10;
  o.temperature = 0.0;
  aib::Rng r1(5), r2(5);
  const std::vector<Index> greedy = aib::generate(m, {1, 2}, o, r1);
  o.use_cache = false;
  CHECK(aib::generate(m, {1, 2}, o, r2) == greedy);
  CHECK(greedy.size() == 12);
  o.use_cache = true;
  o.temperature = 1.0;
  o.top_k = 5;
  aib::Rng a(7), b(7), c(8);
  const std::vector<Index> s1 = aib::generate(m, {1}, o, a), s2 = aib::generate(m, {1}, o, b);
  CHECK(s1 == s2);
  bool differs = false;
  for (int trial = 0; trial < 5 && !differs; ++trial) differs = aib::generate(m, {1}, o, c) != s1;
  CHECK(differs);
  o.stop_token = s1[3];  // the third generated token: generation ends right after it
  aib::Rng d(7);
  const std::vector<Index> stopped = aib::generate(m, {1}, o, d);
  CHECK(stopped.back() == s1[3]);
  CHECK(stopped.size() <= 4);
  CHECK_THAT(aib_test::message_of([&] { aib::generate(m, {}, o, d); }), Catch::Contains("prompt is empty"));
  o.max_new_tokens = 16;
  CHECK_THAT(aib_test::message_of([&] { aib::generate(m, {1}, o, d); }), Catch::Contains("exceeds the context of 16"));
  aib::Gpt open = m;  // no causal mask: the cache cannot hold, and says so
  open.causal = false;
  o.max_new_tokens = 4;
  CHECK_THAT(aib_test::message_of([&] { aib::generate(open, {1}, o, d); }), Catch::Contains("no causal mask"));
  o.use_cache = false;
  CHECK(aib::generate(open, {1}, o, d).size() >= 2);
}

TEST_CASE("top-p keeps the smallest likely set that reaches p", "[sampling]") {
  aib::VecD p(5);
  p << 0.1, 0.4, 0.05, 0.3, 0.15;
  const aib::VecD all = aib::nucleus(p, 1.0);
  CHECK((all - p).cwiseAbs().maxCoeff() == 0.0);
  const aib::VecD top = aib::nucleus(p, 0.65);  // 0.4 + 0.3 = 0.7 >= 0.65
  CHECK(top(1) == Approx(0.4 / 0.7));
  CHECK(top(3) == Approx(0.3 / 0.7));
  CHECK(top(0) == 0.0);
  CHECK(top(4) == 0.0);
  CHECK(top.sum() == Approx(1.0));
  CHECK(aib::nucleus(p, 0.01)(1) == 1.0);  // only the most likely
  CHECK_THAT(aib_test::message_of([&] { aib::nucleus(p, 0.0); }), Catch::Contains("top_p must be in (0, 1]"));
}
