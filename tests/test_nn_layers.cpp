// Tests for aib/nn: Linear, Embedding, parameter lists, and the feed-forward blocks, with
// reference values from PyTorch (tools/reference/layers.py, tests/fixtures/torch/layers).
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "catch.hpp"
#include "test_helpers.hpp"

#include "aib/autograd/gradcheck.hpp"
#include "aib/core/io.hpp"
#include "aib/nn/checkpoint.hpp"
#include "aib/nn/dense.hpp"
#include "aib/nn/embedding.hpp"
#include "aib/nn/ffn.hpp"
#include "aib/nn/linear.hpp"
#include "aib/nn/norm.hpp"

using aib::MatD;
using aib::TensorD;

namespace {

MatD expected(const std::string& name) {
  return aib::load_npy<double>(std::string(AIB_FIXTURES_DIR) + "/torch/layers/" + name + ".npy");
}

// max |a − b|, after checking the shapes agree
double max_diff(const MatD& a, const MatD& b) {
  REQUIRE(a.rows() == b.rows());
  REQUIRE(a.cols() == b.cols());
  return (a - b).cwiseAbs().maxCoeff();
}

}  // namespace

TEST_CASE("Linear matches PyTorch's F.linear, values and gradients, in double and float") {
  aib::Rng rng(0);
  aib::LinearT<double> layer(4, 3, rng);
  layer.weight.value() = expected("linear_W");
  layer.bias.value() = expected("linear_b");
  const TensorD x = TensorD::parameter(expected("linear_x"));
  const TensorD y = layer.forward(x);
  CHECK(max_diff(y.value(), expected("linear_y")) < 1e-12);
  y.backward(expected("linear_R"));
  CHECK(max_diff(x.grad(), expected("linear_dx")) < 1e-12);
  CHECK(max_diff(layer.weight.grad(), expected("linear_dW")) < 1e-12);
  CHECK(max_diff(layer.bias.grad(), expected("linear_db")) < 1e-12);

  aib::Linear f(4, 3, rng);
  f.weight.value() = expected("linear_W").cast<float>();
  f.bias.value() = expected("linear_b").cast<float>();
  const aib::Tensor xf = aib::Tensor::parameter(expected("linear_x").cast<float>());
  const aib::Tensor yf = f.forward(xf);
  CHECK(max_diff(yf.value().cast<double>(), expected("linear_y")) < 1e-5);
  yf.backward(expected("linear_R").cast<float>());
  CHECK(max_diff(f.weight.grad().cast<double>(), expected("linear_dW")) < 1e-5);
}

TEST_CASE("Linear: init bound, shapes, parameters and errors") {
  aib::Rng rng(1);
  aib::Linear layer(16, 8, rng);
  CHECK(layer.weight.rows() == 16);
  CHECK(layer.weight.cols() == 8);
  CHECK(layer.weight.value().cwiseAbs().maxCoeff() <= 0.25f);  // 1/√16
  CHECK(layer.weight.value().cwiseAbs().maxCoeff() > 0.2f);
  const aib::Parameters p = layer.parameters("fc1");
  REQUIRE(p.size() == 2);
  CHECK(p[0].name == "fc1.weight");
  CHECK(p[1].name == "fc1.bias");
  CHECK(aib::count_parameters(p) == 16 * 8 + 8);
  aib::Linear no_bias(16, 8, rng, false);
  CHECK(aib::count_parameters(no_bias.parameters()) == 128);
  CHECK(no_bias.parameters()[0].name == "weight");
  CHECK_THROWS_WITH(layer.forward(aib::Tensor(aib::Mat::Zero(2, 15))),
                    "Linear: input has shape (2, 15), expected (T, 16)");
  CHECK_THROWS_AS(aib::Linear(0, 3, rng), aib::Error);
}

TEST_CASE("Embedding gathers rows and scatters gradients, repeats adding up") {
  aib::Rng rng(2);
  aib::EmbeddingT<double> emb(5, 3, rng);
  const TensorD out = emb.forward({4, 1, 4});
  CHECK(out.rows() == 3);
  CHECK(out.value().row(0) == emb.weight.value().row(4));
  MatD g = MatD::Ones(3, 3);
  out.backward(g);
  CHECK(emb.weight.grad().row(4).sum() == 6.0);  // seen twice
  CHECK(emb.weight.grad().row(1).sum() == 3.0);
  CHECK(emb.weight.grad().row(0).sum() == 0.0);
  CHECK_THROWS_WITH(emb.forward({0, 5}), Catch::Contains("index 5 at position 1"));
  CHECK(aib::count_parameters(emb.parameters("wte")) == 15);
}

