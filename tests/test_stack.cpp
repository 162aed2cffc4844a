// Tests for aib/core/hardware.hpp (reading /proc/cpuinfo, the peak-FLOP bound, the bandwidth
// probe) and aib/nn/forward_profile.hpp (a forward timed by component gives forward()'s logits;
// the FLOP count by component adds up to 2 FLOPs per weight per token plus attention's scores).
#include <cmath>
#include <string>
#include <vector>

#include "catch.hpp"

#include "aib/core/hardware.hpp"
#include "aib/nn/forward_profile.hpp"

namespace test_stack {

// Two processors of one package, as a 2-vCPU virtual machine reports them.
const std::string kTwoCpus =
    "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: Example CPU 9000\n"
    "cpu MHz\t\t: 2500.000\nphysical id\t: 0\ncpu cores\t: 2\n"
    "flags\t\t: fpu sse sse2 avx avx2 fma\n\n"
    "processor\t: 1\nmodel name\t: Other name\ncpu MHz\t\t: 1200.000\nphysical id\t: 0\n"
    "cpu cores\t: 2\nflags\t\t: fpu sse sse2 avx avx2 fma avx512f\n\n";

TEST_CASE("cpuinfo: the first processor's fields, all processors counted", "[hardware]") {
  const aib::CpuInfo cpu = aib::parse_cpuinfo(kTwoCpus, "fixture");
  CHECK(cpu.model == "Example CPU 9000");
  CHECK(cpu.logical_cpus == 2);
  REQUIRE(cpu.physical_cores.has_value());
  CHECK(*cpu.physical_cores == 2);
  REQUIRE(cpu.mhz.has_value());
  CHECK(*cpu.mhz == 2500.0);
  CHECK(cpu.has("avx2"));
  CHECK_FALSE(cpu.has("avx512f"));  // only the second processor lists it
  CHECK(cpu.float_lanes() == 8);
  CHECK(cpu.vector_extension() == "AVX2");
}

TEST_CASE("cpuinfo: two packages double the cores; missing fields stay unknown", "[hardware]") {
  const aib::CpuInfo two = aib::parse_cpuinfo(
      "processor : 0\nphysical id : 0\ncpu cores : 4\nprocessor : 1\nphysical id : 1\n"
      "cpu cores : 4\n");
  REQUIRE(two.physical_cores.has_value());
  CHECK(*two.physical_cores == 8);
  const aib::CpuInfo bare = aib::parse_cpuinfo("processor : 0\n");
  CHECK(bare.logical_cpus == 1);
  CHECK_FALSE(bare.physical_cores.has_value());
  CHECK_FALSE(bare.mhz.has_value());
  CHECK(bare.float_lanes() == 1);
  CHECK_FALSE(aib::peak_gflops(bare, 1).has_value());  // no clock, no FMA: not knowable
}

TEST_CASE("cpuinfo: bad text is an error naming the source and line", "[hardware]") {
  CHECK_THROWS_WITH(aib::parse_cpuinfo("", "cpu.txt"),
                    Catch::Contains("cpu.txt") && Catch::Contains("no 'processor'"));
  CHECK_THROWS_WITH(aib::parse_cpuinfo("processor : 0\ncpu MHz : fast\n", "cpu.txt"),
                    Catch::Contains("cpu.txt:2") && Catch::Contains("cpu MHz"));
}

TEST_CASE("peak GFLOP/s: cores x GHz x lanes x 2 x FMA units", "[hardware]") {
  const aib::CpuInfo cpu = aib::parse_cpuinfo(kTwoCpus);
  const auto one = aib::peak_gflops(cpu, 1);
  REQUIRE(one.has_value());
  CHECK(*one == Approx(2.5 * 8 * 2));  // 40 GFLOP/s per core with one FMA unit
  CHECK(*aib::peak_gflops(cpu, 2, 2) == Approx(4 * *one));
  aib::CpuInfo no_fma = cpu;
  no_fma.flags.erase("fma");
  CHECK_FALSE(aib::peak_gflops(no_fma, 1).has_value());
  CHECK_THROWS_WITH(aib::peak_gflops(cpu, 0), Catch::Contains("cores"));
}

TEST_CASE("memory bandwidth: both rates positive and finite; tiny buffers refused", "[hardware]") {
  const aib::Bandwidth bw = aib::memory_bandwidth(std::size_t{1} << 22, 1);
  CHECK(std::isfinite(bw.read_gbs));
  CHECK(bw.read_gbs > 0);
  CHECK(std::isfinite(bw.copy_gbs));
  CHECK(bw.copy_gbs > 0);
  CHECK_THROWS_WITH(aib::memory_bandwidth(1000, 1), Catch::Contains("1 MiB"));
}

aib::TransformerConfig small(bool tied, bool gated) {
  aib::TransformerConfig c;
  c.name = "small";
  c.vocab_size = 13;
  c.context = 16;
  c.d_model = 12;
  c.n_layers = 2;
  c.n_heads = 3;
  c.ffn_hidden = 20;
  c.tied_embeddings = tied;
  c.gated_ffn = gated;
  return c;
}

TEST_CASE("profiled forward: forward()'s logits, every component timed", "[forward_profile]") {
  aib::Rng rng(5);
  for (const bool tied : {true, false}) {
    const aib::Gpt model(small(tied, !tied), rng);
    const std::vector<aib::Index> ids = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8};  // 2 sequences of 6
    aib::Mat expected;                                                         // (12, V)
    {
      aib::NoGrad g;
      expected = model.forward(ids, 2).value();
    }
    aib::ByComponent seconds;
    const aib::Mat got = aib::profiled_forward(model, ids, seconds, 2);  // (12, V)
    REQUIRE(got.rows() == 12);
    REQUIRE(got.cols() == 13);
    CHECK((got - expected).cwiseAbs().maxCoeff() <= 1e-6f);
    for (const double s :
         {seconds.embeddings, seconds.attention, seconds.mlp, seconds.norms, seconds.head})
      CHECK(s >= 0);
    const double first = seconds.total();
    (void)aib::profiled_forward(model, ids, seconds, 2);
    CHECK(seconds.total() >= first);  // a second call adds to the same totals
  }
  const aib::Gpt model(small(true, false), rng);
  aib::ByComponent s;
  CHECK_THROWS_WITH(aib::profiled_forward(model, {1, 2, 3}, s, 2), Catch::Contains("3 ids"));
  CHECK_THROWS_WITH(aib::profiled_forward(model, std::vector<aib::Index>(17, 1), s),
                    Catch::Contains("context of 16"));
}

