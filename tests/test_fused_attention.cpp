// Tests for aib/nn/fused_attention.hpp: the one-op batched multi-head attention equals the same
// computation composed from plain autograd ops (slices, matmul, masked_fill, softmax), values and
// gradients, causal or not; gradient checks in double; weights are distributions; shape errors.
#include <vector>

#include "catch.hpp"
#include "test_helpers.hpp"

#include "aib/autograd/activations.hpp"
#include "aib/autograd/gradcheck.hpp"
#include "aib/autograd/ops.hpp"
#include "aib/core/random.hpp"
#include "aib/nn/fused_attention.hpp"

using aib::Index;
using aib::TensorD;

namespace {

// The reference: every sequence and head built from small ops, as a reader would write it.
TensorD composed(const TensorD& qkv, Index B, Index H, bool causal) {
  const Index T = qkv.rows() / B, D = qkv.cols() / 3, Dh = D / H;
  aib::MatT<bool> mask = aib::MatT<bool>::Constant(T, T, false);  // (T, T) true above the diagonal
  if (causal)
    for (Index i = 0; i < T; ++i)
      for (Index j = i + 1; j < T; ++j) mask(i, j) = true;
  std::vector<TensorD> sequences;
  for (Index b = 0; b < B; ++b) {
    const TensorD rows = aib::slice_rows(qkv, b * T, T);  // (T, 3D)
    std::vector<TensorD> heads;
    for (Index h = 0; h < H; ++h) {
      const TensorD q = aib::slice_cols(rows, h * Dh, Dh);          // (T, Dh)
      const TensorD k = aib::slice_cols(rows, D + h * Dh, Dh);      // (T, Dh)
      const TensorD v = aib::slice_cols(rows, 2 * D + h * Dh, Dh);  // (T, Dh)
      TensorD s = aib::mul_scalar(aib::matmul(q, aib::transpose(k)), 1.0 / std::sqrt(double(Dh)));
      if (causal) s = aib::masked_fill(s, mask, -std::numeric_limits<double>::infinity());
      heads.push_back(aib::matmul(aib::softmax(s), v));  // (T, Dh)
    }
    sequences.push_back(aib::concat_cols(heads));  // (T, D)
  }
  return aib::concat_rows(sequences);  // (B·T, D)
}

}  // namespace

TEST_CASE("fused attention equals the composed ops, values and gradients", "[attention]") {
  aib::Rng rng(4);
  for (const bool causal : {false, true}) {
    const Index B = 3, T = 5, H = 2, Dh = 4, D = H * Dh;
    const aib::MatD x = rng.normal_mat(B * T, 3 * D).cast<double>();
    const aib::MatD R = rng.normal_mat(B * T, D).cast<double>();  // a random objective Σ R ⊙ out
    const TensorD a = TensorD::parameter(x), b = TensorD::parameter(x);
    const TensorD fused = aib::fused_self_attention(a, B, H, causal);
    const TensorD plain = composed(b, B, H, causal);
    CHECK((fused.value() - plain.value()).cwiseAbs().maxCoeff() < 1e-12);
    fused.backward(R);
    plain.backward(R);
    CHECK((a.grad() - b.grad()).cwiseAbs().maxCoeff() < 1e-12);
    CHECK(a.grad().cwiseAbs().maxCoeff() > 1e-3);  // something did flow back
  }
}

TEST_CASE("fused attention passes gradient checks", "[attention]") {
  aib::Rng rng(8);
  for (const bool causal : {false, true}) {
    const TensorD qkv = TensorD::parameter(rng.normal_mat(2 * 4, 3 * 6).cast<double>());
    const aib::GradcheckResult r = aib::gradcheck(
        [&](const std::vector<TensorD>& in) { return aib::fused_self_attention(in[0], 2, 3, causal); }, {qkv});
    INFO(r.failures);
    CHECK(r.ok());
    CHECK(r.checked == 8 * 18);
  }
}

TEST_CASE("fused attention: causal weights are distributions over the past", "[attention]") {
  aib::Rng rng(1);
  const aib::Tensor qkv(rng.normal_mat(2 * 6, 3 * 8));
  aib::Mat w;
  const aib::Tensor out = aib::fused_self_attention(qkv, 2, 2, true, &w);
  REQUIRE(w.rows() == 2 * 2 * 6);
  REQUIRE(w.cols() == 6);
  for (Index r = 0; r < w.rows(); ++r) {
    CHECK(std::abs(w.row(r).sum() - 1.0f) < 1e-5f);
    for (Index j = r % 6 + 1; j < 6; ++j) CHECK(w(r, j) == 0.0f);  // nothing from the future
  }
  // The first token can only attend to itself: its output is its own value vector, per head.
  CHECK((out.value().row(0) - qkv.value().block(0, 16, 1, 8)).cwiseAbs().maxCoeff() < 1e-6f);
}

TEST_CASE("fused attention: shape errors name the shapes", "[attention]") {
  const aib::Tensor qkv(aib::Mat::Zero(10, 12));
  CHECK_THAT(aib_test::message_of([&] { aib::fused_self_attention(qkv, 3, 2, true); }),
             Catch::Contains("qkv is (10, 12)"));
  CHECK_THAT(aib_test::message_of([&] { aib::fused_self_attention(qkv, 2, 3, true); }),
             Catch::Contains("H = 3"));
  CHECK_THAT(aib_test::message_of([&] { aib::fused_self_attention(aib::Tensor(aib::Mat::Zero(4, 7)), 1, 1, false); }),
             Catch::Contains("(4, 7)"));
}
