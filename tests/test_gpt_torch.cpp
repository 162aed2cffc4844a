// The whole GPT against PyTorch, llm.c style: a tiny model with fixed weights (written by
// tools/reference/gpt.py from torch primitives, in our layout and names) gives the same logits,
// loss and gradient of every parameter, in double and in float; a head tied to the embedding too.
#include <string>
#include <vector>

#include "catch.hpp"
#include "test_helpers.hpp"
#include "torch_ref.hpp"

#include "aib/nn/gpt.hpp"

using aib::Index;
using aib_test::max_diff;
using aib_test::torch_ref;

namespace {

aib::TransformerConfig tiny(bool tied) {
  aib::TransformerConfig c;
  c.name = "tiny";
  c.vocab_size = 11;
  c.context = 8;
  c.d_model = 16;
  c.n_layers = 2;
  c.n_heads = 4;
  c.ffn_hidden = 64;
  c.tied_embeddings = tied;
  return c;
}

// Loads every parameter of `model` from the fixtures, runs loss + backward, and returns the
// largest differences from PyTorch: logits, loss, and gradients relative to each one's scale.
template <class S>
void compare(const std::string& variant, bool tied, double tol) {
  aib::Rng rng(0);
  aib::GptT<S> model(tiny(tied), rng);
  const aib::ParametersT<S> params = model.parameters();
  for (auto p : params) p.tensor.value() = torch_ref("gpt", variant + "_" + p.name).template cast<S>();
  const std::vector<Index> ids = aib_test::torch_ids("gpt", variant + "_ids");
  const std::vector<Index> targets = aib_test::torch_ids("gpt", variant + "_targets");
  const aib::TensorT<S> logits = model.forward(ids, 2);
  const aib::TensorT<S> loss = aib::cross_entropy(logits, targets);
  loss.backward();
  INFO(variant << (sizeof(S) == 8 ? " double" : " float"));
  CHECK(max_diff(logits.value().template cast<double>(), torch_ref("gpt", variant + "_logits")) < tol);
  CHECK(std::abs(double(loss.item()) - torch_ref("gpt", variant + "_loss")(0, 0)) < tol);
  int checked = 0;
  for (const auto& p : params) {
    const aib::MatD want = torch_ref("gpt", variant + "_grad_" + p.name);
    const double scale = std::max(1.0, want.cwiseAbs().maxCoeff());
    INFO(p.name);
    CHECK(max_diff(p.tensor.grad().template cast<double>(), want) / scale < tol);
    ++checked;
  }
  CHECK(checked == static_cast<int>(aib::parameter_shapes(tiny(tied)).size()));
}

}  // namespace

TEST_CASE("gpt vs PyTorch: logits, loss and every gradient (untied head)", "[gpt][torch]") {
  compare<double>("untied", false, 1e-11);
  compare<float>("untied", false, 2e-5);
}

TEST_CASE("gpt vs PyTorch: logits, loss and every gradient (head tied to wte)", "[gpt][torch]") {
  compare<double>("tied", true, 1e-11);
  compare<float>("tied", true, 2e-5);
}
