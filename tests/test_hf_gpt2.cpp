// Open weights in and out: a GPT in Hugging Face's GPT-2 layout (nn/hf_gpt2.hpp). A tiny GPT-2
// written by tools/reference/hf_gpt2.py (F32, F16 without the "transformer." prefix and with the
// attention-mask buffers, BF16) loads here and gives PyTorch's logits; a model saved here loads
// back bit for bit; every malformed directory is refused naming the file and the tensor.
// With AIB_HF_GPT2_EXPORT=DIR set, the round-trip test also leaves a model saved here in DIR, with
// its ids and logits, for `tools/reference/hf_gpt2.py --check DIR` (tests/fixtures/hf_gpt2/README).
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "catch.hpp"
#include "test_helpers.hpp"
#include "torch_ref.hpp"

#include "aib/core/io.hpp"
#include "aib/core/safetensors.hpp"
#include "aib/nn/hf_gpt2.hpp"
#include "aib/nn/quantize.hpp"

namespace test_hf_gpt2 {

namespace fs = std::filesystem;
using aib::Index;
using aib::Mat;
using aib::MatD;
using aib_test::max_diff;
using aib_test::message_of;
using Catch::Contains;

const std::string fixtures = std::string(AIB_FIXTURES_DIR) + "/hf_gpt2";

using aib_test::TempDir;

std::vector<Index> fixture_ids() {
  const auto m = aib::load_npy<std::int64_t>(fixtures + "/ids.npy");  // (1, T)
  return std::vector<Index>(m.data(), m.data() + m.size());
}

MatD fixture_logits(const std::string& name) {
  return aib::load_npy<double>(fixtures + "/" + name + ".npy");  // (T, V)
}

MatD logits_of(const aib::Gpt& model, const std::vector<Index>& ids) {
  aib::NoGrad no_graph;
  return model.forward(ids).value().cast<double>();  // (T, V)
}

// A copy of the fixture directory `name` in tmp, as tmp/<name>.
std::string copy_fixture(const TempDir& tmp, const std::string& name) {
  const std::string dir = tmp.file(name);
  fs::create_directories(dir);
  for (const char* f : {"config.json", "model.safetensors"})
    fs::copy_file(fixtures + "/" + name + "/" + f, dir + "/" + f);
  return dir;
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// Replaces the first `from` in the file's bytes by `to`.
void edit_file(const std::string& path, const std::string& from, const std::string& to) {
  std::string bytes = aib::read_file(path, "test");
  const std::size_t at = bytes.find(from);
  REQUIRE(at != std::string::npos);
  bytes.replace(at, from.size(), to);
  write_text(path, bytes);
}

aib::TransformerConfig small_config(bool tied) {
  aib::TransformerConfig c;
  c.name = "small";
  c.vocab_size = 23;
  c.context = 10;
  c.d_model = 12;
  c.n_layers = 2;
  c.n_heads = 3;
  c.ffn_hidden = 20;  // not 4D: config.json gets n_inner
  c.tied_embeddings = tied;
  return c;
}

TEST_CASE("hf_gpt2: the tiny GPT-2 written by PyTorch gives PyTorch's logits", "[hf_gpt2]") {
  const aib::Gpt model = aib::load_hf_gpt2(fixtures + "/tiny");
  CHECK(model.config.vocab_size == 300);
  CHECK(model.config.d_model == 8);
  CHECK(model.config.n_layers == 2);
  CHECK(model.config.ffn_hidden == 32);
  CHECK(model.config.tied_embeddings);
  CHECK(model.h[0].mlp.mlp.act == aib::Activation::gelu_tanh);  // "gelu_new"
  const std::vector<Index> ids = fixture_ids();
  const MatD ours = logits_of(model, ids);  // (T, V)
  CHECK(max_diff(ours, fixture_logits("logits_f64")) <= 1e-5);
  CHECK(max_diff(ours, fixture_logits("logits_f32")) <= 1e-5);
  // The check can fail: the logits are far from zero and differ across positions.
  CHECK(ours.cwiseAbs().maxCoeff() > 1.0);
}

TEST_CASE("hf_gpt2: F16 and BF16 files load, widened exactly, and give PyTorch's logits",
          "[hf_gpt2]") {
  CHECK(aib::half_to_float(0x3C00) == 1.0f);
  CHECK(aib::half_to_float(0xC000) == -2.0f);
  CHECK(aib::half_to_float(0x7BFF) == 65504.0f);
  CHECK(aib::half_to_float(0x0001) == std::ldexp(1.0f, -24));  // the smallest subnormal
  CHECK(aib::half_to_float(0x3555) == 0.333251953125f);        // 1/3 rounded to 11 bits
  CHECK(std::isinf(aib::half_to_float(0xFC00)));
  CHECK(std::isnan(aib::half_to_float(0x7E00)));
  CHECK(aib::bfloat16_to_float(0x3F80) == 1.0f);
  CHECK(aib::bfloat16_to_float(0x4049) == 3.140625f);
  CHECK(aib::bfloat16_to_float(0xC2F7) == -123.5f);

  const aib::Gpt f32 = aib::load_hf_gpt2(fixtures + "/tiny");
  const std::vector<Index> ids = fixture_ids();
  for (const auto& [kind, step] : {std::pair<std::string, float>{"f16", 0x1p-11f},
                                   std::pair<std::string, float>{"bf16", 0x1p-8f}}) {
    INFO(kind);
    const aib::Gpt m = aib::load_hf_gpt2(fixtures + "/tiny_" + kind);
    CHECK(max_diff(logits_of(m, ids), fixture_logits("logits_" + kind)) <= 1e-5);
    // Each weight is the float one rounded to the 16-bit format: within half a unit in the last
    // place (relative 2^-11 or 2^-8; F16 subnormals below 2^-14 within 2^-25), and not all equal.
    const Mat& a = m.h[1].mlp.mlp.up.weight.value();    // (D, F)
    const Mat& b = f32.h[1].mlp.mlp.up.weight.value();  // (D, F)
    const Mat bound = (b.cwiseAbs() * step).array().max(0x1p-25f).matrix();
    CHECK(((a - b).cwiseAbs().array() <= bound.array()).all());
    CHECK((a - b).cwiseAbs().maxCoeff() > 0.0f);
  }
  // The F16 file has the buffers h.l.attn.bias (U8) and h.l.attn.masked_bias: passed over unread.
  aib::SafetensorsReadOptions o;
  o.widen_half = true;
  o.skip = aib::detail::hf_is_mask_buffer;
  const aib::SafeTensors st = aib::read_safetensors(fixtures + "/tiny_f16/model.safetensors", o);
  CHECK(st.skipped.size() == 4);
  CHECK(st.stored_dtype.at("wte.weight") == "F16");
  CHECK(st.find("h.0.attn.bias") == nullptr);
  // Without the options, the same file is refused by dtype, naming it.
  CHECK_THAT(message_of([] { aib::read_safetensors(fixtures + "/tiny_f16/model.safetensors"); }),
             Contains("unsupported dtype"));
}

TEST_CASE("hf_gpt2: save then load gives the same model, bit for bit", "[hf_gpt2]") {
  TempDir tmp;
  for (const bool tied : {true, false}) {
    INFO("tied " << tied);
    aib::Rng rng(tied ? 7 : 8);
    const aib::Gpt model(small_config(tied), rng);  // GELU (erf): config.json says "gelu"
    const std::string dir = tmp.file(tied ? "tied" : "untied");
    aib::save_hf_gpt2(model, dir);
    const aib::Gpt back = aib::load_hf_gpt2(dir);
    const auto a = model.parameters(), b = back.parameters();
    REQUIRE(a.size() == b.size());
    for (std::size_t k = 0; k < a.size(); ++k) {
      INFO(a[k].name);
      CHECK(a[k].name == b[k].name);
      CHECK(a[k].tensor.value() == b[k].tensor.value());
    }
    CHECK(back.config.ffn_hidden == 20);
    CHECK(back.config.tied_embeddings == tied);
    CHECK(back.h[1].mlp.mlp.act == aib::Activation::gelu);
    const std::vector<Index> ids = {1, 22, 3, 0, 9, 9, 14};
    CHECK(logits_of(model, ids) == logits_of(back, ids));
    // GPT-2's names and shapes in the file: 1-d biases, an untied head as (V, D).
    const aib::SafeTensors st = aib::read_safetensors(dir + "/model.safetensors");
    CHECK(st.at("transformer.h.0.attn.c_attn.weight").shape == std::vector<Index>{12, 36});
    CHECK(st.at("transformer.h.0.attn.c_attn.bias").shape == std::vector<Index>{36});
    CHECK(st.at("transformer.ln_f.weight").shape == std::vector<Index>{12});
    CHECK((st.find("lm_head.weight") != nullptr) == !tied);
    if (!tied) CHECK(st.at("lm_head.weight").shape == std::vector<Index>{23, 12});
    CHECK(st.metadata.at("format") == "pt");
    const std::string config = aib::read_file(dir + "/config.json", "test");
    CHECK_THAT(config, Contains("\"model_type\": \"gpt2\"") && Contains("\"n_inner\": 20") &&
                           Contains("\"layer_norm_epsilon\": 1e-05") &&
                           Contains("\"activation_function\": \"gelu\"") &&
                           Contains("\"GPT2LMHeadModel\""));
    const char* export_dir = std::getenv("AIB_HF_GPT2_EXPORT");
    if (export_dir != nullptr && *export_dir != '\0' && !tied) {
      aib::save_hf_gpt2(model, export_dir);
      aib::MatT<std::int64_t> id_row(1, static_cast<Index>(ids.size()));  // (1, T)
      for (Index k = 0; k < id_row.cols(); ++k) id_row(0, k) = ids[static_cast<std::size_t>(k)];
      aib::save_npy(std::string(export_dir) + "/aib_ids.npy", aib::to_npy(id_row));
      aib::save_npy(std::string(export_dir) + "/aib_logits.npy",
                    aib::to_npy(logits_of(model, ids)));
      WARN("exported an untied model with its logits to " << export_dir);
    }
  }
  // The fixture, saved here, reloads to the same numbers (tanh GELU: "gelu_new").
  const aib::Gpt tiny = aib::load_hf_gpt2(fixtures + "/tiny");
  aib::save_hf_gpt2(tiny, tmp.file("tiny"));
  const aib::Gpt again = aib::load_hf_gpt2(tmp.file("tiny"));
  CHECK(logits_of(tiny, fixture_ids()) == logits_of(again, fixture_ids()));
  CHECK_THAT(aib::read_file(tmp.file("tiny/config.json"), "test"),
             Contains("\"activation_function\": \"gelu_new\""));
}

TEST_CASE("hf_gpt2: a malformed directory is refused, naming the file and what was wrong",
          "[hf_gpt2]") {
  TempDir tmp;
  const auto refusal = [](const std::string& dir) {
    return message_of([&] { aib::load_hf_gpt2(dir); });
  };
  SECTION("no config.json") {
    const std::string dir = copy_fixture(tmp, "tiny");
    fs::remove(dir + "/config.json");
    CHECK_THAT(refusal(dir), Contains(dir + "/config.json") && Contains("missing"));
  }
  SECTION("not a directory") {
    CHECK_THAT(refusal(tmp.file("nowhere")), Contains("not a directory"));
  }
  SECTION("config sizes that disagree with the tensors") {
    const std::string dir = copy_fixture(tmp, "tiny");
    edit_file(dir + "/config.json", "\"n_embd\": 8", "\"n_embd\": 16");
    CHECK_THAT(refusal(dir), Contains(dir + "/model.safetensors") &&
                                 Contains("tensor 'transformer.wte.weight'") &&
                                 Contains("has shape [300, 8], the config calls for [300, 16]"));
  }
  SECTION("a config that is not GPT-2") {
    const std::string dir = copy_fixture(tmp, "tiny");
    edit_file(dir + "/config.json", "\"gpt2\"", "\"llama\"");
    CHECK_THAT(refusal(dir), Contains("config.json") && Contains("model_type \"llama\""));
    edit_file(dir + "/config.json", "\"llama\"", "\"gpt2\"");
    edit_file(dir + "/config.json", "\"gelu_new\"", "\"relu\"");
    CHECK_THAT(refusal(dir), Contains("activation_function \"relu\""));
    edit_file(dir + "/config.json", "\"relu\"", "\"gelu\"");
    edit_file(dir + "/config.json", "\"n_head\": 2", "\"n_head\": 3");
    CHECK_THAT(refusal(dir), Contains("n_embd = 8 is not divisible by n_head = 3"));
    edit_file(dir + "/config.json", "\"n_head\": 3", "\"n_head\": 2");
    edit_file(dir + "/config.json", "\"n_layer\": 2", "\"n_layer\": 1000000000");
    CHECK_THAT(refusal(dir), Contains("n_layer = 1000000000 calls for more blocks than"));
    edit_file(dir + "/config.json", "\"n_layer\": 1000000000", "\"n_layer\": 2");
    edit_file(dir + "/config.json", "\"vocab_size\": 300", "\"vocab_size\": 4000000000000");
    CHECK_THAT(refusal(dir), Contains("tensor 'transformer.wte.weight': has shape [300, 8], the "
                                      "config calls for [4000000000000, 8]"));
    write_text(dir + "/config.json", "{\"model_type\": \"gpt2\", \"vocab_size\": 300}");
    CHECK_THAT(refusal(dir), Contains("missing key \"n_positions\""));
  }
  // The file rewritten with one change: tensors are edited in memory and written back.
  const auto rewrite = [&](const std::function<void(aib::SafeTensors&)>& change) {
    const std::string dir = copy_fixture(tmp, "tiny");
    aib::SafeTensors st = aib::read_safetensors(dir + "/model.safetensors");
    change(st);
    aib::write_safetensors(dir + "/model.safetensors", st);
    return dir;
  };
  const auto erase = [](aib::SafeTensors& st, const std::string& name) {
    for (auto it = st.tensors.begin(); it != st.tensors.end(); ++it)
      if (it->first == name) {
        st.tensors.erase(it);
        return;
      }
    FAIL("no tensor " << name);
  };
  SECTION("a missing tensor") {
    const std::string dir =
        rewrite([&](aib::SafeTensors& st) { erase(st, "transformer.h.1.mlp.c_fc.bias"); });
    CHECK_THAT(refusal(dir),
               Contains("model.safetensors") &&
                   Contains("tensor 'transformer.h.1.mlp.c_fc.bias': missing; the config calls "
                            "for it with shape [32]"));
  }
  SECTION("an extra tensor") {
    const std::string dir = rewrite([](aib::SafeTensors& st) {
      st.tensors.emplace_back("transformer.h.0.attn.rotary", aib::to_safetensor(Mat::Ones(2, 2)));
    });
    CHECK_THAT(refusal(dir), Contains("tensor 'transformer.h.0.attn.rotary': is not a GPT-2 "
                                      "tensor of this config"));
  }
  SECTION("the same tensor with and without the prefix") {
    const std::string dir = rewrite([](aib::SafeTensors& st) {
      st.tensors.emplace_back("wpe.weight", st.at("transformer.wpe.weight"));
    });
    CHECK_THAT(refusal(dir), Contains("appears twice"));
  }
  SECTION("a head that is not the tied one") {
    const std::string dir = rewrite([](aib::SafeTensors& st) {
      st.tensors.emplace_back("lm_head.weight", aib::to_safetensor(Mat::Ones(300, 8)));
    });
    CHECK_THAT(refusal(dir),
               Contains("tensor 'lm_head.weight'") && Contains("tie_word_embeddings"));
  }
  SECTION("a tensor of the wrong shape") {
    const std::string dir = rewrite([](aib::SafeTensors& st) {
      for (auto& [name, t] : st.tensors)
        if (name == "transformer.h.0.attn.c_attn.weight") t.shape = {24, 8};
    });
    CHECK_THAT(refusal(dir), Contains("tensor 'transformer.h.0.attn.c_attn.weight': has shape "
                                      "[24, 8], the config calls for [8, 24]"));
  }
  SECTION("a tensor of the wrong dtype") {
    const std::string dir = rewrite([](aib::SafeTensors& st) {
      for (auto& [name, t] : st.tensors)
        if (name == "transformer.ln_f.bias") t = aib::to_safetensor(aib::VecD::Zero(8));
    });
    CHECK_THAT(refusal(dir),
               Contains("tensor 'transformer.ln_f.bias': has dtype F64; GPT-2 weights load from "
                        "F32, F16 or BF16"));
  }
  SECTION("an unknown dtype") {
    const std::string dir = copy_fixture(tmp, "tiny");
    edit_file(dir + "/model.safetensors", "\"F32\"", "\"F17\"");
    CHECK_THAT(refusal(dir), Contains("model.safetensors") && Contains("unknown dtype 'F17'"));
  }
  SECTION("a truncated file") {
    const std::string dir = copy_fixture(tmp, "tiny");
    const std::string path = dir + "/model.safetensors";
    fs::resize_file(path, fs::file_size(path) - 100);
    CHECK_THAT(refusal(dir), Contains(path) && Contains("reach past the end of the data buffer"));
  }
  SECTION("a corrupted byte, caught by the checksum a save here writes") {
    aib::save_hf_gpt2(aib::load_hf_gpt2(fixtures + "/tiny"), tmp.file("ours"));
    const std::string path = tmp.file("ours/model.safetensors");
    std::string bytes = aib::read_file(path, "test");
    bytes[bytes.size() - 3] ^= 0x10;
    write_text(path, bytes);
    CHECK_THAT(refusal(tmp.file("ours")), Contains("do not match the checksum"));
  }
  SECTION("nothing is loaded halfway") {
    aib::Gpt model = aib::load_hf_gpt2(fixtures + "/tiny");
    const Mat before = model.wte.weight.value();  // (V, D)
    const std::string dir =
        rewrite([&](aib::SafeTensors& st) { erase(st, "transformer.ln_f.weight"); });
    CHECK_THROWS_AS(model = aib::load_hf_gpt2(dir), aib::IoError);
    CHECK(model.wte.weight.value() == before);
  }
}

TEST_CASE("hf_gpt2: a model GPT-2's layout cannot describe is not saved", "[hf_gpt2]") {
  TempDir tmp;
  aib::Rng rng(3);
  aib::TransformerConfig c = small_config(true);
  c.layernorm = false;
  CHECK_THAT(message_of([&] { aib::save_hf_gpt2(aib::Gpt(c, rng), tmp.file("a")); }),
             Contains("RMSNorm"));
  c = small_config(true);
  c.gated_ffn = true;
  c.biases = false;
  CHECK_THAT(message_of([&] { aib::save_hf_gpt2(aib::Gpt(c, rng), tmp.file("b")); }),
             Contains("gated feed-forward"));
  aib::Gpt m(small_config(true), rng);
  m.h[1].attn.proj.bias.value()(0, 3) = std::nanf("");
  CHECK_THAT(message_of([&] { aib::save_hf_gpt2(m, tmp.file("c")); }),
             Contains("h.1.attn.c_proj.bias") && Contains("non-finite"));
  CHECK_FALSE(fs::exists(tmp.file("c/model.safetensors")));
}

TEST_CASE("quantize: int8 absmax per output channel is within half a step of every weight",
          "[quantize]") {
  aib::Rng rng(12);
  Mat w = aib::gpt2_normal<float>(64, 48, rng, 0.1);  // (in, out)
  w.col(5) *= 40.0f;                                  // an outlier channel
  w.col(9).setZero();                                 // a dead one
  for (const aib::QuantAxis axis : {aib::QuantAxis::per_column, aib::QuantAxis::per_row}) {
    const aib::Int8Matrix q = aib::quantize_int8(w, axis);
    const Index channels = axis == aib::QuantAxis::per_column ? 48 : 64;
    REQUIRE(q.scale.size() == static_cast<std::size_t>(channels));
    CHECK(q.bytes() == 64 * 48 + static_cast<std::size_t>(channels) * 4);  // vs 12288 in float
    const Mat back = aib::dequantize(q);                                   // (in, out)
    double worst = 0.0;                                                    // in steps
    for (Index i = 0; i < 64; ++i)
      for (Index j = 0; j < 48; ++j) {
        const double s = q.scale_at(i, j);
        const double err = std::abs(double(back(i, j)) - double(w(i, j)));
        // Half a step, up to the float rounding of w/s and s·q (a few units of 2^-24).
        CHECK(err <= 0.5 * s * (1 + 1e-6) + 1e-12);
        if (s > 0) worst = std::max(worst, err / s);
      }
    CHECK(worst > 0.4);  // the bound is nearly reached: the test could fail
    CHECK((back.col(9).array() == 0.0f).all());
  }
  const aib::Int8Matrix q = aib::quantize_int8(w);  // per column
  for (Index j = 0; j < 48; ++j) {
    int absmax = 0;
    for (Index i = 0; i < 64; ++i)
      absmax = std::max(absmax, std::abs(int(q.q[static_cast<std::size_t>(i * 48 + j)])));
    CHECK(absmax == (j == 9 ? 0 : 127));  // each column's largest weight is ±127
  }
  // Per column, the outlier column does not coarsen the others; one scale for all would.
  CHECK(q.scale[5] > 20 * q.scale[4]);
  CHECK_THAT(message_of([] {
               Mat bad = Mat::Ones(2, 2);
               bad(1, 0) = std::nanf("");
               aib::quantize_int8(bad);
             }),
             Contains("non-finite"));
}

TEST_CASE("quantize: a GPT's matrices to int8, sizes, and a quantised copy", "[quantize]") {
  const aib::Gpt model = aib::load_hf_gpt2(fixtures + "/tiny");
  aib::QuantReport r;
  const auto q = aib::quantize_gpt(model, &r);
  // V 300, T 32, D 8, F 32, 2 blocks: wte 2400 + wpe 256 + 2·(192 + 64 + 256 + 256) weights.
  CHECK(r.matrices == 10);
  CHECK(q.size() == 10);
  CHECK(r.weights == 4192);
  CHECK(r.kept_float == 224);  // 2·(4 norms·8 + biases 24 + 8 + 32 + 8) + ln_f 16
  CHECK(r.bytes_before == (4192 + 224) * 4);
  // int8 weights + scales (300 rows of wte, 32 of wpe, 2·(24 + 8 + 32 + 8) columns) + the floats.
  CHECK(r.bytes_after == 4192 + (300 + 32 + 144) * 4 + 224 * 4);
  CHECK(r.max_error_in_steps <= 0.5 + 1e-6);
  CHECK(r.max_error_in_steps > 0.4);

  const aib::Gpt copy = aib::quantized_copy(model);
  const aib::Gpt reloaded = aib::load_hf_gpt2(fixtures + "/tiny");
  CHECK(model.wte.weight.value() == reloaded.wte.weight.value());  // the original is untouched
  CHECK(copy.h[0].ln_1.ln.weight.value() == model.h[0].ln_1.ln.weight.value());
  CHECK(copy.h[0].attn.qkv.bias.value() == model.h[0].attn.qkv.bias.value());
  CHECK(copy.h[0].attn.qkv.weight.value() != model.h[0].attn.qkv.weight.value());
  CHECK(copy.h[0].attn.qkv.weight.value() == aib::dequantize(q[2].second));
  CHECK(q[2].first == "h.0.attn.c_attn.weight");
  const MatD a = logits_of(model, fixture_ids()), b = logits_of(copy, fixture_ids());
  CHECK(max_diff(a, b) > 0.0);
  CHECK(max_diff(a, b) < 0.05 * a.cwiseAbs().maxCoeff());
}

}  // namespace test_hf_gpt2
