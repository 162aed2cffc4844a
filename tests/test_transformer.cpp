// Tests for aib/nn/transformer.hpp: encoder and decoder blocks, the encoder, decoder,
// encoder-decoder and classifier models — gradient checks in double on every parameter,
// properties (an encoder without positions is permutation-equivariant, the decoder is causal,
// cross-attention reads the memory but never its padding, padding never changes an encoder's
// real rows), parameter counts against a formula, names, greedy decoding, errors, and PyTorch
// 1.13's TransformerEncoderLayer / TransformerDecoderLayer (norm_first=True, GELU, dropout 0;
// tools/reference/transformer.py -> tests/fixtures/torch/transformer/).
#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "catch.hpp"
#include "test_helpers.hpp"
#include "torch_ref.hpp"

#include "aib/autograd/gradcheck.hpp"
#include "aib/nn/gpt.hpp"
#include "aib/nn/transformer.hpp"

using aib::Index;
using aib::MatD;
using aib::TensorD;
using aib_test::max_diff;
using aib_test::message_of;
using Ids = std::vector<Index>;

namespace {

// ---- Declared tolerances ------------------------------------------------------------------------

// Central differences with h = 1e-6 in double: truncation ~h²·f''' ≈ 1e-12, rounding
// ~1e-16·|L|/h ≈ 1e-9; each entry must satisfy |analytic − numerical| <= atol + rtol·|numerical|.
const aib::GradcheckOptions kGradcheck{/*step=*/1e-6, /*atol=*/1e-7, /*rtol=*/1e-6, /*seed=*/99};
constexpr double kExact = 1e-12;     // should-be-identical values (different summation order)
constexpr double kTorchTol = 1e-11;  // float64 path vs torch float64

TensorD input(Index r, Index c, std::uint64_t seed) {
  aib::Rng rng(seed);
  return TensorD::parameter(rng.normal_mat(r, c).cast<double>());
}

// Every parameter plus (optionally) x as gradcheck inputs; f builds the graph from the layer's
// shared handles, so perturbing an input perturbs the layer.
void require_gradcheck(const std::function<TensorD()>& f, std::vector<TensorD> inputs) {
  Index entries = 0;
  for (const auto& t : inputs) entries += t.size();
  const aib::GradcheckResult r = aib::gradcheck([&](const std::vector<TensorD>&) { return f(); },
                                                std::move(inputs), kGradcheck);
  INFO(r.failures);
  INFO("entries checked: " << r.checked << ", max abs error " << r.max_abs_error);
  CHECK(r.checked == entries);
  CHECK(r.ok());
}

template <class Params>
std::vector<TensorD> tensors_plus(const Params& params, std::vector<TensorD> extra = {}) {
  std::vector<TensorD> out = aib::tensors_of(params);
  out.insert(out.end(), extra.begin(), extra.end());
  return out;
}

aib::StackConfig small_config(Index V = 7, aib::Positions pos = aib::Positions::sinusoidal,
                              Index pad = -1) {
  aib::StackConfig c;
  c.vocab_size = V;
  c.d_model = 8;
  c.n_heads = 2;
  c.ffn_hidden = 12;
  c.n_layers = 2;
  c.max_len = 10;
  c.positions = pos;
  c.pad_id = pad;
  return c;
}

MatD rows_permuted(const MatD& m, const std::vector<Index>& perm) {
  MatD out(m.rows(), m.cols());
  for (std::size_t i = 0; i < perm.size(); ++i) out.row(static_cast<Index>(i)) = m.row(perm[i]);
  return out;
}

// Parameters of one pre-norm block, counted by hand: two LayerNorms (2D each), attention
// (D·3D + 3D + D·D + D), MLP (D·F + F + F·D + D); cross-attention adds one more LayerNorm and
// attention.
Index block_params(Index D, Index F, bool cross) {
  const Index norm = 2 * D, attn = 4 * D * D + 4 * D, mlp = 2 * D * F + F + D;
  return 2 * norm + attn + mlp + (cross ? norm + attn : 0);
}

}  // namespace

// ---- Blocks: gradients --------------------------------------------------------------------------

TEST_CASE("encoder block: gradient check on x and every parameter, with and without padding") {
  aib::Rng rng(1);
  const aib::EncoderBlockT<double> block(8, 2, 12, rng);
  const TensorD x = input(5, 8, 2);  // (T, D)
  SECTION("no mask") {
    require_gradcheck([&] { return block.forward(x); }, tensors_plus(block.parameters(), {x}));
  }
  SECTION("last two keys are padding") {
    const aib::AttentionMask pad = aib::padding_mask(3, 5, 5);
    require_gradcheck([&] { return block.forward(x, pad); }, tensors_plus(block.parameters(), {x}));
  }
}

