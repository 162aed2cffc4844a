// Tests for aib/nn/attention.hpp: mask helpers, scaled dot-product attention and multi-head
// attention — shapes, hand-computable cases, properties (rows sum to 1, causal zeros, the past
// unchanged by the future, permutation equivariance), gradient checks in double on every input
// with each kind of mask, errors, and PyTorch 1.13's nn.MultiheadAttention (values, averaged and
// per-head weights, gradients; tools/reference/attention.py -> tests/fixtures/torch/attention/).
#include <cfenv>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "catch.hpp"
#include "test_helpers.hpp"
#include "torch_ref.hpp"

#include "aib/autograd/gradcheck.hpp"
#include "aib/autograd/ops.hpp"
#include "aib/nn/attention.hpp"
#include "aib/nn/param_count.hpp"

using aib::AttentionMask;
using aib::Index;
using aib::MatD;
using aib::TensorD;
using aib_test::max_diff;
using aib_test::message_of;

namespace {

// ---- Declared tolerances ------------------------------------------------------------------------

constexpr double kTorchTolDouble = 1e-12;  // max |aib − torch|, float64 path vs torch float64
constexpr double kTorchTolFloat = 1e-5;    // float32 path vs torch float64, relative to max |torch|
constexpr double kHandTol = 1e-14;         // closed-form values computed by hand
// Central differences with h = 1e-6 in double: truncation ~h²·f''' ≈ 1e-12, rounding ~1e-16·|L|/h
// ≈ 1e-9; each entry must satisfy |analytic − numerical| <= atol + rtol·|numerical|.
const aib::GradcheckOptions kGradcheck{/*step=*/1e-6, /*atol=*/1e-7, /*rtol=*/1e-6, /*seed=*/1234};

// ---- Helpers ------------------------------------------------------------------------------------

TensorD param(Index r, Index c, std::uint64_t seed, double scale = 1.0) {
  aib::Rng rng(seed);
  return TensorD::parameter(rng.normal_mat(r, c).cast<double>() * scale);
}

void require_gradcheck(const std::function<TensorD(const std::vector<TensorD>&)>& f,
                       std::vector<TensorD> inputs, Index expected_entries) {
  const aib::GradcheckResult r = aib::gradcheck(f, std::move(inputs), kGradcheck);
  INFO(r.failures);
  INFO("entries checked: " << r.checked << ", max abs error " << r.max_abs_error);
  CHECK(r.checked == expected_entries);  // every entry of every input that requires grad
  CHECK(r.ok());
}

MatD fixture(const std::string& name) {
  return aib_test::torch_ref("attention", name);
}

// A fixture's 0/1 matrix as a mask.
AttentionMask mask_of(const MatD& allowed) {
  return (allowed.array() != 0.0).matrix();
}

// max |a − b| / max(1, max |b|): "relative-ish", for float against a float64 reference.
double rel_diff(const MatD& a, const MatD& b) {
  return max_diff(a, b) / std::max(1.0, b.cwiseAbs().maxCoeff());
}

MatD rows_permuted(const MatD& m, const std::vector<Index>& perm) {
  MatD out(m.rows(), m.cols());
  for (std::size_t i = 0; i < perm.size(); ++i) out.row(static_cast<Index>(i)) = m.row(perm[i]);
  return out;
}

}  // namespace

// ---- Masks --------------------------------------------------------------------------------------

