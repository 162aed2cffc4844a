// Tests for aib/autograd/activations.hpp and norms.hpp: hand-computable values, properties,
// gradient checks in double on every input, and PyTorch reference values
// (tools/reference/functions.py -> tests/fixtures/torch/functions).
#include <cmath>
#include <functional>
#include <map>

#include "catch.hpp"
#include "test_helpers.hpp"
#include "torch_ref.hpp"

#include "aib/autograd/activations.hpp"
#include "aib/autograd/gradcheck.hpp"
#include "aib/autograd/norms.hpp"

using aib::MatD;
using aib::TensorD;
using aib_test::max_diff;

namespace {

using Fn = std::function<TensorD(const std::vector<TensorD>&)>;

MatD expected(const std::string& name) { return aib_test::torch_ref("functions", name); }

// Compare f on the fixture inputs of `name` with PyTorch: output and the gradient of every input,
// in double (tolerance 1e-12) and, through a float copy, in float (1e-5).
void check_against_torch(const std::string& name, int n_inputs, const Fn& f,
                         const std::function<aib::Tensor(const std::vector<aib::Tensor>&)>& ff) {
  INFO("reference case " << name);
  std::vector<TensorD> in;
  std::vector<aib::Tensor> inf;
  for (int i = 0; i < n_inputs; ++i) {
    in.push_back(TensorD::parameter(expected(name + "_in" + std::to_string(i))));
    inf.push_back(aib::Tensor::parameter(expected(name + "_in" + std::to_string(i)).cast<float>()));
  }
  const TensorD y = f(in);
  CHECK(max_diff(y.value(), expected(name + "_y")) < 1e-12);
  y.backward(expected(name + "_R"));
  for (int i = 0; i < n_inputs; ++i)
    CHECK(max_diff(in[i].grad(), expected(name + "_d_in" + std::to_string(i))) < 1e-12);
  const aib::Tensor yf = ff(inf);
  CHECK(max_diff(yf.value().cast<double>(), expected(name + "_y")) < 1e-5);
  yf.backward(expected(name + "_R").cast<float>());
  for (int i = 0; i < n_inputs; ++i)
    CHECK(max_diff(inf[i].grad().cast<double>(), expected(name + "_d_in" + std::to_string(i))) < 1e-4);
}

void require_gradcheck(const Fn& f, std::vector<TensorD> inputs) {
  const aib::GradcheckResult r = aib::gradcheck(f, std::move(inputs));
  INFO(r.failures);
  CHECK(r.checked > 0);
  CHECK(r.ok());
}

TensorD input(aib::Index r, aib::Index c, std::uint64_t seed, double scale = 1.5) {
  aib::Rng rng(seed);
  MatD m = rng.normal_mat(r, c).cast<double>() * scale;
  for (aib::Index i = 0; i < m.size(); ++i)  // keep away from relu's kink at 0
    if (std::abs(m.data()[i]) < 0.1) m.data()[i] += 0.3;
  return TensorD::parameter(m);
}

}  // namespace

TEST_CASE("activations: values by hand") {
  MatD x(1, 3);
  x << -1.0, 0.0, 2.0;
  const TensorD t(x);
  CHECK(aib::relu(t).value() == (MatD(1, 3) << 0.0, 0.0, 2.0).finished());
  CHECK(aib::sigmoid(t).value()(0, 1) == 0.5);
  CHECK(aib::gelu(t).value()(0, 1) == 0.0);
  CHECK(aib::silu(t).value()(0, 2) == Approx(2.0 / (1 + std::exp(-2.0))));
  CHECK(aib::gelu(t).value()(0, 2) == Approx(2.0 * 0.5 * (1 + std::erf(2.0 / std::sqrt(2.0)))));
  CHECK(aib::gelu_tanh(t).value()(0, 0) == Approx(aib::gelu(t).value()(0, 0)).margin(1e-3));
  const MatD p = aib::softmax(t).value();
  CHECK(p.sum() == Approx(1.0));
  CHECK(aib::log_softmax(t).value()(0, 2) == Approx(std::log(p(0, 2))));
}

TEST_CASE("activations and softmax match PyTorch, values and gradients") {
  const std::map<std::string, std::pair<Fn, std::function<aib::Tensor(const std::vector<aib::Tensor>&)>>> cases = {
      {"gelu", {[](auto& v) { return aib::gelu(v[0]); }, [](auto& v) { return aib::gelu(v[0]); }}},
      {"gelu_tanh", {[](auto& v) { return aib::gelu_tanh(v[0]); }, [](auto& v) { return aib::gelu_tanh(v[0]); }}},
      {"silu", {[](auto& v) { return aib::silu(v[0]); }, [](auto& v) { return aib::silu(v[0]); }}},
      {"sigmoid", {[](auto& v) { return aib::sigmoid(v[0]); }, [](auto& v) { return aib::sigmoid(v[0]); }}},
      {"relu", {[](auto& v) { return aib::relu(v[0]); }, [](auto& v) { return aib::relu(v[0]); }}},
      {"softmax", {[](auto& v) { return aib::softmax(v[0]); }, [](auto& v) { return aib::softmax(v[0]); }}},
      {"log_softmax", {[](auto& v) { return aib::log_softmax(v[0]); }, [](auto& v) { return aib::log_softmax(v[0]); }}},
  };
  for (const auto& [name, fns] : cases) check_against_torch(name, 1, fns.first, fns.second);
}