TEST_CASE("decoder block: gradient check, causal alone and with cross-attention to a memory") {
  aib::Rng rng(3);
  const TensorD x = input(4, 8, 4), memory = input(6, 8, 5);  // (U, D), (S, D)
  SECTION("decoder-only") {
    const aib::DecoderBlockT<double> block(8, 2, 12, rng, false);
    require_gradcheck([&] { return block.forward(x); }, tensors_plus(block.parameters(), {x}));
  }
  SECTION("with cross-attention and a padded memory") {
    const aib::DecoderBlockT<double> block(8, 2, 12, rng, true);
    const aib::AttentionMask mem_mask = aib::padding_mask(4, 4, 6);  // (U, S): keys 4, 5 padding
    require_gradcheck([&] { return block.forward(x, &memory, mem_mask); },
                      tensors_plus(block.parameters(), {x, memory}));
  }
}

// ---- Models: gradients --------------------------------------------------------------------------

TEST_CASE("models: gradient check of each loss on every parameter") {
  aib::Rng rng(6);
  SECTION("encoder with learned positions and padding") {
    const aib::EncoderT<double> enc(small_config(7, aib::Positions::learned, 0), rng);
    const Ids ids{3, 1, 4, 1, 5, 0, 0};
    require_gradcheck([&] { return enc.forward(ids); }, tensors_plus(enc.parameters()));
  }
  SECTION("decoder-only language model loss") {
    const aib::DecoderT<double> dec(small_config(), rng);
    require_gradcheck(
        [&] {
          return dec.loss(Ids{1, 2, 3, 4}, Ids{2, 3, 4, 5});
        },
        tensors_plus(dec.parameters()));
  }
  SECTION("encoder-decoder loss over a batch of two pairs, padded source and target") {
    aib::StackConfig src = small_config(6, aib::Positions::sinusoidal, 0);
    aib::StackConfig tgt = small_config(5, aib::Positions::learned, 4);
    src.n_layers = tgt.n_layers = 1;
    const aib::EncoderDecoderT<double> model(src, tgt, rng);
    require_gradcheck(
        [&] {
          return model.loss({{1, 2, 3, 0}, {5, 4, 1, 2}}, {{3, 1, 2}, {3, 2, 4}},
                            {{1, 2, 0}, {2, 0, 4}});
        },
        tensors_plus(model.parameters()));
  }
  SECTION("classifier loss with mean pooling over real tokens") {
    const aib::EncoderClassifierT<double> clf(small_config(7, aib::Positions::sinusoidal, 0), 3,
                                              rng);
    require_gradcheck(
        [&] {
          return clf.loss({{1, 2, 3, 0}, {4, 5, 6}}, {2, 0});
        },
        tensors_plus(clf.parameters()));
  }
}

// ---- Properties ---------------------------------------------------------------------------------

TEST_CASE("encoder without positions is permutation-equivariant; with positions it is not") {
  aib::Rng rng(8);
  const Ids ids{1, 5, 2, 6, 3};
  const std::vector<Index> perm{3, 0, 4, 1, 2};
  Ids shuffled;
  for (const Index p : perm) shuffled.push_back(ids[static_cast<std::size_t>(p)]);
  const aib::EncoderT<double> bag(small_config(7, aib::Positions::none), rng);
  const MatD y = bag.forward(ids).value(), y_shuffled = bag.forward(shuffled).value();
  CHECK(max_diff(y_shuffled, rows_permuted(y, perm)) <= kExact);

  const aib::EncoderT<double> ordered(small_config(7, aib::Positions::sinusoidal), rng);
  const MatD z = ordered.forward(ids).value(), z_shuffled = ordered.forward(shuffled).value();
  CHECK(max_diff(z_shuffled, rows_permuted(z, perm)) > 1e-3);
}

TEST_CASE("encoder: every token sees the future; padding changes no real row") {
  aib::Rng rng(9);
  const aib::EncoderT<double> enc(small_config(7, aib::Positions::sinusoidal, 0), rng);
  const MatD a = enc.forward(Ids{1, 2, 3, 4}).value();
  const MatD b = enc.forward(Ids{1, 2, 3, 5}).value();        // last token changed
  CHECK((a.row(0) - b.row(0)).cwiseAbs().maxCoeff() > 1e-3);  // bidirectional: row 0 moved
  const MatD padded = enc.forward(Ids{1, 2, 3, 4, 0, 0}).value();
  CHECK(padded.rows() == 6);
  CHECK(max_diff(padded.topRows(4), a) <= kExact);
}