TEST_CASE("mask helpers: causal, padding by flags and by length, combined") {
  const AttentionMask c = aib::causal_mask(3);
  AttentionMask expect_c(3, 3);
  expect_c << true, false, false,  //
      true, true, false,           //
      true, true, true;
  CHECK(c == expect_c);

  const AttentionMask p = aib::padding_mask(std::vector<bool>{true, false, true, true}, 2);
  AttentionMask expect_p(2, 4);
  expect_p << true, false, true, true,  //
      true, false, true, true;
  CHECK(p == expect_p);

  const AttentionMask len = aib::padding_mask(2, 3, 3);  // keys 0, 1 real, key 2 padding
  AttentionMask expect_len(3, 3);
  expect_len << true, true, false,  //
      true, true, false,            //
      true, true, false;
  CHECK(len == expect_len);

  AttentionMask both(3, 3);
  both << true, false, false,  //
      true, true, false,       //
      true, true, false;
  CHECK(aib::combine_masks(c, len) == both);
  CHECK(aib::combine_masks(c, AttentionMask()) == c);
  CHECK(aib::combine_masks(AttentionMask(), len) == len);

  CHECK_THROWS_AS(aib::causal_mask(0), aib::Error);
  CHECK(message_of([] { aib::padding_mask(4, 2, 3); }) ==
        "padding_mask: valid_length = 4 is outside [0, Tk = 3]");
  CHECK_THROWS_AS(aib::combine_masks(c, p), aib::ShapeError);
  CHECK(message_of([&] { aib::combine_masks(c, p); }) ==
        "combine_masks: a has shape (3, 3) but b has shape (2, 4); they must match");
}

// ---- Scaled dot-product attention: shapes and values by hand ------------------------------------

TEST_CASE("attention: shapes, and the weights when asked") {
  const TensorD q = param(3, 4, 1), k = param(5, 4, 2), v = param(5, 2, 3);
  MatD w;
  const TensorD out = aib::scaled_dot_product_attention(q, k, v, {}, &w);
  CHECK(out.rows() == 3);  // (Tq, Dv)
  CHECK(out.cols() == 2);
  CHECK(out.requires_grad());
  CHECK(w.rows() == 3);  // (Tq, Tk)
  CHECK(w.cols() == 5);
  CHECK(max_diff(out.value(), w * v.value()) <= kHandTol);  // out = P·v
}

TEST_CASE("attention by hand: identical keys give uniform weights, the mean of the values") {
  const TensorD q = param(3, 2, 4);                                    // any queries
  TensorD k(MatD::Ones(4, 1) * (MatD(1, 2) << 0.7, -1.3).finished());  // 4 equal keys
  const TensorD v(MatD((MatD(4, 3) << 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12).finished()));
  MatD w;
  const TensorD out = aib::scaled_dot_product_attention(q, k, v, {}, &w);
  CHECK(max_diff(w, MatD::Constant(3, 4, 0.25)) <= kHandTol);
  for (Index i = 0; i < 3; ++i)
    CHECK(max_diff(out.value().row(i), (MatD(1, 3) << 5.5, 6.5, 7.5).finished()) <= 1e-14);
}

TEST_CASE("attention by hand: one-hot queries pick their key with weight 3/4") {
  // q_i = s·e_i, k = I (2, 2): s_ij = s·δ_ij/√2. With s = √2·ln 3 the row is (ln 3, 0) or
  // (0, ln 3), so the matching key gets e^ln3 / (e^ln3 + 1) = 3/4 and the other 1/4.
  const double s = std::sqrt(2.0) * std::log(3.0);
  const TensorD q(MatD(MatD::Identity(2, 2) * s));
  const TensorD k(MatD(MatD::Identity(2, 2)));
  const TensorD v(MatD((MatD(2, 2) << 10, 0, 0, 100).finished()));
  MatD w;
  const TensorD out = aib::scaled_dot_product_attention(q, k, v, {}, &w);
  CHECK(max_diff(w, (MatD(2, 2) << 0.75, 0.25, 0.25, 0.75).finished()) <= kHandTol);
  CHECK(max_diff(out.value(), (MatD(2, 2) << 7.5, 25, 2.5, 75).finished()) <= 1e-13);

  // A large s makes attention a lookup: query i returns value i.
  const TensorD q_sharp(MatD(MatD::Identity(2, 2) * 100.0));
  CHECK(max_diff(aib::scaled_dot_product_attention(q_sharp, k, v).value(), v.value()) <= 1e-10);
}

// ---- Properties ---------------------------------------------------------------------------------