TEST_CASE("the GELU MLP matches PyTorch") {
  aib::Rng rng(3);
  aib::MlpT<double> mlp(6, 24, rng, aib::Activation::gelu);
  mlp.up.weight.value() = expected("mlp_W1");
  mlp.up.bias.value() = expected("mlp_b1");
  mlp.down.weight.value() = expected("mlp_W2");
  mlp.down.bias.value() = expected("mlp_b2");
  const TensorD x = TensorD::parameter(expected("mlp_x"));
  const TensorD y = mlp.forward(x);
  CHECK(max_diff(y.value(), expected("mlp_y")) < 1e-12);
  y.backward(expected("mlp_R"));
  CHECK(max_diff(x.grad(), expected("mlp_dx")) < 1e-12);
  CHECK(max_diff(mlp.up.weight.grad(), expected("mlp_dW1")) < 1e-12);
  CHECK(max_diff(mlp.up.bias.grad(), expected("mlp_db1")) < 1e-12);
  CHECK(max_diff(mlp.down.weight.grad(), expected("mlp_dW2")) < 1e-12);
  CHECK(max_diff(mlp.down.bias.grad(), expected("mlp_db2")) < 1e-12);
}

TEST_CASE("the SwiGLU block matches PyTorch") {
  aib::Rng rng(4);
  aib::GatedFfnT<double> ffn(6, 16, rng, aib::Activation::silu);
  ffn.gate.weight.value() = expected("swiglu_Wg");
  ffn.up.weight.value() = expected("swiglu_Wu");
  ffn.down.weight.value() = expected("swiglu_Wd");
  const TensorD x = TensorD::parameter(expected("swiglu_x"));
  const TensorD y = ffn.forward(x);
  CHECK(max_diff(y.value(), expected("swiglu_y")) < 1e-12);
  y.backward(expected("swiglu_R"));
  CHECK(max_diff(x.grad(), expected("swiglu_dx")) < 1e-12);
  CHECK(max_diff(ffn.gate.weight.grad(), expected("swiglu_dWg")) < 1e-12);
  CHECK(max_diff(ffn.up.weight.grad(), expected("swiglu_dWu")) < 1e-12);
  CHECK(max_diff(ffn.down.weight.grad(), expected("swiglu_dWd")) < 1e-12);
}

TEST_CASE("feed-forward sizes: 4D MLP vs ⅔-width gated block, and a gradient check") {
  CHECK(aib::gated_hidden_width(4096, 256) == 11008);  // LLaMA-7B's FFN width
  CHECK(aib::gated_hidden_width(768) == 2048);
  aib::Rng rng(5);
  const aib::Index D = 48;
  aib::Mlp mlp(D, 4 * D, rng);
  aib::GatedFfn swiglu(D, aib::gated_hidden_width(D), rng);
  // 2·D·4D + 4D + D  vs  3·D·(8D/3): equal weights, the MLP has biases on top
  CHECK(aib::count_parameters(mlp.parameters()) == 8 * D * D + 5 * D);
  CHECK(aib::count_parameters(swiglu.parameters()) == 8 * D * D);
  CHECK(swiglu.parameters("ffn")[2].name == "ffn.down.weight");

  aib::GatedFfnT<double> small(3, 5, rng, aib::Activation::gelu);  // a GeGLU
  const auto r = aib::gradcheck(
      [&](const std::vector<TensorD>& in) {
        small.gate.weight = in[1];
        return small.forward(in[0]);
      },
      {TensorD::parameter(rng.normal_mat(4, 3).cast<double>()), small.gate.weight});
  INFO(r.failures);
  CHECK(r.ok());
}

TEST_CASE("DenseNet: widths, nn.Sequential names, a linear output, gradients and errors") {
  aib::Rng rng(11);
  aib::DenseNetT<double> net({3, 5, 4, 2}, rng, aib::Activation::tanh);
  CHECK(net.in_features() == 3);
  CHECK(net.out_features() == 2);
  const aib::ParametersT<double> params = net.parameters("enc");
  REQUIRE(params.size() == 6);
  CHECK(params[0].name == "enc.0.weight");
  CHECK(params[3].name == "enc.2.bias");
  CHECK(params[5].name == "enc.4.bias");
  CHECK(aib::count_parameters(params) == 3 * 5 + 5 + 5 * 4 + 4 + 4 * 2 + 2);

  // The forward is tanh between layers and nothing after the last: recompute it by hand.
  const MatD x = rng.normal_mat(4, 3).cast<double>();  // (4, 3)
  MatD h = x;                                          // (4, widths[i])
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    h = (h * net.layers[i].weight.value()).rowwise() +
        net.layers[i].bias.value().row(0);  // (4, widths[i + 1])
    if (i + 1 < net.layers.size()) h = h.array().tanh().matrix();
  }
  CHECK(max_diff(net.forward(TensorD(x)).value(), h) < 1e-14);

  const auto r = aib::gradcheck(
      [&](const std::vector<TensorD>& in) {
        net.layers[1].weight = in[1];
        return net.forward(in[0]);
      },
      {TensorD::parameter(x), net.layers[1].weight});
  INFO(r.failures);
  CHECK(r.ok());

  CHECK_THROWS_WITH(aib::DenseNet({4}, rng), Catch::Contains("at least an input and an output"));
  CHECK_THROWS_WITH(aib::DenseNet({4, 0, 2}, rng),
                    Catch::Contains("width 0 (position 1 of [4, 0, 2])"));
  CHECK_THROWS_AS(net.forward(TensorD(MatD::Zero(2, 4))), aib::ShapeError);
}

