// Tests for aib/nn/tiled_attention.hpp: the tiled op with an online softmax equals
// fused_self_attention (itself tested against composed ops) in values and in every input
// gradient, for T that are not multiples of the tiles, B > 1, H > 1, causal or not; gradient
// checks in double; the raw one-head entry equals plain attention and returns the row logsumexp;
// causal tiles above the diagonal are never touched; huge scores stay finite; shape errors.
#include <cmath>
#include <limits>
#include <vector>

#include "catch.hpp"
#include "test_helpers.hpp"

#include "aib/autograd/gradcheck.hpp"
#include "aib/core/numeric.hpp"
#include "aib/core/random.hpp"
#include "aib/nn/fused_attention.hpp"
#include "aib/nn/tiled_attention.hpp"

using aib::Index;
using aib::TensorD;

namespace {

// max |a − b| / max(1, max |b|)
double rel_diff(const aib::Mat& a, const aib::Mat& b) {
  return (a - b).cwiseAbs().maxCoeff() / std::max(1.0f, b.cwiseAbs().maxCoeff());
}

}  // namespace

TEST_CASE("tiled attention equals fused attention, values and gradients", "[tiled_attention]") {
  const Index B = 2, H = 2, Dh = 8, D = H * Dh;
  const std::vector<aib::TileOptions> tilings = {{64, 256}, {5, 3}, {16, 32}};
  aib::Rng rng(27);
  for (const Index T : {1, 7, 64, 129, 300})
    for (const bool causal : {false, true})
      for (const aib::TileOptions& tiles : tilings) {
        INFO("T = " << T << ", causal = " << causal << ", tiles " << tiles.block_q << "x"
                    << tiles.block_k);
        const aib::Mat x = rng.normal_mat(B * T, 3 * D);  // (B·T, 3D)
        const aib::Mat R = rng.normal_mat(B * T, D);      // (B·T, D) objective Σ R ⊙ out
        const aib::Tensor a = aib::Tensor::parameter(x), b = aib::Tensor::parameter(x);
        const aib::Tensor tiled = aib::tiled_self_attention(a, B, H, causal, tiles);
        const aib::Tensor fused = aib::fused_self_attention(b, B, H, causal);
        REQUIRE(tiled.rows() == B * T);
        REQUIRE(tiled.cols() == D);
        CHECK(rel_diff(tiled.value(), fused.value()) < 2e-6);
        tiled.backward(R);
        fused.backward(R);
        CHECK(rel_diff(a.grad(), b.grad()) < 2e-5);
        CHECK(b.grad().cwiseAbs().maxCoeff() > 1e-3f);  // something did flow back
        if (causal) {  // the first token sees only itself: its output is its value, per head
          CHECK((tiled.value().row(0) - x.block(0, 2 * D, 1, D)).cwiseAbs().maxCoeff() < 1e-6f);
        }
      }
}

TEST_CASE("tiled attention passes gradient checks in double", "[tiled_attention]") {
  aib::Rng rng(8);
  for (const bool causal : {false, true})
    for (const aib::TileOptions& tiles : {aib::TileOptions{2, 3}, aib::TileOptions{4, 2}}) {
      const Index B = 2, T = 5, H = 2, D = 6;
      const TensorD qkv = TensorD::parameter(rng.normal_mat(B * T, 3 * D).cast<double>());
      const aib::GradcheckResult r = aib::gradcheck(
          [&](const std::vector<TensorD>& in) {
            return aib::tiled_self_attention(in[0], B, H, causal, tiles);
          },
          {qkv});
      INFO(r.failures);
      CHECK(r.ok());
      CHECK(r.checked == B * T * 3 * D);
    }
}

TEST_CASE("tiled attention, one head: equals plain attention and returns the logsumexp",
          "[tiled_attention]") {
  aib::Rng rng(3);
  const Index T = 77, Dh = 16;
  const aib::MatD q = rng.normal_mat(T, Dh).cast<double>(),
                  k = rng.normal_mat(T, Dh).cast<double>(),
                  v = rng.normal_mat(T, Dh).cast<double>();
  for (const bool causal : {false, true}) {
    aib::VecD lse;
    const aib::MatD tiled = aib::tiled_attention(q, k, v, causal, {10, 24}, &lse);
    const aib::MatD plain = aib::plain_attention(q, k, v, causal);
    CHECK((tiled - plain).cwiseAbs().maxCoeff() < 1e-12);
    // lse_i = log Σ_{j allowed} exp(q_i·k_j/√Dh), computed here from the whole score matrix.
    aib::MatD s = q * k.transpose() / std::sqrt(double(Dh));  // (T, T)
    if (causal)
      for (Index i = 0; i < T; ++i)
        for (Index j = i + 1; j < T; ++j) s(i, j) = -std::numeric_limits<double>::infinity();
    REQUIRE(lse.size() == T);
    CHECK((lse - aib::logsumexp(s)).cwiseAbs().maxCoeff() < 1e-12);
  }
}