TEST_CASE(
    "attention: weight rows sum to 1 with and without masks; causal weights vanish above "
    "the diagonal; padded keys get 0") {
  const Index T = 6;
  const TensorD q = param(T, 4, 5, 2.0), k = param(T, 4, 6, 2.0), v = param(T, 3, 7);
  const AttentionMask causal = aib::causal_mask(T), pad = aib::padding_mask(4, T, T);
  for (const AttentionMask& m : {AttentionMask(), causal, pad, aib::combine_masks(causal, pad)}) {
    MatD w;
    aib::scaled_dot_product_attention(q, k, v, m, &w);
    CHECK(max_diff(w.rowwise().sum(), MatD::Ones(T, 1)) <= 1e-14);
    CHECK(w.minCoeff() >= 0.0);
    if (m.size() != 0)
      for (Index i = 0; i < T; ++i)
        for (Index j = 0; j < T; ++j)
          if (!m(i, j)) CHECK(w(i, j) == 0.0);  // exactly 0, not merely small
  }
  MatD w;
  aib::scaled_dot_product_attention(q, k, v, causal, &w);
  CHECK(w(0, 0) == 1.0);  // the first token can only look at itself
  for (Index i = 0; i < T; ++i)
    for (Index j = i + 1; j < T; ++j) CHECK(w(i, j) == 0.0);
}

TEST_CASE("causal attention: the future does not change the past") {
  // With a causal mask, output row i equals unmasked attention of q_i over keys 0 … i alone.
  const Index T = 5;
  const TensorD q = param(T, 3, 8), k = param(T, 3, 9), v = param(T, 2, 10);
  const MatD full = aib::scaled_dot_product_attention(q, k, v, aib::causal_mask(T)).value();
  for (Index t = 1; t <= T; ++t) {
    const MatD prefix =
        aib::scaled_dot_product_attention(aib::slice_rows(q, t - 1, 1), aib::slice_rows(k, 0, t),
                                          aib::slice_rows(v, 0, t))
            .value();  // (1, Dv)
    CHECK(max_diff(full.row(t - 1), prefix) <= 1e-14);
  }
  // Padding the keys is the same as dropping them.
  const MatD padded =
      aib::scaled_dot_product_attention(q, k, v, aib::padding_mask(3, T, T)).value();
  const MatD dropped =
      aib::scaled_dot_product_attention(q, aib::slice_rows(k, 0, 3), aib::slice_rows(v, 0, 3))
          .value();
  CHECK(max_diff(padded, dropped) <= 1e-14);
}

TEST_CASE("a query with nothing to attend to gets weights 0 and output 0, never NaN") {
  const TensorD q = param(3, 2, 11), k = param(4, 2, 12), v = param(4, 2, 13);
  AttentionMask m = aib::causal_mask(4).topRows(3);  // (3, 4)
  m.row(1).setConstant(false);                       // query 1 may look at nothing
  MatD w;
  const TensorD out = aib::scaled_dot_product_attention(q, k, v, m, &w);
  CHECK(out.value().allFinite());
  CHECK(out.value().row(1).cwiseAbs().maxCoeff() == 0.0);
  CHECK(w.row(1).cwiseAbs().maxCoeff() == 0.0);
  CHECK(w.row(0).sum() == Approx(1.0).margin(1e-15));
  CHECK(w.row(2).sum() == Approx(1.0).margin(1e-15));
  out.backward(MatD::Ones(3, 2));
  CHECK(q.grad().allFinite());
  CHECK(q.grad().row(1).cwiseAbs().maxCoeff() == 0.0);  // the empty row has no gradient
  CHECK(k.grad().allFinite());
  CHECK(v.grad().allFinite());

  // No 0/0 or ∞ − ∞ anywhere, forward or backward: the empty row never reaches the softmax as
  // all −∞ (a NaN replaced later would also give the outputs above).
  std::feclearexcept(FE_ALL_EXCEPT);
  const TensorD q2 = param(3, 2, 11);
  aib::scaled_dot_product_attention(q2, k, v, m).backward(MatD::Ones(3, 2));
  CHECK(std::fetestexcept(FE_INVALID) == 0);

  // A mask that forbids everything: all zeros, in float too.
  const aib::Tensor qf(q.value().cast<float>()), kf(k.value().cast<float>()),
      vf(v.value().cast<float>());
  const aib::Mat none =
      aib::scaled_dot_product_attention(qf, kf, vf, AttentionMask::Constant(3, 4, false)).value();
  CHECK(none.allFinite());
  CHECK(none.cwiseAbs().maxCoeff() == 0.0f);
}