TEST_CASE("forward FLOPs: 2 per weight per token, plus the attention scores", "[forward_profile]") {
  for (const bool gated : {false, true}) {
    const aib::TransformerConfig c = small(true, gated);
    const aib::Index T = 7, B = 3;
    const aib::ByComponent f = aib::forward_flops(c, T, B);
    // Weights every token multiplies: c_attn, c_proj, the FFN's matrices, the head (wteᵀ).
    double weights = static_cast<double>(c.vocab_size * c.d_model);
    for (const aib::ParamShape& p : aib::parameter_shapes(c))
      if ((p.component == "attention" || p.component == "feed-forward") && p.rows > 1)
        weights += static_cast<double>(p.size());  // a weight matrix, not a (1, out) bias
    const double scores = 2.0 * c.n_layers * 2 * B * T * T * c.d_model;
    CHECK(f.total() == Approx(2.0 * weights * B * T + scores));
    CHECK(f.embeddings == 0);
    CHECK(f.norms == 0);
    CHECK(f.head == Approx(2.0 * B * T * c.d_model * c.vocab_size));
  }
  CHECK_THROWS_WITH(aib::forward_flops(small(true, false), 0), Catch::Contains("T = 0"));
}

TEST_CASE("decode FLOPs: a cached token costs one row, its attention grows with the past",
          "[forward_profile]") {
  const aib::TransformerConfig c = small(true, false);
  CHECK(aib::decode_flops(c, 0).total() == Approx(aib::forward_flops(c, 1).total()));
  // One more past token adds one key and one value row per layer: 2 × 2 × D FLOPs each.
  const double step = aib::decode_flops(c, 6).total() - aib::decode_flops(c, 5).total();
  CHECK(step == Approx(2.0 * 2 * c.n_layers * c.d_model));
  // Recomputing all 7 tokens costs more than 7 cached ones would share: the cache saves work.
  CHECK(aib::forward_flops(c, 7).total() > 1.5 * aib::decode_flops(c, 6).total());
  CHECK_THROWS_WITH(aib::decode_flops(c, -1), Catch::Contains("past = -1"));
}

}  // namespace test_stack