TEST_CASE("decoder block and decoder are causal: a later token never changes an earlier row") {
  aib::Rng rng(10);
  const aib::DecoderBlockT<double> block(8, 2, 12, rng, false);
  const TensorD x = input(5, 8, 11);
  MatD x2 = x.value();
  x2.row(3) = input(1, 8, 12).value();  // change token 3
  const MatD y = block.forward(x).value(), y2 = block.forward(TensorD(x2)).value();
  CHECK(max_diff(y.topRows(3), y2.topRows(3)) <= kExact);  // rows 0..2 unchanged
  CHECK((y.row(3) - y2.row(3)).cwiseAbs().maxCoeff() > 1e-3);
  CHECK((y.row(4) - y2.row(4)).cwiseAbs().maxCoeff() > 1e-3);

  const aib::DecoderT<double> dec(small_config(), rng);
  const MatD l = dec.forward(Ids{1, 2, 3, 4, 5}).value(),
             l2 = dec.forward(Ids{1, 2, 6, 4, 5}).value();
  CHECK(max_diff(l.topRows(2), l2.topRows(2)) <= kExact);
  CHECK((l.row(2) - l2.row(2)).cwiseAbs().maxCoeff() > 1e-3);
  // A prefix gives the same rows as the full sequence.
  CHECK(max_diff(dec.forward(Ids{1, 2, 3}).value(), l.topRows(3)) <= kExact);
}

TEST_CASE("cross-attention: the output depends on the memory, never on its padded positions") {
  aib::Rng rng(13);
  const aib::DecoderBlockT<double> block(8, 2, 12, rng, true);
  const TensorD x = input(3, 8, 14), memory = input(5, 8, 15);  // (U, D), (S, D)
  MatD other = memory.value();
  other.row(1) = input(1, 8, 16).value();                     // a real memory row changed
  const aib::AttentionMask pad = aib::padding_mask(3, 3, 5);  // memory rows 3, 4 are padding
  const MatD y = block.forward(x, &memory, pad).value();
  const TensorD other_memory(other);
  const MatD y_other = block.forward(x, &other_memory, pad).value();
  for (Index t = 0; t < 3; ++t) CHECK((y.row(t) - y_other.row(t)).cwiseAbs().maxCoeff() > 1e-4);

  MatD padded_changed = memory.value();
  padded_changed.row(3) *= -7.0;
  padded_changed.row(4) = input(1, 8, 17).value();
  const TensorD m2(padded_changed);
  CHECK(max_diff(block.forward(x, &m2, pad).value(), y) <= kExact);
  const TensorD m3(memory.value().topRows(3));  // the same, padding cut off
  CHECK(max_diff(block.forward(x, &m3).value(), y) <= kExact);

  // Whole model: a source token under padding changes nothing; a real one changes the logits.
  const aib::EncoderDecoderT<double> model(small_config(7, aib::Positions::sinusoidal, 0),
                                           small_config(), rng);
  const MatD base = model.forward(Ids{3, 4, 5, 0}, Ids{1, 2}).value();
  CHECK(max_diff(model.forward(Ids{3, 4, 5}, Ids{1, 2}).value(), base) <= kExact);
  CHECK((model.forward(Ids{3, 6, 5, 0}, Ids{1, 2}).value() - base).cwiseAbs().maxCoeff() > 1e-4);
}

TEST_CASE("classifier: mean pooling ignores padding; predict is the argmax") {
  aib::Rng rng(18);
  const aib::EncoderClassifierT<double> clf(small_config(7, aib::Positions::learned, 0), 3, rng);
  const MatD a = clf.forward(Ids{4, 5, 6}).value();
  CHECK(a.rows() == 1);
  CHECK(a.cols() == 3);
  CHECK(max_diff(clf.forward(Ids{4, 5, 6, 0, 0}).value(), a) <= kExact);
  // Pooling by hand: the mean of the encoder's rows through the head.
  const MatD h = clf.encoder.forward(Ids{4, 5, 6}).value();  // (T, D)
  const MatD by_hand = h.colwise().mean() * clf.head.weight.value() + clf.head.bias.value();
  CHECK(max_diff(a, by_hand) <= kExact);
  Index best = 0;
  a.row(0).maxCoeff(&best);
  CHECK(clf.predict(Ids{4, 5, 6}) == best);
}