TEST_CASE("self-attention is permutation-equivariant without a mask, and not with a causal one") {
  aib::Rng rng(14);
  aib::MultiHeadAttentionT<double> mha(8, 2, rng);
  const TensorD x = param(5, 8, 15);
  const std::vector<Index> perm = {3, 0, 4, 1, 2};
  const MatD y = mha.forward(x).value();
  const MatD y_perm = mha.forward(TensorD(rows_permuted(x.value(), perm))).value();
  CHECK(max_diff(y_perm, rows_permuted(y, perm)) <= 1e-13);
  // A causal mask makes position matter: the same check fails (so the one above can fail too).
  const AttentionMask causal = aib::causal_mask(5);
  const MatD yc = mha.forward(x, causal).value();
  const MatD yc_perm = mha.forward(TensorD(rows_permuted(x.value(), perm)), causal).value();
  CHECK(max_diff(yc_perm, rows_permuted(yc, perm)) > 1e-3);
}

// ---- Gradient checks ----------------------------------------------------------------------------

TEST_CASE("gradient check: attention w.r.t. q, k and v, with every kind of mask") {
  const Index Tq = 4, Tk = 5, Dh = 3, Dv = 2;
  AttentionMask empty_row = aib::padding_mask(3, Tq, Tk);
  empty_row.row(2).setConstant(false);  // one query with nothing to attend to
  const std::vector<std::pair<const char*, AttentionMask>> masks = {
      {"none", AttentionMask()},
      {"causal", aib::causal_mask(Tk).bottomRows(Tq)},  // (Tq, Tk): queries are the last 4 tokens
      {"padding", aib::padding_mask(std::vector<bool>{true, true, false, true, false}, Tq)},
      {"causal + padding",
       aib::combine_masks(aib::causal_mask(Tk).bottomRows(Tq), aib::padding_mask(3, Tq, Tk))},
      {"an empty row", empty_row}};
  for (const auto& [name, mask] : masks) {
    INFO("mask: " << name);
    const AttentionMask m = mask;
    require_gradcheck(
        [m](const std::vector<TensorD>& in) {
          return aib::scaled_dot_product_attention(in[0], in[1], in[2], m);
        },
        {param(Tq, Dh, 16), param(Tk, Dh, 17), param(Tk, Dv, 18)}, Tq * Dh + Tk * Dh + Tk * Dv);
  }
}

TEST_CASE("gradient check: multi-head self-attention w.r.t. x and every parameter") {
  const Index T = 4, D = 6, H = 3;
  AttentionMask empty_row = aib::causal_mask(T);
  empty_row.row(3).setConstant(false);
  const std::vector<std::pair<const char*, AttentionMask>> masks = {
      {"none", AttentionMask()},
      {"causal", aib::causal_mask(T)},
      {"padding", aib::padding_mask(3, T, T)},
      {"causal + padding", aib::combine_masks(aib::causal_mask(T), aib::padding_mask(3, T, T))},
      {"an empty row", empty_row}};
  for (const auto& [name, mask] : masks) {
    INFO("mask: " << name);
    aib::Rng rng(19);
    aib::MultiHeadAttentionT<double> mha(D, H, rng);
    const AttentionMask m = mask;
    require_gradcheck(
        [&mha, m](const std::vector<TensorD>& in) {
          mha.qkv.weight = in[1];
          mha.qkv.bias = in[2];
          mha.proj.weight = in[3];
          mha.proj.bias = in[4];
          return mha.forward(in[0], m);
        },
        {param(T, D, 20), mha.qkv.weight, mha.qkv.bias, mha.proj.weight, mha.proj.bias},
        T * D + D * 3 * D + 3 * D + D * D + D);
  }
}

