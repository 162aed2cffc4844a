// Tests for aib/nn/gpt_classifier.hpp: the hidden states are what the LM head reads, right padding
// changes nothing under the causal mask, pooling by hand and its gradient, an independent clone,
// a classifier that learns a task a linear head cannot fake, and the errors on bad input.
#include "catch.hpp"

#include "aib/nn/gpt_classifier.hpp"

namespace test_gpt_classifier {

using aib::Index;
using Seqs = std::vector<std::vector<Index>>;

aib::TransformerConfig tiny_config() {
  aib::TransformerConfig c;
  c.name = "tiny";
  c.vocab_size = 6;
  c.context = 8;
  c.d_model = 8;
  c.n_layers = 2;
  c.n_heads = 2;
  c.ffn_hidden = 16;
  return c;
}

TEST_CASE("gpt_hidden is what GptT::forward's tied head reads") {
  aib::Rng rng(1);
  const aib::Gpt model(tiny_config(), rng);
  const std::vector<Index> ids = {1, 4, 2, 0, 5, 3};          // two sequences of three
  const aib::Mat h = aib::gpt_hidden(model, ids, 2).value();  // (6, 8)
  const aib::Mat logits = model.forward(ids, 2).value();      // (6, 6)
  REQUIRE(h.rows() == 6);
  REQUIRE(h.cols() == 8);
  const aib::Mat expected = h * model.wte.weight.value().transpose();  // (6, 6)
  CHECK((expected - logits).cwiseAbs().maxCoeff() < 1e-5f);
}

TEST_CASE("pad_right pads to the longest sequence and keeps the lengths") {
  const aib::PaddedBatch b = aib::pad_right({{1, 2}, {3, 4, 5}, {0}}, 9);
  CHECK(b.batch == 3);
  CHECK(b.length == 3);
  CHECK(b.ids == std::vector<Index>{1, 2, 9, 3, 4, 5, 0, 9, 9});
  CHECK(b.lengths == std::vector<Index>{2, 3, 1});
}

TEST_CASE("pool by hand: the mean and the last of each sequence's real rows") {
  aib::Mat h(6, 2);  // (B·T, D) = two sequences of three rows
  h << 1, 2, 3, 4, 50, 60, 5, 6, 7, 8, 9, 10;
  const aib::Tensor x(h);
  const aib::Mat mean = aib::pool(x, {2, 3}).value();                      // (2, 2)
  const aib::Mat last = aib::pool(x, {2, 3}, aib::Pooling::last).value();  // (2, 2)
  CHECK(mean(0, 0) == Approx(2.0));  // (1 + 3) / 2: row 2 is padding
  CHECK(mean(0, 1) == Approx(3.0));
  CHECK(mean(1, 0) == Approx(7.0));  // (5 + 7 + 9) / 3
  CHECK(mean(1, 1) == Approx(8.0));
  CHECK(last(0, 0) == Approx(3.0));
  CHECK(last(0, 1) == Approx(4.0));
  CHECK(last(1, 0) == Approx(9.0));
  CHECK(last(1, 1) == Approx(10.0));
}

TEST_CASE("pool's gradient: 1/length on real rows, nothing on padding") {
  const aib::Tensor x = aib::Tensor::parameter(aib::Mat::Ones(6, 2));  // (6, 2)
  aib::Mat r(2, 2);                                                    // (B, D) weights of the sum
  r << 1, -2, 3, 0.5;
  const aib::Tensor pooled = aib::pool(x, {2, 3});  // (2, 2)
  aib::sum(aib::mul(pooled, aib::Tensor(r))).backward();
  const aib::Mat g = x.grad();  // (6, 2)
  CHECK(g(0, 0) == Approx(0.5));
  CHECK(g(1, 1) == Approx(-1.0));
  CHECK(g(2, 0) == 0.0f);  // padding
  CHECK(g(2, 1) == 0.0f);
  CHECK(g(3, 0) == Approx(1.0));
  CHECK(g(5, 1) == Approx(0.5 / 3.0));
}

TEST_CASE("right padding is exact under the causal mask, whatever the pad id") {
  aib::Rng rng(2);
  const aib::Gpt model(tiny_config(), rng);
  const Seqs seqs = {{1, 2, 3}, {4, 5, 0, 1, 2, 3, 4}, {5}};
  for (const aib::Pooling how : {aib::Pooling::mean, aib::Pooling::last}) {
    const aib::Mat batched = aib::gpt_features(model, seqs, how, 0);  // (3, 8)
    const aib::Mat other_pad = aib::gpt_features(model, seqs, how, 5);
    const aib::Mat one_by_one = aib::gpt_features(model, seqs, how, 0, 1);
    CHECK((batched - other_pad).cwiseAbs().maxCoeff() < 1e-5f);
    CHECK((batched - one_by_one).cwiseAbs().maxCoeff() < 1e-5f);
  }
  // And a sequence alone: its mean-pooled feature is the mean of its hidden rows.
  const aib::Mat h = aib::gpt_hidden(model, seqs[0], 1).value();  // (3, 8)
  const aib::Mat f = aib::gpt_features(model, {seqs[0]});         // (1, 8)
  CHECK((f - h.colwise().mean()).cwiseAbs().maxCoeff() < 1e-5f);
}

TEST_CASE("clone_gpt gives equal outputs and independent weights") {
  aib::Rng rng(3);
  const aib::Gpt model(tiny_config(), rng);
  const aib::Gpt copy = aib::clone_gpt(model);
  const std::vector<Index> ids = {1, 2, 3, 4};
  CHECK((model.forward(ids).value() - copy.forward(ids).value()).cwiseAbs().maxCoeff() == 0.0f);
  aib::Tensor w = copy.wte.weight;  // a handle on the copy's embedding
  w.value().setZero();
  CHECK(model.wte.weight.value().cwiseAbs().maxCoeff() > 0.0f);
}

TEST_CASE("GptClassifier learns whether token 1 came before token 2") {
  // Each sequence holds one 1 and one 2 among 3s; the class is their order. A bag of tokens has
  // the same counts in both classes, so the model must use positions and attention.
  aib::Rng rng(4);
  const auto make = [&](Index n, Seqs& xs, std::vector<Index>& ys) {
    for (Index i = 0; i < n; ++i) {
      std::vector<Index> s(5, 3);
      const Index a = rng.uniform_index(5);
      Index b = rng.uniform_index(4);
      if (b >= a) ++b;
      s[static_cast<std::size_t>(a)] = 1;
      s[static_cast<std::size_t>(b)] = 2;
      xs.push_back(s);
      ys.push_back(a < b ? 0 : 1);
    }
  };
  Seqs train, test;
  std::vector<Index> train_y, test_y;
  make(64, train, train_y);
  make(100, test, test_y);
  const aib::GptClassifier model(aib::Gpt(tiny_config(), rng), 2, rng);
  CHECK(model.n_classes() == 2);
  const auto params = model.parameters();
  CHECK(params[params.size() - 2].name == "head.weight");
  const std::vector<double> losses =
      aib::train_classifier(model, train, train_y, 150, 16, 1e-2, rng);
  REQUIRE(losses.size() == 150);
  CHECK(losses.back() < 0.5 * losses.front());
  const std::vector<Index> predicted = model.predict(test);
  Index right = 0;
  for (std::size_t i = 0; i < test_y.size(); ++i) right += predicted[i] == test_y[i];
  INFO("right: " << right << " of 100, loss " << losses.front() << " -> " << losses.back());
  CHECK(right >= 90);  // 100 here, with the loss 0.68 -> 0.007
}

TEST_CASE("bad input to the GPT classifier pieces is refused with a message") {
  aib::Rng rng(5);
  const aib::Gpt model(tiny_config(), rng);
  CHECK_THROWS_WITH(aib::pad_right({}, 0), Catch::Contains("no sequences"));
  CHECK_THROWS_WITH(aib::pad_right({{1}, {}}, 0), Catch::Contains("sequence 1 is empty"));
  CHECK_THROWS_WITH(aib::gpt_hidden(model, {1, 2, 3}, 2), Catch::Contains("do not split"));
  CHECK_THROWS_WITH(aib::gpt_hidden(model, {1, 6}, 1), Catch::Contains("token id 6"));
  CHECK_THROWS_WITH(aib::gpt_hidden(model, std::vector<Index>(9, 1), 1),
                    Catch::Contains("exceed the context of 8"));
  const aib::Tensor h(aib::Mat::Zero(6, 2));
  CHECK_THROWS_WITH(aib::pool(h, {2, 4}), Catch::Contains("sequence 1 has length 4"));
  CHECK_THROWS_WITH(aib::pool(h, {1, 1, 1, 1}), Catch::Contains("do not split"));
  CHECK_THROWS_WITH(aib::GptClassifier(model, 1, rng), Catch::Contains("at least 2 classes"));
  const aib::GptClassifier classifier(aib::clone_gpt(model), 3, rng);
  CHECK_THROWS_WITH(classifier.loss({{1, 2}}, {3}), Catch::Contains("label 3"));
  CHECK_THROWS_WITH(classifier.loss({{1, 2}}, {0, 1}), Catch::Contains("1 sequences but 2"));
  CHECK_THROWS_WITH(aib::train_classifier(classifier, {{1}}, {0}, 0, 1, 0.1, rng),
                    Catch::Contains("steps = 0"));
  CHECK_THROWS_WITH(aib::gpt_features(model, {{1}}, aib::Pooling::mean, 0, 0),
                    Catch::Contains("chunk = 0"));
}

}  // namespace test_gpt_classifier