TEST_CASE("greedy decode follows the argmax of the forward pass and stops at eos") {
  aib::Rng rng(19);
  const aib::EncoderDecoderT<double> model(small_config(), small_config(), rng);
  const Ids src{2, 3, 4};
  const Index bos = 0, eos = 1;
  const Ids out = model.decode(src, bos, eos, 6);
  CHECK(out.size() <= 6);
  Ids prefix{bos};
  for (const Index t : out) {
    const MatD logits = model.forward(src, prefix).value();
    Index best = 0;
    logits.row(logits.rows() - 1).maxCoeff(&best);
    CHECK(best == t);
    CHECK(t != eos);
    prefix.push_back(t);
  }
  if (out.size() < 6) {  // stopped early: the next argmax was eos
    const MatD logits = model.forward(src, prefix).value();
    Index best = 0;
    logits.row(logits.rows() - 1).maxCoeff(&best);
    CHECK(best == eos);
  }
  // Forcing eos to be certain: an empty answer.
  aib::EncoderDecoderT<double> sure = model;
  // final norm outputs a row of ones (γ = 0, β = 1); the head maps it to D on eos, 0 elsewhere
  sure.decoder.ln_f.weight = TensorD::parameter(MatD::Zero(1, 8));
  sure.decoder.ln_f.bias = TensorD::parameter(MatD::Ones(1, 8));
  sure.decoder.lm_head.weight = TensorD::parameter(MatD::Zero(8, 7));
  sure.decoder.lm_head.weight.value().col(eos).setOnes();
  CHECK(sure.decode(src, bos, eos, 6).empty());
}

// ---- Parameters: counts and names ---------------------------------------------------------------

TEST_CASE("parameter counts equal the formula, names follow the layout") {
  aib::Rng rng(20);
  const Index D = 8, F = 12, V = 7, L = 2, Tmax = 10;
  const aib::EncoderT<float> enc(small_config(V, aib::Positions::learned), rng);
  CHECK(aib::count_parameters(enc.parameters()) ==
        V * D + Tmax * D + L * block_params(D, F, false) + 2 * D);
  const aib::DecoderT<float> dec(small_config(V, aib::Positions::sinusoidal), rng);
  CHECK(aib::count_parameters(dec.parameters()) ==
        V * D + L * block_params(D, F, false) + 2 * D + D * V);
  aib::StackConfig tgt = small_config(5, aib::Positions::sinusoidal);
  const aib::EncoderDecoder model(small_config(V, aib::Positions::sinusoidal), tgt, rng);
  CHECK(aib::count_parameters(model.parameters()) ==
        (V * D + L * block_params(D, F, false) + 2 * D) +
            (5 * D + L * block_params(D, F, true) + 2 * D + D * 5));
  const aib::EncoderClassifier clf(small_config(V, aib::Positions::none), 3, rng);
  CHECK(aib::count_parameters(clf.parameters()) ==
        V * D + L * block_params(D, F, false) + 2 * D + D * 3 + 3);

  std::vector<std::string> names;
  for (const auto& p : model.parameters()) names.push_back(p.name);
  CHECK(names.front() == "encoder.wte.weight");
  CHECK(std::find(names.begin(), names.end(), "encoder.h.0.attn.c_attn.weight") != names.end());
  CHECK(std::find(names.begin(), names.end(), "encoder.h.1.mlp.c_proj.bias") != names.end());
  CHECK(std::find(names.begin(), names.end(), "encoder.ln_f.bias") != names.end());
  CHECK(std::find(names.begin(), names.end(), "decoder.h.1.crossattention.c_attn.weight") !=
        names.end());
  CHECK(std::find(names.begin(), names.end(), "decoder.h.0.ln_cross_attn.weight") != names.end());
  CHECK(names.back() == "decoder.lm_head.weight");
  const std::vector<std::string> block0 = [&] {
    std::vector<std::string> out;
    for (const auto& p : model.decoder.h[0].parameters("b")) out.push_back(p.name);
    return out;
  }();
  // GPT-2's names (Hugging Face's GPT2Block with add_cross_attention for the cross-attention).
  CHECK(block0 ==
        std::vector<std::string>{"b.ln_1.weight", "b.ln_1.bias", "b.attn.c_attn.weight",
                                 "b.attn.c_attn.bias", "b.attn.c_proj.weight", "b.attn.c_proj.bias",
                                 "b.ln_cross_attn.weight", "b.ln_cross_attn.bias",
                                 "b.crossattention.c_attn.weight", "b.crossattention.c_attn.bias",
                                 "b.crossattention.c_proj.weight", "b.crossattention.c_proj.bias",
                                 "b.ln_2.weight", "b.ln_2.bias", "b.mlp.c_fc.weight",
                                 "b.mlp.c_fc.bias", "b.mlp.c_proj.weight", "b.mlp.c_proj.bias"});
  std::vector<std::string> clf_names;
  for (const auto& p : enc.parameters()) clf_names.push_back(p.name);
  CHECK(clf_names[1] == "encoder.wpe.weight");
}