TEST_CASE("gradient check: multi-head cross-attention w.r.t. x_q, x_kv and every parameter") {
  const Index Tq = 3, Tk = 5, D = 4, H = 2;
  for (const AttentionMask& m : {AttentionMask(), aib::padding_mask(3, Tq, Tk)}) {
    aib::Rng rng(21);
    aib::MultiHeadAttentionT<double> mha(D, H, rng);
    require_gradcheck(
        [&mha, m](const std::vector<TensorD>& in) {
          mha.qkv.weight = in[2];
          mha.qkv.bias = in[3];
          mha.proj.weight = in[4];
          mha.proj.bias = in[5];
          return mha.forward(in[0], in[1], m);
        },
        {param(Tq, D, 22), param(Tk, D, 23), mha.qkv.weight, mha.qkv.bias, mha.proj.weight,
         mha.proj.bias},
        Tq * D + Tk * D + D * 3 * D + 3 * D + D * D + D);
  }
  // Without biases (LLaMA-style), the gradient of the weights alone.
  aib::Rng rng(24);
  aib::MultiHeadAttentionT<double> mha(D, H, rng, /*bias=*/false);
  require_gradcheck(
      [&mha](const std::vector<TensorD>& in) {
        mha.qkv.weight = in[1];
        return mha.forward(in[0], aib::causal_mask(3));
      },
      {param(3, D, 25), mha.qkv.weight}, 3 * D + D * 3 * D);
}

// ---- Multi-head attention: structure ------------------------------------------------------------

TEST_CASE("multi-head attention: parameters are what param_count counts; heads are column slices") {
  aib::Rng rng(26);
  const Index D = 8, H = 2;
  aib::MultiHeadAttention mha(D, H, rng);
  CHECK(mha.d_model() == D);
  CHECK(mha.head_dim() == 4);
  const aib::Parameters p = mha.parameters("h.0.attn");
  // The same names and shapes, in the same order, as parameter_shapes' attention entries.
  aib::TransformerConfig tiny{"tiny", 11, 7, D, 1, H, 32, false, true, true, true, true};
  std::vector<aib::ParamShape> counted;
  for (const aib::ParamShape& s : aib::parameter_shapes(tiny))
    if (s.component == "attention") counted.push_back(s);
  REQUIRE(p.size() == counted.size());
  for (std::size_t i = 0; i < p.size(); ++i) {
    CHECK(p[i].name == counted[i].name);
    CHECK(p[i].tensor.rows() == counted[i].rows);
    CHECK(p[i].tensor.cols() == counted[i].cols);
  }
  CHECK(aib::count_parameters(p) ==
        aib::count_by_component(aib::parameter_shapes(tiny)).at("attention"));
  tiny.biases = false;
  aib::MultiHeadAttention no_bias(D, H, rng, false);
  CHECK(aib::count_parameters(no_bias.parameters()) == 4 * D * D);
  CHECK(aib::count_parameters(no_bias.parameters()) ==
        aib::count_by_component(aib::parameter_shapes(tiny)).at("attention"));

  // Head h is plain attention on columns [h·Dh, (h+1)·Dh) of q, k and v; the heads' outputs,
  // side by side, go through W_o.
  aib::MultiHeadAttentionT<double> m2(D, H, rng);
  const TensorD x = param(5, D, 27);
  std::vector<MatD> heads_w;
  const MatD y = m2.forward(x, aib::causal_mask(5), &heads_w).value();
  REQUIRE(heads_w.size() == 2);
  const MatD qkv = x.value() * m2.qkv.weight.value() + MatD::Ones(5, 1) * m2.qkv.bias.value();
  MatD merged(5, D);
  for (Index h = 0; h < H; ++h) {
    MatD w;
    merged.middleCols(h * 4, 4) =
        aib::scaled_dot_product_attention(
            TensorD(MatD(qkv.middleCols(h * 4, 4))), TensorD(MatD(qkv.middleCols(D + h * 4, 4))),
            TensorD(MatD(qkv.middleCols(2 * D + h * 4, 4))), aib::causal_mask(5), &w)
            .value();
    CHECK(max_diff(w, heads_w[static_cast<std::size_t>(h)]) <= 1e-15);
  }
  const MatD expect = merged * m2.proj.weight.value() + MatD::Ones(5, 1) * m2.proj.bias.value();
  CHECK(max_diff(y, expect) <= 1e-13);
  // Cross-attention with x_kv = x is self-attention.
  CHECK(max_diff(m2.forward(x, x, aib::causal_mask(5)).value(), y) <= 1e-13);
}

