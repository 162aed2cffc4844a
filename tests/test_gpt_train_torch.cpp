// GPT training against PyTorch: the loss falls the same way on the same data. A tiny GPT starts
// from fixed weights, takes the same 30 AdamW steps (nanoGPT's parameter groups, gradient
// clipping) on the same windows of a real text, and every step's loss, every step's gradient norm
// and the final parameters match torch.optim.AdamW in double and in float; nanoGPT's CPU shape
// trains with the same float loss curve (20 steps by default, all 200 with the "[slow]" tag).
// Fixtures: tools/reference/gpt_train.py (tests/fixtures/torch/gpt_train/README.md).
#include <cmath>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "catch.hpp"
#include "test_helpers.hpp"
#include "torch_ref.hpp"

#include "aib/autograd/optim.hpp"
#include "aib/nn/gpt.hpp"
#include "aib/nn/train.hpp"

using aib::Index;
using aib_test::max_diff;
using aib_test::torch_ref;

namespace {

const std::string kDir = "gpt_train";

std::string fixture(const std::string& name) {
  return std::string(AIB_FIXTURES_DIR) + "/torch/" + kDir + "/" + name;
}

// The character stream and the size of its vocabulary.
std::vector<Index> stream() {
  return aib_test::torch_ids(kDir, "stream");
}
Index vocab_size() {
  return static_cast<Index>(aib_test::torch_ids(kDir, "vocab").size());
}

aib::TransformerConfig tiny_config() {
  aib::TransformerConfig c;
  c.name = "tiny";
  c.vocab_size = vocab_size();
  c.context = 16;
  c.d_model = 32;
  c.n_layers = 2;
  c.n_heads = 4;
  c.ffn_hidden = 128;
  c.tied_embeddings = false;
  return c;
}

// nanoGPT's rule, by name: every matrix decays; biases and the norms' γ, β do not.
bool decayed(const std::string& name) {
  const auto ends_with = [&](const std::string& s) {
    return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
  };
  return ends_with(".weight") && name.find(".ln_") == std::string::npos &&
         name.rfind("ln_f", 0) != 0;
}

struct Curve {
  std::vector<double> loss;       // (K) the loss before each step
  std::vector<double> grad_norm;  // (K) the gradient norm before clipping
};

// K steps of: zero_grad, loss on the windows starting at offsets[s, ·], backward,
// clip_grad_norm(1.0), AdamW step — two AdamW optimizers standing for PyTorch's two parameter
// groups.
template <class S>
Curve train(const aib::GptT<S>& model, const aib::MatT<std::int64_t>& offsets, double lr,
            double beta2, double weight_decay) {
  const aib::ParametersT<S> params = model.parameters();
  std::vector<aib::TensorT<S>> with_decay, without_decay;
  for (const auto& p : params) (decayed(p.name) ? with_decay : without_decay).push_back(p.tensor);
  aib::AdamWT<S> opt_decay(with_decay, lr, 0.9, beta2, 1e-8, weight_decay);
  aib::AdamWT<S> opt_plain(without_decay, lr, 0.9, beta2, 1e-8, 0.0);
  const std::vector<aib::TensorT<S>> all = aib::tensors_of(params);
  const aib::TokenBatches data(stream(), model.config.context, offsets.cols());
  Curve out;
  for (Index s = 0; s < offsets.rows(); ++s) {
    std::vector<Index> starts;
    for (Index b = 0; b < offsets.cols(); ++b) starts.push_back(static_cast<Index>(offsets(s, b)));
    const aib::TokenBatch batch = data.at(starts);
    opt_decay.zero_grad();
    opt_plain.zero_grad();
    const aib::TensorT<S> loss = model.loss(batch.x, batch.y, batch.batch);  // (1, 1)
    loss.backward();
    out.grad_norm.push_back(static_cast<double>(aib::clip_grad_norm(all, 1.0)));
    opt_decay.step();
    opt_plain.step();
    out.loss.push_back(static_cast<double>(loss.item()));
  }
  return out;
}

// Largest |a_i − b_i| / |b_i|.
double max_rel(const std::vector<double>& a, const aib::MatD& b) {
  if (static_cast<Index>(a.size()) != b.size()) return 1e300;
  double worst = 0.0;
  for (Index i = 0; i < b.size(); ++i)
    worst = std::max(worst, std::abs(a[static_cast<std::size_t>(i)] - b(i)) / std::abs(b(i)));
  return worst;
}

// (Σp, Σp², Σ c_k·p_k), c_k = (k mod 7) − 3 over the row-major index: as gpt_train.py computes it.
std::vector<double> fingerprint(const aib::MatD& p) {
  double sum = 0.0, sq = 0.0, weighted = 0.0;
  for (Index k = 0; k < p.size(); ++k) {
    const double v = p.data()[k];
    sum += v;
    sq += v * v;
    weighted += static_cast<double>(k % 7 - 3) * v;
  }
  return {sum, sq, weighted};
}

template <class S>
void tiny_run(double loss_tol, double norm_tol, double param_tol) {
  aib::Rng rng(0);
  aib::GptT<S> model(tiny_config(), rng);
  aib::ParametersT<S> params = model.parameters();  // handles: writing a value writes the model's
  std::ifstream names_file(fixture("tiny_names.txt"));
  std::vector<std::string> names;
  for (std::string line; std::getline(names_file, line);) names.push_back(line);
  REQUIRE(names.size() == params.size());
  for (std::size_t i = 0; i < params.size(); ++i) {
    REQUIRE(params[i].name == names[i]);  // the fingerprint rows follow this order
    const aib::MatT<float> init = aib::load_npy<float>(fixture("tiny_init_" + names[i] + ".npy"));
    params[i].tensor.value() = init.template cast<S>();
  }
  const Curve got =
      train(model, aib::load_npy<std::int64_t>(fixture("tiny_offsets.npy")), 1e-2, 0.95, 0.1);
  const aib::MatD want_loss = torch_ref(kDir, "tiny_loss");
  const aib::MatD want_norm = torch_ref(kDir, "tiny_grad_norm");
  INFO((sizeof(S) == 8 ? "double" : "float"));
  const double loss_rel = max_rel(got.loss, want_loss),
               norm_rel = max_rel(got.grad_norm, want_norm);
  INFO("largest relative difference: loss " << loss_rel << ", gradient norm " << norm_rel);
  CHECK(loss_rel < loss_tol);
  CHECK(norm_rel < norm_tol);
  CHECK(want_loss(want_loss.size() - 1) < want_loss(0) - 0.5);  // the fixture does train

  // Every final parameter, by fingerprint, relative to its scale; four in full.
  const aib::MatD want_print = torch_ref(kDir, "tiny_fingerprint");  // (P, 3)
  REQUIRE(want_print.rows() == static_cast<Index>(params.size()));
  double worst_print = 0.0;
  std::string worst_name;
  for (std::size_t i = 0; i < params.size(); ++i) {
    // In float the key bias is noise on both sides: its gradient is 0 in exact arithmetic (a
    // shift of every key by q·b_k is the same for all keys and softmax ignores it), so what
    // remains is rounding error, which Adam's m/(√v + ε) blows up to steps of up to ~lr. It
    // cannot change the loss; in float it is compared below without its key third.
    if (sizeof(S) == 4 && params[i].name.find("attn.c_attn.bias") != std::string::npos) continue;
    const std::vector<double> print = fingerprint(params[i].tensor.value().template cast<double>());
    const double scale = std::max(1.0, want_print.row(static_cast<Index>(i)).cwiseAbs().maxCoeff());
    for (Index j = 0; j < 3; ++j) {
      const double want_j = want_print(static_cast<Index>(i), j);
      const double d = std::abs(print[static_cast<std::size_t>(j)] - want_j) / scale;
      if (d > worst_print) worst_print = d, worst_name = params[i].name;
    }
  }
  INFO("worst fingerprint: " << worst_name << ", " << worst_print);
  CHECK(worst_print < param_tol);
  const Index D = model.config.d_model;
  for (const auto& p : params) {
    const bool qkv_bias = p.name.find("attn.c_attn.bias") != std::string::npos;
    if (p.name != "h.1.attn.c_proj.weight" && p.name != "ln_f.weight" && !qkv_bias) continue;
    const aib::MatD got_p = p.tensor.value().template cast<double>();  // (r, c)
    const aib::MatD want_p = torch_ref(kDir, "tiny_final_" + p.name);
    INFO(p.name << ": largest difference " << max_diff(got_p, want_p));
    if (qkv_bias && sizeof(S) == 4) {  // (1, 3D): q and v only
      CHECK(max_diff(got_p.leftCols(D), want_p.leftCols(D)) < param_tol);
      CHECK(max_diff(got_p.rightCols(D), want_p.rightCols(D)) < param_tol);
    } else {
      CHECK(max_diff(got_p, want_p) < param_tol);
    }
  }
}

// hash_uniform of gpt_train.py: splitmix64 of (index << 32) + k, uniform on ±stddev·√3.
aib::MatT<float> hash_uniform(std::uint64_t index, Index rows, Index cols, double stddev) {
  aib::MatT<float> out(rows, cols);
  for (Index k = 0; k < out.size(); ++k) {
    std::uint64_t z = (index << 32) + static_cast<std::uint64_t>(k) + 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z = z ^ (z >> 31);
    const double u = static_cast<double>(z >> 11) * 0x1.0p-53;  // [0, 1)
    out.data()[k] = static_cast<float>(stddev * std::sqrt(3.0) * (2.0 * u - 1.0));
  }
  return out;
}

}  // namespace