// The decoder run alone and GptT (gpt.hpp) are one computation under one set of names: the
// decoder's parameters, loaded by name into a GPT of the same sizes, give the same logits.
TEST_CASE("the decoder alone is GptT: same names, same logits from the same weights") {
  aib::Rng rng(19);
  const aib::StackConfig sc = small_config(7, aib::Positions::learned);
  const aib::DecoderT<double> dec(sc, rng);
  aib::TransformerConfig gc;
  gc.name = "same";
  gc.vocab_size = sc.vocab_size;
  gc.context = sc.max_len;
  gc.d_model = sc.d_model;
  gc.n_layers = sc.n_layers;
  gc.n_heads = sc.n_heads;
  gc.ffn_hidden = sc.ffn_hidden;
  gc.tied_embeddings = false;
  const aib::GptT<double> gpt(gc, rng);
  const aib::ParametersT<double> from = dec.parameters(""), to = gpt.parameters();
  REQUIRE(from.size() == to.size());
  for (std::size_t i = 0; i < from.size(); ++i) {
    INFO(from[i].name);
    REQUIRE(from[i].name == to[i].name);
    aib::TensorD t = to[i].tensor;
    t.value() = from[i].tensor.value();
  }
  const Ids ids{3, 1, 4, 1, 5, 6};
  CHECK(max_diff(gpt.forward(ids).value(), dec.forward(ids).value()) < kExact);
}

// ---- Errors -------------------------------------------------------------------------------------

TEST_CASE("errors name the function and the sizes") {
  aib::Rng rng(21);
  aib::StackConfig bad = small_config();
  bad.n_heads = 3;
  CHECK(message_of([&] { aib::Encoder e(bad, rng); }) ==
        "Encoder: D = 8 must be a positive multiple of the number of heads H = 3");
  bad = small_config();
  bad.d_model = 6;
  bad.n_heads = 3;
  bad.positions = aib::Positions::sinusoidal;
  CHECK_NOTHROW(aib::Encoder(bad, rng));
  bad.d_model = 9;
  CHECK(message_of([&] { aib::Decoder d(bad, rng); }) ==
        "Decoder: sinusoidal positions need an even D, got D = 9");
  bad = small_config();
  bad.pad_id = 7;
  CHECK(message_of([&] { aib::Encoder e(bad, rng); }) ==
        "Encoder: pad_id = 7 must be -1 (none) or a token id in [0, 7)");

  const aib::Encoder enc(small_config(7, aib::Positions::sinusoidal, 0), rng);
  CHECK(message_of([&] { enc.forward(Ids(11, 1)); }) ==
        "Encoder::forward: a sequence of 11 tokens; need 1 to max_len = 10");
  CHECK(message_of([&] {
          enc.forward(Ids{0, 0});
        }) == "Encoder::forward: all 2 tokens are padding (pad_id = 0)");
  CHECK_THROWS_AS(enc.forward(Ids{1, 9}), aib::Error);  // id outside [0, V)

  const aib::DecoderBlock cross(8, 2, 12, rng, true), plain(8, 2, 12, rng, false);
  const aib::Tensor x(aib::Mat::Zero(3, 8)), m(aib::Mat::Zero(4, 8)), wide(aib::Mat::Zero(4, 6));
  CHECK(message_of([&] { cross.forward(x); }) ==
        "DecoderBlock: x has shape (3, 8); this block cross-attends and needs the encoder's memory "
        "(S, D)");
  CHECK(message_of([&] { plain.forward(x, &m); }) ==
        "DecoderBlock: memory of shape (4, 8) given to a block without cross-attention");
  CHECK(message_of([&] { cross.forward(x, &wide); }) ==
        "MultiHeadAttention: x_kv has shape (4, 6), expected (T, 8)");

  const aib::EncoderDecoder model(small_config(), small_config(), rng);
  CHECK(message_of([&] { model.decode(Ids{1}, 0, 7, 3); }) ==
        "EncoderDecoder::decode: bos = 0 and eos = 7 must be token ids in [0, 7)");
  CHECK(message_of([&] { model.decode(Ids{1}, 0, 1, 10); }) ==
        "EncoderDecoder::decode: max_len = 10 must be in [1, 9] (the decoder's max_len - 1)");
  CHECK(message_of([&] {
          model.loss(std::vector<Ids>{{1}}, std::vector<Ids>{{1, 2}}, std::vector<Ids>{{2}});
        }) == "EncoderDecoder::loss: pair 0 has 2 target inputs but 1 target outputs");
  aib::StackConfig narrow = small_config();
  narrow.d_model = 4;
  CHECK(message_of([&] { aib::EncoderDecoder bad_model(small_config(), narrow, rng); }) ==
        "EncoderDecoder: the encoder's D = 8 and the decoder's D = 4 must match");

  const aib::EncoderClassifier clf(small_config(), 2, rng);
  CHECK(message_of([&] {
          clf.loss({{1, 2}}, {0, 1});
        }) == "EncoderClassifier::loss: 1 sequences and 2 labels");
  CHECK(message_of([&] { aib::EncoderClassifier c1(small_config(), 1, rng); }) ==
        "EncoderClassifier: need at least 2 classes, got 1");
}

