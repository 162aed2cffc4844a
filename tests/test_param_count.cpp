// Tests for aib/nn/param_count.hpp: the published totals follow from the configurations, and
// the shape list is what the library's own layers allocate.
#include "catch.hpp"

#include "aib/nn/attention.hpp"
#include "aib/nn/embedding.hpp"
#include "aib/nn/linear.hpp"
#include "aib/nn/param_count.hpp"

TEST_CASE("GPT-2 small and LLaMA-7B totals follow from their configurations") {
  // Published: GPT-2 small 124,439,808 with the head tied to the token embedding (the count of
  // the released checkpoint); LLaMA-7B 6,738,415,616 (Hugging Face's LlamaForCausalLM count).
  CHECK(aib::count_parameters(aib::parameter_shapes(aib::gpt2_small())) == 124'439'808);
  CHECK(aib::count_parameters(aib::parameter_shapes(aib::llama_7b())) == 6'738'415'616);
}

TEST_CASE("component breakdown of GPT-2 small, by hand") {
  const auto parts = aib::count_by_component(aib::parameter_shapes(aib::gpt2_small()));
  CHECK(parts.at("embeddings") == 50257 * 768 + 1024 * 768);
  CHECK(parts.at("attention") == 12 * (768 * 2304 + 2304 + 768 * 768 + 768));
  CHECK(parts.at("feed-forward") == 12 * (768 * 3072 + 3072 + 3072 * 768 + 768));
  CHECK(parts.at("norms") == (2 * 12 + 1) * 2 * 768);
  CHECK(parts.count("head") == 0);  // tied
  aib::TransformerConfig untied = aib::gpt2_small();
  untied.tied_embeddings = false;
  CHECK(aib::count_parameters(aib::parameter_shapes(untied)) == 124'439'808 + 50257 * 768);
}

TEST_CASE("the shape list is what Linear and Embedding allocate") {
  aib::TransformerConfig tiny{"tiny", 11, 7, 8, 2, 2, 32, false, true, true, true, false};
  const auto shapes = aib::parameter_shapes(tiny);
  aib::Rng rng(0);
  // Build the same parameters from the library's layers and compare name by name.
  aib::Parameters built;
  aib::append(built, aib::Embedding(11, 8, rng).parameters("wte"));
  aib::append(built, aib::Embedding(7, 8, rng).parameters("wpe"));
  CHECK(shapes[0].name == built[0].name);
  CHECK(shapes[0].rows == built[0].tensor.rows());
  CHECK(shapes[1].name == built[1].name);
  const aib::Parameters qkv = aib::MultiHeadAttention(8, 2, rng).parameters("h.0.attn");
  const auto it = std::find_if(shapes.begin(), shapes.end(), [](const aib::ParamShape& s) {
    return s.name == "h.0.attn.c_attn.weight";
  });
  REQUIRE(it != shapes.end());
  CHECK(it->rows == qkv[0].tensor.rows());
  CHECK(it->cols == qkv[0].tensor.cols());
  CHECK(it->name == qkv[0].name);
  CHECK((it + 1)->name == qkv[1].name);
  CHECK((it + 1)->size() == qkv[1].tensor.size());
  CHECK((it + 2)->name == qkv[2].name);  // h.0.attn.c_proj.weight
  CHECK((it + 2)->size() == qkv[2].tensor.size());
  CHECK(shapes.back().name == "lm_head.weight");
  CHECK_THROWS_WITH(aib::parameter_shapes(aib::TransformerConfig{"bad"}),
                    Catch::Contains("config 'bad' has a non-positive size"));
}