// ---- Errors -------------------------------------------------------------------------------------

TEST_CASE("errors name the shapes") {
  const aib::Tensor q(aib::Mat::Zero(3, 4)), k(aib::Mat::Zero(5, 4)), v(aib::Mat::Zero(5, 2));
  const aib::Tensor k6(aib::Mat::Zero(5, 6)), v4(aib::Mat::Zero(4, 2));
  CHECK_THROWS_AS(aib::scaled_dot_product_attention(q, k6, v), aib::ShapeError);
  CHECK(message_of([&] { aib::scaled_dot_product_attention(q, k6, v); }) ==
        "scaled_dot_product_attention: q has shape (3, 4) and k has shape (5, 6); q (Tq, Dh) and "
        "k (Tk, Dh) need the same width Dh");
  CHECK_THROWS_AS(aib::scaled_dot_product_attention(q, k, v4), aib::ShapeError);
  CHECK(message_of([&] { aib::scaled_dot_product_attention(q, k, v4); }) ==
        "scaled_dot_product_attention: k has shape (5, 4) and v has shape (4, 2); k (Tk, Dh) and "
        "v (Tk, Dv) need the same number of rows Tk");
  CHECK_THROWS_AS(aib::scaled_dot_product_attention(q, k, v, aib::causal_mask(5)), aib::ShapeError);
  CHECK(message_of([&] { aib::scaled_dot_product_attention(q, k, v, aib::causal_mask(5)); }) ==
        "scaled_dot_product_attention: mask has shape (5, 5), expected (3, 5)");
  const aib::Tensor q0(aib::Mat::Zero(3, 0)), k0(aib::Mat::Zero(5, 0));
  CHECK_THROWS_AS(aib::scaled_dot_product_attention(q0, k0, v), aib::ShapeError);

  aib::Rng rng(28);
  CHECK_THROWS_AS(aib::MultiHeadAttention(10, 4, rng), aib::Error);
  CHECK(message_of([&] { aib::MultiHeadAttention(10, 4, rng); }) ==
        "MultiHeadAttention: model width D = 10 must be a positive multiple of the number of heads "
        "H = 4 (each head gets Dh = D / H columns)");
  CHECK_THROWS_AS(aib::MultiHeadAttention(8, 0, rng), aib::Error);
  aib::MultiHeadAttention mha(8, 2, rng);
  CHECK_THROWS_AS(mha.forward(aib::Tensor(aib::Mat::Zero(3, 6))), aib::ShapeError);
  CHECK(message_of([&] { mha.forward(aib::Tensor(aib::Mat::Zero(3, 6))); }) ==
        "MultiHeadAttention: x has shape (3, 6), expected (T, 8)");
  CHECK(message_of([&] {
          mha.forward(aib::Tensor(aib::Mat::Zero(3, 8)), aib::Tensor(aib::Mat::Zero(2, 7)));
        }) == "MultiHeadAttention: x_kv has shape (2, 7), expected (T, 8)");
  CHECK_THROWS_AS(mha.forward(aib::Tensor(aib::Mat::Zero(3, 8)), aib::causal_mask(4)),
                  aib::ShapeError);
  CHECK(message_of([&] {
          mha.forward(aib::Tensor(aib::Mat::Zero(3, 8)), aib::Tensor(aib::Mat::Zero(2, 8)),
                      aib::causal_mask(3));
        }) == "MultiHeadAttention: mask has shape (3, 3), expected (Tq, Tk) = (3, 2)");
  mha.n_heads = 3;  // fields are public: a later change is caught too
  CHECK_THROWS_WITH(
      mha.forward(aib::Tensor(aib::Mat::Zero(3, 8))),
      Catch::Contains("D = 8 must be a positive multiple of the number of heads H = 3"));
}

// ---- PyTorch reference --------------------------------------------------------------------------