TEST_CASE("norms match PyTorch, values and gradients of x, gain and bias") {
  check_against_torch(
      "layernorm", 3, [](auto& v) { return aib::layernorm(v[0], v[1], v[2]); },
      [](auto& v) { return aib::layernorm(v[0], v[1], v[2]); });
  check_against_torch(
      "rmsnorm", 2, [](auto& v) { return aib::rmsnorm(v[0], v[1]); },
      [](auto& v) { return aib::rmsnorm(v[0], v[1]); });
}

TEST_CASE("gradient checks on every input (double, central differences)") {
  require_gradcheck([](auto& v) { return aib::sigmoid(v[0]); }, {input(3, 4, 1)});
  require_gradcheck([](auto& v) { return aib::relu(v[0]); }, {input(3, 4, 2)});
  require_gradcheck([](auto& v) { return aib::gelu(v[0]); }, {input(3, 4, 3)});
  require_gradcheck([](auto& v) { return aib::gelu_tanh(v[0]); }, {input(3, 4, 4)});
  require_gradcheck([](auto& v) { return aib::silu(v[0]); }, {input(3, 4, 5)});
  require_gradcheck([](auto& v) { return aib::softmax(v[0]); }, {input(3, 4, 6)});
  require_gradcheck([](auto& v) { return aib::log_softmax(v[0]); }, {input(3, 4, 7)});
  require_gradcheck([](auto& v) { return aib::layernorm(v[0], v[1], v[2]); },
                    {input(3, 5, 8), input(1, 5, 9), input(1, 5, 10)});
  require_gradcheck([](auto& v) { return aib::rmsnorm(v[0], v[1]); }, {input(3, 5, 11), input(1, 5, 12)});
  aib::Rng rng(13);
  aib::Rng replay = rng;
  require_gradcheck(
      [&](auto& v) {
        aib::Rng same = replay;  // the same mask at every evaluation
        return aib::dropout(v[0], 0.3, same);
      },
      {input(3, 4, 14)});
}

TEST_CASE("properties: softmax rows sum to 1, layernorm rows are standardised") {
  const TensorD x = input(5, 7, 20, 4.0);
  const MatD p = aib::softmax(x).value();
  for (aib::Index i = 0; i < 5; ++i) CHECK(p.row(i).sum() == Approx(1.0));
  const TensorD ones(MatD::Ones(1, 7)), zeros(MatD::Zero(1, 7));
  const MatD y = aib::layernorm(x, ones, zeros).value();
  for (aib::Index i = 0; i < 5; ++i) {
    CHECK(y.row(i).mean() == Approx(0.0).margin(1e-12));
    CHECK(y.row(i).squaredNorm() / 7 == Approx(1.0).epsilon(1e-4));  // ε makes it slightly < 1
  }
  const MatD r = aib::rmsnorm(x, ones).value();
  for (aib::Index i = 0; i < 5; ++i) CHECK(r.row(i).squaredNorm() / 7 == Approx(1.0).epsilon(1e-5));
}

TEST_CASE("dropout: inverted scaling, reproducible masks, identity when off") {
  aib::Rng a(1), b(1);
  const aib::Tensor x(aib::Mat::Ones(200, 200));
  const aib::Mat y = aib::dropout(x, 0.25, a).value();
  CHECK(y.mean() == Approx(1.0).margin(0.02));  // kept entries are 1/(1 − p)
  CHECK(((y.array() == 0.f) || (y.array() == 1.f / 0.75f)).all());
  CHECK((y.array() == 0.f).cast<double>().mean() == Approx(0.25).margin(0.01));
  CHECK(aib::dropout(x, 0.25, b).value() == y);
  CHECK(aib::dropout(x, 0.5, a, false).value() == x.value());
  CHECK(aib::dropout(x, 0.0, a).value() == x.value());
  CHECK_THROWS_WITH(aib::dropout(x, 1.0, a), "dropout: p must be in [0, 1), got 1");
}

TEST_CASE("norms name wrong shapes") {
  const TensorD x(MatD::Zero(2, 4)), g(MatD::Ones(1, 3));
  CHECK_THROWS_WITH(aib::layernorm(x, g, g),
                    "layernorm: gain has shape (1, 3), expected (1, 4) for x of shape (2, 4)");
  CHECK_THROWS_AS(aib::rmsnorm(x, g), aib::ShapeError);
}
