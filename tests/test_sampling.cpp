// Tests for aib/core/sampling.hpp: temperature, top-k and greedy decoding.
#include <cmath>

#include "catch.hpp"

#include "aib/core/sampling.hpp"

using aib::VecD;

TEST_CASE("temperature 1 is the plain softmax; other temperatures are softmax(logits / T)") {
  VecD logits(3);
  logits << 0.0, std::log(2.0), std::log(3.0);
  const VecD p1 = aib::temperature_softmax(logits, 1.0);
  CHECK(p1(0) == Approx(1.0 / 6));
  CHECK(p1(2) == Approx(3.0 / 6));
  // T = 0.5 squares the odds: probabilities proportional to 1, 4, 9.
  const VecD p_half = aib::temperature_softmax(logits, 0.5);
  CHECK(p_half(0) == Approx(1.0 / 14));
  CHECK(p_half(1) == Approx(4.0 / 14));
  CHECK(p_half(2) == Approx(9.0 / 14));
  // T = 2 takes square roots: flatter.
  const VecD p_two = aib::temperature_softmax(logits, 2.0);
  const double z = 1 + std::sqrt(2.0) + std::sqrt(3.0);
  CHECK(p_two(2) == Approx(std::sqrt(3.0) / z));
  CHECK(p_two(2) < p1(2));
}

TEST_CASE("temperature 0 is greedy and top-k keeps only the k best") {
  VecD logits(4);
  logits << 1.0, 5.0, 3.0, 4.0;
  const VecD greedy = aib::temperature_softmax(logits, 0.0);
  CHECK(greedy(1) == 1.0);
  CHECK(greedy.sum() == 1.0);
  const VecD top2 = aib::temperature_softmax(logits, 1.0, 2);
  CHECK(top2(0) == 0.0);
  CHECK(top2(2) == 0.0);
  CHECK(top2(1) == Approx(std::exp(1.0) / (std::exp(1.0) + 1)));
  CHECK(aib::temperature_softmax(logits, 1.0, 10).minCoeff() > 0.0);  // k >= V keeps all
}

TEST_CASE("sample_logits follows the tempered distribution") {
  aib::Rng rng(21);
  VecD logits(3);
  logits << 0.0, std::log(2.0), std::log(3.0);
  int counts[3] = {0, 0, 0};
  const int n = 60000;
  for (int i = 0; i < n; ++i) ++counts[aib::sample_logits(rng, logits, 0.5)];
  CHECK(counts[0] / double(n) == Approx(1.0 / 14).margin(0.006));
  CHECK(counts[2] / double(n) == Approx(9.0 / 14).margin(0.01));
  CHECK(aib::sample_logits(rng, logits, 0.0) == 2);
}

TEST_CASE("bad temperatures, top-k and empty logits are errors that say so") {
  VecD logits(2);
  logits << 1.0, 2.0;
  CHECK_THROWS_WITH(aib::temperature_softmax(logits, -1.0),
                    Catch::Contains("temperature must be a finite number >= 0, got -1"));
  CHECK_THROWS_AS(aib::temperature_softmax(logits, NAN), aib::Error);
  CHECK_THROWS_WITH(aib::temperature_softmax(logits, 1.0, -2), Catch::Contains("top_k"));
  CHECK_THROWS_WITH(aib::temperature_softmax(VecD(0), 1.0), Catch::Contains("empty"));
  CHECK(aib::argmax(logits) == 1);
}
