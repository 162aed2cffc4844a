// Tests for aib/nn/gpt.hpp: the model allocates exactly the parameters param_count lists (names and
// shapes), its gradients pass a check in double, it is causal (a later token never changes an
// earlier logit), batches equal separate sequences, and it learns a tiny task.
#include <string>
#include <vector>

#include "catch.hpp"
#include "test_helpers.hpp"

#include "aib/autograd/gradcheck.hpp"
#include "aib/autograd/optim.hpp"
#include "aib/nn/gpt.hpp"

using aib::Index;

namespace {

aib::TransformerConfig tiny(bool tied, bool gated, bool layernorm) {
  aib::TransformerConfig c;
  c.name = "tiny";
  c.vocab_size = 7;
  c.context = 6;
  c.d_model = 8;
  c.n_layers = 2;
  c.n_heads = 2;
  c.ffn_hidden = gated ? 12 : 16;
  c.gated_ffn = gated;
  c.biases = !gated;
  c.layernorm = layernorm;
  c.tied_embeddings = tied;
  return c;
}

}  // namespace

TEST_CASE("gpt: parameters are exactly parameter_shapes(config), by name and shape", "[gpt]") {
  aib::Rng rng(1);
  for (const bool tied : {true, false})
    for (const bool gated : {false, true}) {
      const aib::TransformerConfig c = tiny(tied, gated, !gated);
      const aib::Gpt m(c, rng);
      const aib::Parameters p = m.parameters();
      const std::vector<aib::ParamShape> want = aib::parameter_shapes(c);
      REQUIRE(p.size() == want.size());
      for (std::size_t i = 0; i < p.size(); ++i) {
        INFO(want[i].name);
        CHECK(p[i].name == want[i].name);
        CHECK(p[i].tensor.rows() == want[i].rows);
        CHECK(p[i].tensor.cols() == want[i].cols);
      }
      CHECK(aib::count_parameters(p) == aib::count_parameters(want));
    }
  // nanoGPT's CPU shape: the same count PyTorch reports for it (../shared/tools/peer-torch-gpt).
  CHECK(aib::count_parameters(aib::Gpt(aib::nanogpt_cpu(), rng).parameters()) == 818176);
}

TEST_CASE("gpt: gradients of every parameter pass a check in double", "[gpt]") {
  aib::Rng rng(2);
  for (const bool gated : {false, true}) {
    aib::GptT<double> m(tiny(gated, gated, !gated), rng);
    const std::vector<Index> ids = {1, 4, 2, 6, 0, 3, 3, 5};  // two sequences of 4
    aib::ParametersT<double> params = m.parameters();
    std::vector<aib::TensorD> inputs = aib::tensors_of(params);
    aib::GradcheckOptions opt;
    opt.atol = 1e-7;
    opt.rtol = 1e-5;
    const aib::GradcheckResult r = aib::gradcheck(
        [&](const std::vector<aib::TensorD>&) { return m.forward(ids, 2); }, inputs, opt);
    INFO(r.failures);
    CHECK(r.ok());
    CHECK(r.checked == aib::count_parameters(params));
  }
}

TEST_CASE("gpt: causal, and a batch equals its sequences run alone", "[gpt]") {
  aib::Rng rng(3);
  const aib::Gpt m(tiny(true, false, true), rng);
  const aib::Mat a = m.forward({1, 2, 3, 4, 5, 6}).value();  // (6, V)
  const aib::Mat b = m.forward({1, 2, 3, 0, 0, 0}).value();
  CHECK((a.topRows(3) - b.topRows(3)).cwiseAbs().maxCoeff() < 1e-6f);  // the past ignores the future
  CHECK((a.bottomRows(3) - b.bottomRows(3)).cwiseAbs().maxCoeff() > 1e-4f);
  const aib::Mat both = m.forward({1, 2, 3, 4, 5, 6, 0, 1}, 2).value();  // 2 sequences of 4
  const aib::Mat first = m.forward({1, 2, 3, 4}).value(), second = m.forward({5, 6, 0, 1}).value();
  CHECK((both.topRows(4) - first).cwiseAbs().maxCoeff() < 1e-6f);
  CHECK((both.bottomRows(4) - second).cwiseAbs().maxCoeff() < 1e-6f);
  CHECK_THAT(aib_test::message_of([&] { m.forward({1, 2, 3, 4, 5, 6, 0}); }),
             Catch::Contains("sequences of 7 tokens exceed the context of 6"));
  CHECK_THAT(aib_test::message_of([&] { m.forward({1, 2, 3}, 2); }),
             Catch::Contains("3 ids do not split into 2 sequences"));
  CHECK_THAT(aib_test::message_of([&] { m.forward({1, 9}); }), Catch::Contains("9"));
}

TEST_CASE("gpt: attention weights per layer, and a model without the causal mask", "[gpt]") {
  aib::Rng rng(4);
  aib::Gpt m(tiny(true, false, true), rng);
  std::vector<aib::Mat> att;
  const std::vector<Index> ids = {1, 2, 3, 4, 5, 6, 0, 1};  // 2 sequences of 4
  const aib::Mat logits = m.forward(ids, 2, &att).value();
  CHECK((logits - m.forward(ids, 2).value()).cwiseAbs().maxCoeff() == 0.0f);  // asking changes nothing
  REQUIRE(att.size() == 2);
  for (const aib::Mat& w : att) {
    REQUIRE(w.rows() == 2 * 2 * 4);  // B·H·T
    REQUIRE(w.cols() == 4);
    CHECK((w.rowwise().sum().array() - 1.0f).abs().maxCoeff() < 1e-5f);
    for (Index blk = 0; blk < 4; ++blk)  // nothing above the diagonal in any (T, T) block
      CHECK(w.block(blk * 4, 0, 4, 4).triangularView<Eigen::StrictlyUpper>().toDenseMatrix().cwiseAbs().maxCoeff() ==
            0.0f);
  }
  m.causal = false;
  const aib::Mat a = m.forward({1, 2, 3, 4, 5, 6}).value();
  const aib::Mat b = m.forward({1, 2, 3, 0, 0, 0}).value();
  CHECK((a.topRows(3) - b.topRows(3)).cwiseAbs().maxCoeff() > 1e-4f);  // now the past sees the future
  m.forward(ids, 2, &att);
  CHECK(att[0].block(0, 0, 4, 4).triangularView<Eigen::StrictlyUpper>().toDenseMatrix().cwiseAbs().maxCoeff() >
        0.0f);
}

TEST_CASE("gpt: learns to copy the previous token", "[gpt]") {
  aib::Rng rng(4);
  aib::TransformerConfig c = tiny(false, false, true);
  c.context = 8;
  aib::Gpt m(c, rng);
  aib::AdamW opt(aib::tensors_of(m.parameters()), 1e-2, 0.9, 0.999, 1e-8, 0.0);
  float first = 0, last = 0;
  for (int step = 0; step < 150; ++step) {
    std::vector<Index> x, y;  // target at position t is the token at t − 1
    for (int b = 0; b < 8; ++b) {
      Index prev = 0;
      for (int t = 0; t < 8; ++t) {
        const Index tok = 1 + rng.uniform_int(6);
        x.push_back(tok);
        y.push_back(t == 0 ? 0 : prev);
        prev = tok;
      }
    }
    opt.zero_grad();
    const aib::Tensor loss = m.loss(x, y, 8);
    loss.backward();
    opt.step();
    (step == 0 ? first : last) = loss.item();
  }
  INFO("loss " << first << " -> " << last);
  CHECK(first > 1.5f);
  CHECK(last < 0.3f);  // ln 6 ≈ 1.79 would be guessing
}