// Measured: loss 4.5e-16, gradient norm 3.4e-15, parameters 3e-15 (the key bias, which is
// rounding noise, 6e-12).
TEST_CASE("gpt training vs PyTorch: 30 AdamW steps of a tiny GPT in double",
          "[gpt][train][torch]") {
  tiny_run<double>(1e-12, 1e-10, 1e-10);
}

// Float against PyTorch's float64: measured loss 2.7e-7, gradient norm 2.9e-6, parameters 4.8e-6.
TEST_CASE("gpt training vs PyTorch: 30 AdamW steps of a tiny GPT in float", "[gpt][train][torch]") {
  tiny_run<float>(1e-5, 1e-4, 1e-4);
}

// nanoGPT's CPU shape (0.8M parameters) from hash_uniform weights, the first `steps` of the 200
// float AdamW steps PyTorch took in float32: the same loss at every step, within float rounding.
static void cpu_run(Index steps) {
  const aib::TransformerConfig config = aib::nanogpt_cpu(vocab_size());
  aib::Rng rng(0);
  aib::Gpt model(config, rng);
  aib::ParametersT<float> params = model.parameters();  // handles into the model
  const double layers = static_cast<double>(config.n_layers);
  for (std::size_t i = 0; i < params.size(); ++i) {
    const std::string& n = params[i].name;
    aib::MatT<float>& v = params[i].tensor.value();
    if (n.find(".ln_") != std::string::npos || n.rfind("ln_f", 0) == 0) {
      v.setConstant(n.size() > 7 && n.compare(n.size() - 7, 7, ".weight") == 0 ? 1.f : 0.f);
    } else if (n.size() > 5 && n.compare(n.size() - 5, 5, ".bias") == 0) {
      v.setZero();
    } else {
      const bool residual =
          n.find("c_proj.weight") != std::string::npos;  // attn.c_proj, mlp.c_proj
      v = hash_uniform(i, v.rows(), v.cols(), residual ? 0.02 / std::sqrt(2.0 * layers) : 0.02);
    }
  }
  // The same initial numbers as PyTorch's (a few, exactly).
  const aib::MatD first = torch_ref(kDir, "cpu_first_values");  // (2, 3)
  const auto& wte = params[0].tensor.value();
  const auto& down = params[params.size() - 5].tensor.value();  // h.3.mlp.c_proj.weight
  REQUIRE(params[params.size() - 5].name == "h.3.mlp.c_proj.weight");
  const Index at[3] = {0, 1, 1000};
  for (Index j = 0; j < 3; ++j) {
    CHECK(static_cast<double>(wte.data()[at[j]]) == first(0, j));
    CHECK(static_cast<double>(down.data()[at[j]]) == first(1, j));
  }

  const aib::MatT<std::int64_t> offsets =
      aib::load_npy<std::int32_t>(fixture("cpu_offsets.npy")).cast<std::int64_t>();  // (200, 12)
  REQUIRE(offsets.rows() == 200);
  const Curve got = train(model, aib::MatT<std::int64_t>(offsets.topRows(steps)), 1e-3, 0.99, 0.1);
  const aib::MatD want = torch_ref(kDir, "cpu_loss");            // (200)
  const aib::MatD want_norm = torch_ref(kDir, "cpu_grad_norm");  // (200)
  double early = 0.0, worst = 0.0, norm_early = 0.0;
  for (Index s = 0; s < steps; ++s) {
    const auto k = static_cast<std::size_t>(s);
    const double rel = std::abs(got.loss[k] - want(s)) / want(s);
    if (s < 50) early = std::max(early, rel);
    if (s < 50)
      norm_early = std::max(norm_early, std::abs(got.grad_norm[k] - want_norm(s)) / want_norm(s));
    worst = std::max(worst, rel);
  }
  INFO("largest relative difference: " << early << " in steps 0-49, " << worst << " overall");
  // Measured: 1.0e-6 for the loss and 9.4e-6 for the gradient norm at every step of the 200.
  CHECK(early < 1e-4);
  CHECK(worst < 1e-3);
  CHECK(norm_early < 1e-3);  // gradient norms, before clipping
  if (steps < 200) return;
  const auto mean_last = [](auto&& at_step) {
    double m = 0.0;
    for (Index s = 190; s < 200; ++s) m += at_step(s);
    return m / 10.0;
  };
  const double ours = mean_last([&](Index s) { return got.loss[static_cast<std::size_t>(s)]; });
  const double theirs = mean_last([&](Index s) { return want(s); });
  INFO("mean loss of steps 190-199: " << ours << " vs PyTorch's " << theirs);
  CHECK(std::abs(ours - theirs) / theirs < 1e-3);
  CHECK(theirs < want(0) - 1.0);  // the curve does fall
}

TEST_CASE("gpt training vs PyTorch: nanoGPT's CPU shape, first 20 float steps",
          "[gpt][train][torch]") {
  cpu_run(20);
}

// About a minute of CPU: run it with  aib_unit_tests "[slow]"
TEST_CASE("gpt training vs PyTorch: nanoGPT's CPU shape, 200 float steps",
          "[.][slow][gpt][train][torch]") {
  cpu_run(200);
}