TEST_CASE("tiled attention: causal tiles above the diagonal are never read", "[tiled_attention]") {
  // A NaN in the last value row reaches every output row of plain attention (0·NaN = NaN in P·V),
  // but in tiled attention only the rows of the last query tile, the one that holds that key.
  aib::Rng rng(5);
  const Index T = 10, Dh = 4;
  const aib::Mat q = rng.normal_mat(T, Dh), k = rng.normal_mat(T, Dh);
  aib::Mat v = rng.normal_mat(T, Dh);
  v(T - 1, 0) = std::numeric_limits<float>::quiet_NaN();
  const aib::Mat tiled = aib::tiled_attention(q, k, v, true, {4, 3});  // query tiles 0-3, 4-7, 8-9
  const aib::Mat plain = aib::plain_attention(q, k, v, true);
  CHECK(plain.topRows(8).hasNaN());
  CHECK(tiled.topRows(8).allFinite());
  CHECK(tiled.bottomRows(2).hasNaN());
  // The FLOPs counted are those of the computed tiles: T = 4, tiles 2x2, causal computes the
  // tiles (0, 0), (1, 0), (1, 1), 12 scores, each 2·Dh for Q·Kᵀ and 2·Dh for P·V.
  CHECK(aib::tiled_attention_flops(4, 8, true, {2, 2}) == 12 * 4 * 8);
  CHECK(aib::tiled_attention_flops(4, 8, false, {2, 2}) == 16 * 4 * 8);
}

TEST_CASE("tiled attention: huge scores stay finite", "[tiled_attention]") {
  aib::Rng rng(11);
  const Index B = 1, T = 40, H = 2, Dh = 8, D = H * Dh;
  aib::Mat x = rng.normal_mat(B * T, 3 * D);  // (T, 3D)
  x.leftCols(2 * D) *= 300.0f;                // scores of order 300²/√8 ≈ 3·10⁴
  for (const bool causal : {false, true}) {
    const aib::Tensor a = aib::Tensor::parameter(x);
    const aib::Tensor out = aib::tiled_self_attention(a, B, H, causal, {8, 16});
    CHECK(out.value().allFinite());
    out.backward(rng.normal_mat(B * T, D));
    CHECK(a.grad().allFinite());
    // The softmax is one-hot at such scales: each output row is the value row of its top score.
    for (Index h = 0; h < H; ++h) {
      const aib::MatD q = x.block(0, h * Dh, T, Dh).cast<double>();
      const aib::MatD k = x.block(0, D + h * Dh, T, Dh).cast<double>();
      const aib::MatD s = q * k.transpose();  // (T, T)
      for (Index i = 0; i < T; ++i) {
        Index best = 0;
        s.row(i).head(causal ? i + 1 : T).maxCoeff(&best);
        CHECK((out.value().block(i, h * Dh, 1, Dh) - x.block(best, 2 * D + h * Dh, 1, Dh))
                  .cwiseAbs()
                  .maxCoeff() < 1e-4f);
      }
    }
  }
}

TEST_CASE("tiled attention: shape and tile errors name the shapes", "[tiled_attention]") {
  const aib::Tensor qkv(aib::Mat::Zero(10, 12));
  CHECK_THAT(aib_test::message_of([&] { aib::tiled_self_attention(qkv, 3, 2, true); }),
             Catch::Contains("tiled_self_attention: qkv is (10, 12)"));
  CHECK_THAT(aib_test::message_of([&] { aib::tiled_self_attention(qkv, 2, 3, true); }),
             Catch::Contains("H = 3"));
  CHECK_THROWS_AS(aib::tiled_self_attention(aib::Tensor(aib::Mat::Zero(4, 7)), 1, 1, false),
                  aib::ShapeError);
  CHECK_THAT(aib_test::message_of([&] {
               aib::tiled_self_attention(qkv, 2, 2, true, {0, 4});
             }),
             Catch::Contains("block_q = 0"));
  const aib::Mat q = aib::Mat::Zero(4, 8), k = aib::Mat::Zero(5, 8);
  CHECK_THROWS_AS(aib::tiled_attention(q, k, q, false), aib::ShapeError);
  CHECK_THAT(aib_test::message_of([&] { aib::tiled_attention(q, k, q, false); }),
             Catch::Contains("k (5, 8)"));
  CHECK_THAT(aib_test::message_of([&] { aib::plain_attention(q, q, k, true); }),
             Catch::Contains("plain_attention: q (4, 8), k (4, 8), v (5, 8)"));
}
