// Tests for aib/core/random.hpp: pinned outputs, ranges, and distribution properties.
#include <algorithm>
#include <cmath>
#include <set>

#include "catch.hpp"

#include "aib/core/random.hpp"

TEST_CASE("pcg32 matches the reference sequence for seed 42, stream 54") {
  // Reference: the PCG authors' minimal C demo (pcg32_srandom_r(&rng, 42u, 54u)) prints these
  // six outputs first; they are also quoted in other independent ports' test suites.
  aib::Rng rng(42, 54);
  const std::uint32_t expected[] = {0xa15c02b7u, 0x7b47f409u, 0xba1d3330u,
                                    0x83d2f293u, 0xbfa4784bu, 0xcbed606eu};
  for (const std::uint32_t e : expected) CHECK(rng.next_u32() == e);
}

TEST_CASE("derived draws are pinned for a seed") {
  // The uniforms follow from the bits above: 0xa15c02b7 >> 8 = 0xa15c02, times 2^-24.
  aib::Rng rng(42, 54);
  CHECK(rng.uniform() == static_cast<float>(0xa15c02) * 0x1.0p-24f);
  CHECK(rng.uniform() == static_cast<float>(0x7b47f4) * 0x1.0p-24f);
  // Normals: Box-Muller in double, rounded to float. Pinned as exact hex floats (recorded from
  // this implementation with g++ 12 -O2 and with clang++ 14 -march=haswell -ffp-contract=fast,
  // which agreed bit for bit) so that any change to the algorithm is caught.
  aib::Rng g(7);
  CHECK(g.normal() == 0x1.291b9cp+0f);
  CHECK(g.normal() == 0x1.ae853p-1f);
  CHECK(g.normal() == 0x1.4491dcp-1f);
  CHECK(g.normal() == -0x1.78f034p+0f);
  aib::Rng h(7);
  CHECK(h.uniform_double() == 0x1.48a97386d864fp-1);
}

TEST_CASE("same seed gives the same stream; different seeds or streams differ") {
  aib::Rng a(123), b(123), c(124), d(123, 7);
  for (int i = 0; i < 100; ++i) {
    const auto x = a.next_u32();
    CHECK(x == b.next_u32());
    (void)c;
  }
  aib::Rng a2(123);
  CHECK(a2.next_u64() != c.next_u64());
  aib::Rng a3(123);
  CHECK(a3.next_u64() != d.next_u64());
  a.reseed(123);
  aib::Rng fresh(123);
  CHECK(a.next_u32() == fresh.next_u32());
}

TEST_CASE("uniforms stay in range and have the right mean") {
  aib::Rng rng(1);
  double sum = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const float u = rng.uniform();
    REQUIRE(u >= 0.0f);
    REQUIRE(u < 1.0f);
    sum += u;
  }
  CHECK(sum / n == Approx(0.5).margin(0.005));
  CHECK_THROWS_AS(rng.uniform(1.f, 1.f), aib::Error);
}

TEST_CASE("uniform_int is unbiased over a range that does not divide 2^32") {
  aib::Rng rng(5);
  const int n = 3, draws = 300000;
  int counts[3] = {0, 0, 0};
  for (int i = 0; i < draws; ++i) ++counts[rng.uniform_int(n)];
  for (const int c : counts) CHECK(c == Approx(draws / 3.0).epsilon(0.02));
  CHECK_THROWS_AS(rng.uniform_int(0), aib::Error);
}

TEST_CASE("normals have mean 0 and variance 1") {
  aib::Rng rng(9);
  const int n = 200000;
  double s = 0, s2 = 0;
  for (int i = 0; i < n; ++i) {
    const double z = rng.normal();
    s += z;
    s2 += z * z;
  }
  CHECK(s / n == Approx(0.0).margin(0.01));
  CHECK(s2 / n == Approx(1.0).margin(0.01));
  const aib::Mat m = rng.normal_mat(3, 4, 2.f, 0.5f);
  CHECK(m.rows() == 3);
  CHECK(m.cols() == 4);
  CHECK_THROWS_AS(rng.normal_mat(-1, 4), aib::Error);
}

TEST_CASE("categorical follows the weights and rejects bad ones") {
  aib::Rng rng(11);
  const std::vector<double> w = {1.0, 0.0, 3.0};
  int counts[3] = {0, 0, 0};
  const int n = 100000;
  for (int i = 0; i < n; ++i) ++counts[rng.categorical(w)];
  CHECK(counts[1] == 0);
  CHECK(counts[0] / double(n) == Approx(0.25).margin(0.01));
  CHECK(counts[2] / double(n) == Approx(0.75).margin(0.01));
  CHECK_THROWS_WITH(rng.categorical(std::vector<double>{}), Catch::Contains("empty"));
  CHECK_THROWS_WITH(rng.categorical(std::vector<double>{0.0, 0.0}), Catch::Contains("sum to 0"));
  CHECK_THROWS_WITH(rng.categorical(std::vector<float>{1.f, -1.f}),
                    Catch::Contains("weight 1 is -1"));
  CHECK_THROWS_WITH(rng.categorical(std::vector<double>{1.0, NAN}), Catch::Contains("weight 1"));
}

TEST_CASE("shuffle, permutation and choice give permutations and distinct picks") {
  aib::Rng rng(3);
  std::vector<int> v = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  rng.shuffle(v);
  std::vector<int> sorted = v;
  std::sort(sorted.begin(), sorted.end());
  CHECK(sorted == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  CHECK(v != sorted);  // 1 in 10! chance of a false alarm; pinned seed makes it deterministic

  const std::vector<aib::Index> pick = rng.choice(100, 10);
  CHECK(pick.size() == 10);
  CHECK(std::set<aib::Index>(pick.begin(), pick.end()).size() == 10);
  for (const auto i : pick) CHECK((i >= 0 && i < 100));
  CHECK_THROWS_AS(rng.choice(3, 4), aib::Error);
  CHECK(rng.permutation(0).empty());

  // Every position of a 3-element shuffle is equally likely to hold element 0.
  int first[3] = {0, 0, 0};
  for (int i = 0; i < 30000; ++i) {
    std::vector<int> w = {0, 1, 2};
    rng.shuffle(w);
    ++first[std::find(w.begin(), w.end(), 0) - w.begin()];
  }
  for (const int c : first) CHECK(c == Approx(10000).epsilon(0.04));
}

TEST_CASE("random_rows draws whole rows, with replacement, reproducibly") {
  aib::Mat data(3, 2);  // row i is (i, 10 i)
  data << 0, 0, 1, 10, 2, 20;
  aib::Rng rng(7), again(7);
  const aib::Mat batch = aib::random_rows(data, 300, rng);  // (300, 2)
  REQUIRE(batch.rows() == 300);
  std::set<float> seen;
  for (aib::Index i = 0; i < batch.rows(); ++i) {
    CHECK(batch(i, 1) == 10 * batch(i, 0));  // rows stay whole
    seen.insert(batch(i, 0));
  }
  CHECK(seen.size() == 3);  // 300 draws from 3 rows: each is drawn (1 − (2/3)^300 ≈ 1)
  CHECK(aib::random_rows(data, 300, again) == batch);
  CHECK_THROWS_WITH(aib::random_rows(aib::Mat(0, 2), 1, rng), Catch::Contains("no rows"));
}