TEST_CASE("checkpoints: parameters round-trip through safetensors; mismatches are named") {
  const std::string path =
      (std::filesystem::temp_directory_path() / "aib_test_nn_layers_checkpoint.safetensors")
          .string();
  aib::Rng rng(6);
  aib::Mlp a(4, 8, rng), b(4, 8, rng), wide(4, 9, rng);
  aib::save_parameters(path, a.parameters("ffn"), {{"episode", "23"}});
  CHECK(b.up.weight.value() != a.up.weight.value());
  aib::load_parameters(path, b.parameters("ffn"));
  CHECK(b.up.weight.value() == a.up.weight.value());
  CHECK(b.down.bias.value() == a.down.bias.value());
  CHECK_THROWS_WITH(
      aib::load_parameters(path, wide.parameters("ffn")),
      Catch::Contains("tensor 'ffn.up.weight' has shape (4, 8), the model's is (4, 9)"));
  CHECK_THROWS_WITH(aib::load_parameters(path, b.parameters("mlp")),
                    Catch::Contains("has no tensor 'mlp.up.weight'"));
  aib::Linear only(4, 8, rng);
  CHECK_THROWS_WITH(aib::load_parameters(path, only.parameters("ffn.up")),
                    Catch::Contains("holds tensor 'ffn.down.bias', which the model does not have"));
  std::remove(path.c_str());
}

TEST_CASE("LayerNorm, RMSNorm and Dropout layers") {
  aib::LayerNormT<double> ln(5);
  aib::RMSNormT<double> rms(5);
  aib::Rng rng(8);
  const TensorD x = TensorD::parameter(rng.normal_mat(3, 5).cast<double>() * 3.0);
  const MatD y = ln.forward(x).value();
  for (aib::Index i = 0; i < 3; ++i) CHECK(y.row(i).mean() == Approx(0.0).margin(1e-12));
  CHECK(aib::count_parameters(ln.parameters("norm1")) == 10);
  CHECK(ln.parameters("norm1")[1].name == "norm1.bias");
  CHECK(aib::count_parameters(rms.parameters()) == 5);
  const auto r = aib::gradcheck(
      [&](const std::vector<TensorD>& in) {
        ln.weight = in[1];
        return ln.forward(in[0]);
      },
      {x, ln.weight});
  INFO(r.failures);
  CHECK(r.ok());
  aib::Dropout drop{0.5, false};
  CHECK(drop.forward(x, rng).value() == x.value());
  drop.training = true;
  CHECK(drop.forward(x, rng).value() != x.value());
  CHECK_THROWS_AS(aib::LayerNorm(0), aib::Error);
}

TEST_CASE(
    "Norm and FeedForward: the switchable layers of a Transformer block, GPT-2 / LLaMA names") {
  aib::Rng rng(9);
  const aib::NormT<double> layer(5, true), rms(5, false);
  CHECK(layer.parameters("ln_1").size() == 2);
  CHECK(layer.parameters("ln_1")[1].name == "ln_1.bias");
  REQUIRE(rms.parameters("ln_1").size() == 1);
  CHECK(rms.parameters("ln_1")[0].name == "ln_1.weight");
  const TensorD x = TensorD::parameter(rng.normal_mat(3, 5).cast<double>() * 2.0);  // (3, 5)
  CHECK(max_diff(layer.forward(x).value(), aib::LayerNormT<double>(5).forward(x).value()) == 0.0);
  CHECK(max_diff(rms.forward(x).value(), aib::RMSNormT<double>(5).forward(x).value()) == 0.0);

  aib::Rng r1(10), r2(10);
  const aib::MlpT<double> mlp(5, 7, r1);
  const aib::FeedForwardT<double> ffn(aib::MlpT<double>(5, 7, r2));  // the same draws
  CHECK(max_diff(ffn.forward(x).value(), mlp.forward(x).value()) == 0.0);
  std::vector<std::string> names;
  for (const auto& p : ffn.parameters("mlp")) names.push_back(p.name);
  CHECK(names == std::vector<std::string>{"mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight",
                                          "mlp.c_proj.bias"});
  aib::Rng r3(11), r4(11);
  const aib::GatedFfnT<double> glu(5, 6, r3);
  const aib::FeedForwardT<double> gated(aib::GatedFfnT<double>(5, 6, r4));
  CHECK(gated.gated);
  CHECK(max_diff(gated.forward(x).value(), glu.forward(x).value()) == 0.0);
  names.clear();
  for (const auto& p : gated.parameters("mlp")) names.push_back(p.name);
  CHECK(names == std::vector<std::string>{"mlp.gate_proj.weight", "mlp.up_proj.weight",
                                          "mlp.down_proj.weight"});
}
