// Tests for aib/nn/decode_cost.hpp: the parameters a decoding step reads, the memory and compute
// bounds of decoding worked by hand, the ridge batch where they meet, the break-even volume, and
// bad input refused by name.
#include <cmath>

#include "catch.hpp"

#include "aib/nn/decode_cost.hpp"

namespace test_decode_cost {

TEST_CASE("decode_parameters leaves out the tables a step only looks rows up in") {
  // GPT-2 small, tied: all 124,439,808 but wpe (1,024 x 768); wte is the head, read in full.
  CHECK(aib::decode_parameters(aib::gpt2_small()) == 124'439'808 - 1024 * 768);
  // LLaMA-7B: no wpe; untied, so wte (32,000 x 4,096) is a lookup and lm_head is read.
  CHECK(aib::decode_parameters(aib::llama_7b()) == 6'738'415'616 - 32000 * 4096);
  aib::TransformerConfig untied = aib::gpt2_small();
  untied.tied_embeddings = false;  // adds lm_head (768, V), takes wte out: the same count
  CHECK(aib::decode_parameters(untied) == aib::decode_parameters(aib::gpt2_small()));
}

TEST_CASE("decode_cost: the memory and compute bounds of a made-up accelerator, by hand") {
  // LLaMA-7B's N on an accelerator with round numbers: 1 TB/s, 100 TFLOP/s, bf16 weights.
  const aib::TransformerConfig c = aib::llama_7b();
  const double n = double(aib::decode_parameters(c));
  const aib::Accelerator a{"test", 1e12, 100e12};
  const aib::DecodeCost one = aib::decode_cost(c, 2.0, a);
  CHECK(one.bytes_per_step == Approx(2.0 * n));
  CHECK(one.flops_per_token == Approx(2.0 * n));
  CHECK(one.memory_tokens_per_s == Approx(1e12 / (2.0 * n)));  // about 75.7 tokens/s
  CHECK(one.compute_tokens_per_s == Approx(100e12 / (2.0 * n)));
  CHECK(one.tokens_per_s == Approx(one.memory_tokens_per_s));
  CHECK(one.memory_bound());
  // Bytes and FLOPs per token are equal at 2 bytes a weight: the ridge is at P / W = 100.
  CHECK(one.ridge_batch == Approx(100.0));
  // Below the ridge the batch multiplies throughput; above it the compute bound caps it.
  const aib::DecodeCost sixty_four = aib::decode_cost(c, 2.0, a, 64);
  CHECK(sixty_four.tokens_per_s == Approx(64 * one.tokens_per_s));
  const aib::DecodeCost big = aib::decode_cost(c, 2.0, a, 1000);
  CHECK_FALSE(big.memory_bound());
  CHECK(big.tokens_per_s == Approx(one.compute_tokens_per_s));
  // int8 weights halve the bytes: batch-1 throughput doubles, the ridge halves.
  const aib::DecodeCost int8 = aib::decode_cost(c, 1.0, a);
  CHECK(int8.memory_tokens_per_s == Approx(2 * one.memory_tokens_per_s));
  CHECK(int8.ridge_batch == Approx(50.0));
}

TEST_CASE("break_even_tokens: a month's rent over the API's price per token") {
  // $1,000 a month against $0.50 per million tokens: 2 billion tokens.
  CHECK(aib::break_even_tokens(1000.0, 0.5) == Approx(2e9));
  CHECK(aib::break_even_tokens(730.0 * 2.0, 10.0) == Approx(146e6));
}

TEST_CASE("decode_cost and break_even_tokens refuse bad input by name") {
  const aib::TransformerConfig c = aib::gpt2_small();
  const aib::Accelerator ok{"ok", 1e12, 1e14};
  CHECK_THROWS_WITH(aib::decode_cost(c, 0.0, ok), Catch::Contains("bytes per weight"));
  CHECK_THROWS_WITH(aib::decode_cost(c, std::nan(""), ok), Catch::Contains("bytes per weight"));
  CHECK_THROWS_WITH(aib::decode_cost(c, 2.0, {"slow", 0.0, 1e14}), Catch::Contains("'slow'"));
  CHECK_THROWS_WITH(aib::decode_cost(c, 2.0, {"weak", 1e12, -1.0}), Catch::Contains("'weak'"));
  CHECK_THROWS_WITH(aib::decode_cost(c, 2.0, ok, 0), Catch::Contains("batch = 0"));
  aib::TransformerConfig broken = c;
  broken.d_model = 0;
  CHECK_THROWS_WITH(aib::decode_cost(broken, 2.0, ok), Catch::Contains("non-positive size"));
  CHECK_THROWS_WITH(aib::break_even_tokens(0.0, 1.0), Catch::Contains("break_even_tokens"));
  CHECK_THROWS_WITH(aib::break_even_tokens(100.0, -1.0), Catch::Contains("break_even_tokens"));
}

}  // namespace test_decode_cost