// ---- PyTorch 1.13: TransformerEncoderLayer / TransformerDecoderLayer ----------------------------

namespace {

MatD fixture(const std::string& name) {
  return aib_test::torch_ref("transformer", name);
}

std::vector<bool> valid_of(const MatD& row) {
  std::vector<bool> v;
  for (Index j = 0; j < row.cols(); ++j) v.push_back(row(0, j) != 0.0);
  return v;
}

// Loads tag_<name> into every parameter, then compares value and gradient after backward(R).
template <class Layer>
void load(const Layer& layer, const std::string& tag) {
  for (const auto& p : layer.parameters()) {
    const MatD v = fixture(tag + "_" + p.name);
    INFO(p.name);
    REQUIRE(v.rows() == p.tensor.rows());
    REQUIRE(v.cols() == p.tensor.cols());
    aib::TensorD t = p.tensor;
    t.value() = v;
  }
}

template <class Layer>
void compare_gradients(const Layer& layer, const std::string& tag) {
  Index compared = 0;
  for (const auto& p : layer.parameters()) {
    INFO(p.name);
    CHECK(max_diff(p.tensor.grad(), fixture(tag + "_d" + p.name)) <= kTorchTol);
    ++compared;
  }
  CHECK(compared == static_cast<Index>(layer.parameters().size()));
}

}  // namespace

TEST_CASE("encoder block matches torch.nn.TransformerEncoderLayer(norm_first=True), padded") {
  aib::Rng rng(30);
  const aib::EncoderBlockT<double> block(16, 4, 32, rng);
  load(block, "enc");
  const TensorD x = TensorD::parameter(fixture("enc_x"));  // (5, 16)
  const std::vector<bool> valid = valid_of(fixture("enc_valid"));
  const TensorD y = block.forward(x, aib::padding_mask(valid, x.rows()));
  // torch computes padded query rows too (they attend to the real keys); they must agree as well.
  CHECK(max_diff(y.value(), fixture("enc_y")) <= kTorchTol);
  y.backward(fixture("enc_R"));
  CHECK(max_diff(x.grad(), fixture("enc_dx")) <= kTorchTol);
  compare_gradients(block, "enc");
}

TEST_CASE("decoder block matches torch.nn.TransformerDecoderLayer(norm_first=True)") {
  aib::Rng rng(31);
  const aib::DecoderBlockT<double> block(16, 4, 32, rng, true);
  load(block, "dec");
  const TensorD x = TensorD::parameter(fixture("dec_x"));            // (4, 16)
  const TensorD memory = TensorD::parameter(fixture("dec_memory"));  // (6, 16)
  const aib::AttentionMask mem_mask = aib::padding_mask(valid_of(fixture("dec_valid")), x.rows());
  const TensorD y = block.forward(x, &memory, mem_mask);
  CHECK(max_diff(y.value(), fixture("dec_y")) <= kTorchTol);
  y.backward(fixture("dec_R"));
  CHECK(max_diff(x.grad(), fixture("dec_dx")) <= kTorchTol);
  CHECK(max_diff(memory.grad(), fixture("dec_dmemory")) <= kTorchTol);
  compare_gradients(block, "dec");
}