namespace {

// Run our MultiHeadAttention (scalar S) on case `name` of the fixtures; compare output, weights
// (averaged and per head) and gradients; return the largest difference (relative-ish for float).
template <class S>
double compare_with_torch(const std::string& name, bool self_attention) {
  INFO("reference case " << name << (sizeof(S) == 8 ? " (double)" : " (float)"));
  using T = aib::TensorT<S>;
  const auto load = [&](const std::string& f) { return aib::MatT<S>(fixture(f).cast<S>()); };
  aib::Rng rng(0);
  aib::MultiHeadAttentionT<S> mha(16, 4, rng);
  mha.qkv.weight.value() = load("Wqkv");
  mha.qkv.bias.value() = load("bqkv");
  mha.proj.weight.value() = load("Wo");
  mha.proj.bias.value() = load("bo");
  const T xq = T::parameter(load(name + "_xq"));
  const T xkv = self_attention ? xq : T::parameter(load(name + "_xkv"));
  const MatD allowed = fixture(name + "_allowed");
  const AttentionMask mask =
      (allowed.array() == 1.0).all() ? AttentionMask() : mask_of(allowed);  // no mask when none

  std::vector<aib::MatT<S>> heads;
  const T y = self_attention ? mha.forward(xq, mask, &heads) : mha.forward(xq, xkv, mask, &heads);
  y.backward(load(name + "_R"));

  const auto diff = [](const aib::MatT<S>& ours, const MatD& ref) {
    return sizeof(S) == 8 ? max_diff(ours.template cast<double>(), ref)
                          : rel_diff(ours.template cast<double>(), ref);
  };
  std::vector<std::pair<std::string, double>> d;
  d.emplace_back("y", diff(y.value(), fixture(name + "_y")));
  REQUIRE(heads.size() == 4);
  aib::MatT<S> avg = aib::MatT<S>::Zero(heads[0].rows(), heads[0].cols());
  for (std::size_t h = 0; h < heads.size(); ++h) {
    d.emplace_back("w" + std::to_string(h),
                   diff(heads[h], fixture(name + "_w" + std::to_string(h))));
    avg += heads[h] / S(4);
  }
  d.emplace_back("w (average)", diff(avg, fixture(name + "_w")));
  d.emplace_back("dxq", diff(xq.grad(), fixture(name + "_dxq")));
  if (!self_attention) d.emplace_back("dxkv", diff(xkv.grad(), fixture(name + "_dxkv")));
  d.emplace_back("dWqkv", diff(mha.qkv.weight.grad(), fixture(name + "_dWqkv")));
  d.emplace_back("dbqkv", diff(mha.qkv.bias.grad(), fixture(name + "_dbqkv")));
  d.emplace_back("dWo", diff(mha.proj.weight.grad(), fixture(name + "_dWo")));
  d.emplace_back("dbo", diff(mha.proj.bias.grad(), fixture(name + "_dbo")));
  double worst = 0;
  for (const auto& [what, err] : d) {
    INFO(what << ": max difference " << err);
    CHECK(err <= (sizeof(S) == 8 ? kTorchTolDouble : kTorchTolFloat));
    worst = std::max(worst, err);
  }
  return worst;
}

}  // namespace

TEST_CASE("multi-head attention matches torch.nn.MultiheadAttention: values, weights, gradients") {
  const std::vector<std::pair<std::string, bool>> cases = {{"self", true},
                                                           {"self_causal", true},
                                                           {"self_causal_pad", true},
                                                           {"cross", false},
                                                           {"cross_pad", false}};
  for (const auto& [name, self_attention] : cases) {
    const double in_double = compare_with_torch<double>(name, self_attention);
    const double in_float = compare_with_torch<float>(name, self_attention);
    UNSCOPED_INFO(name << ": max difference " << in_double << " (double), " << in_float
                       << " relative (float)");
  }
  // The fixtures' masks are the helpers' masks.
  CHECK(mask_of(fixture("self_causal_allowed")) == aib::causal_mask(5));
  CHECK(mask_of(fixture("self_causal_pad_allowed")) ==
        aib::combine_masks(aib::causal_mask(5), aib::padding_mask(3, 5, 5)));
  CHECK(mask_of(fixture("cross_pad_allowed")) == aib::padding_mask(4, 4, 6));
  SUCCEED();
}
