// Tests for aib/autograd/activations.hpp and norms.hpp: shapes, hand-computable values and
// gradients, properties, gradient checks in double on every input, errors, and PyTorch 1.13
// reference values and gradients (tools/reference/activations_norms.py ->
// tests/fixtures/torch/activations_norms/), in double and through the float path.
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "catch.hpp"
#include "test_helpers.hpp"
#include "torch_ref.hpp"

#include "aib/autograd/activations.hpp"
#include "aib/autograd/gradcheck.hpp"
#include "aib/autograd/norms.hpp"
#include "aib/autograd/ops.hpp"

using aib::Index;
using aib::MatD;
using aib::TensorD;
using aib_test::max_diff;

namespace {

// ---- Declared tolerances ------------------------------------------------------------------------

constexpr double kTorchTolDouble = 1e-12;  // max |aib − torch|, values and gradients, float64
constexpr double kTorchTolFloat = 1e-5;    // the same through Tensor (float32), vs torch float64
constexpr double kHandTol = 1e-14;         // closed-form values computed by hand
// Central differences with h = 1e-6 in double: truncation ~h²·f''' ≈ 1e-12, rounding
// ~1e-16·|L|/h ≈ 1e-9; each entry must satisfy |analytic − numerical| <= atol + rtol·|numerical|.
const aib::GradcheckOptions kGradcheck{/*step=*/1e-6, /*atol=*/1e-7, /*rtol=*/1e-6, /*seed=*/1234};

// ---- Helpers ------------------------------------------------------------------------------------

MatD fixture(const std::string& name) {
  return aib_test::torch_ref("activations_norms", name);
}

// A (r, c) double parameter, normal × scale, every entry moved to |x| >= 0.1 (away from ReLU's
// kink at 0).
TensorD input(Index r, Index c, std::uint64_t seed, double scale = 1.5) {
  aib::Rng rng(seed);
  MatD m = rng.normal_mat(r, c).cast<double>() * scale;  // (r, c)
  for (Index i = 0; i < m.size(); ++i) {
    double& v = m.data()[i];
    v = (v < 0 ? -1.0 : 1.0) * (std::abs(v) + 0.1);
  }
  return TensorD::parameter(m);
}

void require_gradcheck(const std::function<TensorD(const std::vector<TensorD>&)>& f,
                       std::vector<TensorD> inputs, Index expected_entries) {
  const aib::GradcheckResult r = aib::gradcheck(f, std::move(inputs), kGradcheck);
  INFO(r.failures);
  INFO("entries checked: " << r.checked << ", max abs error " << r.max_abs_error);
  CHECK(r.checked == expected_entries);  // every entry of every input that requires grad
  CHECK(r.ok());
}

// Run f on the fixture inputs `<name>_<input>` in double and in float; compare the output with
// `<name>_y` and, after backward(R), each input's gradient with `<name>_d<input>`.
template <class F>
void check_against_torch(const std::string& name, const std::vector<std::string>& input_names,
                         const F& f) {
  INFO("reference case " << name);
  std::vector<TensorD> in;
  std::vector<aib::Tensor> in_f;
  for (const std::string& k : input_names) {
    in.push_back(TensorD::parameter(fixture(name + "_" + k)));
    in_f.push_back(aib::Tensor::parameter(fixture(name + "_" + k).cast<float>()));
  }
  const MatD y_ref = fixture(name + "_y"), R = fixture(name + "_R");  // (T, D) each
  REQUIRE(y_ref.rows() == 4);
  REQUIRE(y_ref.cols() == 6);

  const TensorD y = f(in);
  CHECK(max_diff(y.value(), y_ref) <= kTorchTolDouble);
  y.backward(R);
  const aib::Tensor y_f = f(in_f);
  CHECK(max_diff(y_f.value().cast<double>(), y_ref) <= kTorchTolFloat);
  y_f.backward(R.cast<float>());
  for (std::size_t i = 0; i < input_names.size(); ++i) {
    INFO("gradient of " << input_names[i]);
    const MatD d_ref = fixture(name + "_d" + input_names[i]);
    CHECK(max_diff(in[i].grad(), d_ref) <= kTorchTolDouble);
    CHECK(max_diff(in_f[i].grad().cast<double>(), d_ref) <= kTorchTolFloat);
  }
}

MatD row(std::initializer_list<double> v) {
  MatD m(1, static_cast<Index>(v.size()));
  Index j = 0;
  for (double x : v) m(0, j++) = x;
  return m;
}

// The gradient of x after backward(G) through f.
MatD grad_of(const std::function<TensorD(const TensorD&)>& f, const MatD& x, const MatD& G) {
  const TensorD t = TensorD::parameter(x);
  f(t).backward(G);
  return t.grad();
}

}  // namespace

// ---- Shapes -------------------------------------------------------------------------------------

TEST_CASE("every function keeps the shape of x; norms take (1, D) gains") {
  const std::vector<std::pair<Index, Index>> shapes = {{1, 1}, {3, 5}, {7, 2}};
  for (const auto& [T, D] : shapes) {
    INFO("x of shape (" << T << ", " << D << ")");
    const TensorD x = input(T, D, 1);
    const TensorD g = input(1, D, 2), b = input(1, D, 3);
    aib::Rng rng(4);
    for (const TensorD& y :
         {aib::sigmoid(x), aib::relu(x), aib::gelu(x), aib::gelu_tanh(x), aib::silu(x),
          aib::softmax(x), aib::log_softmax(x), aib::dropout(x, 0.5, rng), aib::layernorm(x, g, b),
          aib::rmsnorm(x, g)}) {
      CHECK(y.rows() == T);
      CHECK(y.cols() == D);
      CHECK(y.requires_grad());
    }
    const TensorD L = aib::sum(aib::layernorm(x, g, b));
    L.backward();
    CHECK(g.grad().rows() == 1);
    CHECK(g.grad().cols() == D);
    CHECK(b.grad().cols() == D);
    CHECK(x.grad().rows() == T);
  }
}

// ---- Values and gradients by hand ---------------------------------------------------------------

TEST_CASE("activations: values by hand") {
  const double ln2 = std::log(2.0), ln3 = std::log(3.0);
  const TensorD x(row({-1.0, 0.0, 2.0, ln3}));
  CHECK(aib::relu(x).value() == row({0.0, 0.0, 2.0, ln3}));
  const MatD s = aib::sigmoid(x).value();
  CHECK(s(0, 1) == 0.5);
  CHECK(s(0, 3) == Approx(0.75).epsilon(kHandTol));  // 1/(1 + 1/3)
  // gelu(x) = x·Φ(x): Φ(0) = ½, Φ(1) = 0.8413447460685429 (normal table), Φ(−1) = 1 − Φ(1).
  const MatD g = aib::gelu(TensorD(row({0.0, 1.0, -1.0}))).value();
  CHECK(g(0, 0) == 0.0);
  CHECK(g(0, 1) == Approx(0.8413447460685429).epsilon(kHandTol));
  CHECK(g(0, 2) == Approx(-0.15865525393145707).epsilon(kHandTol));
  // gelu_tanh(1) = ½(1 + tanh(√(2/π)·1.044715)) = 0.8411919906082768, 1.5e-4 below Φ(1).
  const MatD gt = aib::gelu_tanh(TensorD(row({0.0, 1.0}))).value();
  CHECK(gt(0, 0) == 0.0);
  CHECK(gt(0, 1) == Approx(0.8411919906082768).epsilon(kHandTol));
  // silu(x) = x·σ(x): silu(0) = 0, silu(ln 3) = ¾·ln 3
  const MatD si = aib::silu(TensorD(row({0.0, ln3}))).value();
  CHECK(si(0, 0) == 0.0);
  CHECK(si(0, 1) == Approx(0.75 * ln3).epsilon(kHandTol));
  // softmax of logits (0, ln 2, ln 3) is (1, 2, 3)/6
  const TensorD z(row({0.0, ln2, ln3}));
  CHECK(max_diff(aib::softmax(z).value(), row({1.0 / 6, 2.0 / 6, 3.0 / 6})) < kHandTol);
  CHECK(max_diff(aib::log_softmax(z).value(),
                 row({-std::log(6.0), ln2 - std::log(6.0), ln3 - std::log(6.0)})) < kHandTol);
}

TEST_CASE("activations: gradients by hand") {
  const MatD zero = MatD::Zero(1, 1), one = MatD::Ones(1, 1);
  // At 0: σ' = σ(1 − σ) = ¼; gelu' = Φ(0) + 0·φ(0) = ½; gelu_tanh' = ½; silu' = σ(0) = ½.
  CHECK(grad_of([](const TensorD& t) { return aib::sigmoid(t); }, zero, one)(0, 0) == 0.25);
  CHECK(grad_of([](const TensorD& t) { return aib::gelu(t); }, zero, one)(0, 0) == 0.5);
  CHECK(grad_of([](const TensorD& t) { return aib::gelu_tanh(t); }, zero, one)(0, 0) == 0.5);
  CHECK(grad_of([](const TensorD& t) { return aib::silu(t); }, zero, one)(0, 0) == 0.5);
  // relu passes G where x > 0 only.
  CHECK(grad_of([](const TensorD& t) { return aib::relu(t); }, row({-1.0, 2.0, 3.0}),
                row({5.0, 6.0, 7.0})) == row({0.0, 6.0, 7.0}));
  // softmax of a uniform row P = ¼, G = e₀: P ⊙ (G − ¼) = (3, −1, −1, −1)/16.
  CHECK(max_diff(grad_of([](const TensorD& t) { return aib::softmax(t); }, MatD::Zero(1, 4),
                         row({1.0, 0.0, 0.0, 0.0})),
                 row({3.0 / 16, -1.0 / 16, -1.0 / 16, -1.0 / 16})) < kHandTol);
  // log_softmax, same row and G: G − P·rowsum(G) = (¾, −¼, −¼, −¼).
  CHECK(max_diff(grad_of([](const TensorD& t) { return aib::log_softmax(t); }, MatD::Zero(1, 4),
                         row({1.0, 0.0, 0.0, 0.0})),
                 row({0.75, -0.25, -0.25, -0.25})) < kHandTol);
}

TEST_CASE("norms: values and gradients by hand") {
  const TensorD x(row({1.0, 2.0, 3.0}));  // μ = 2, biased var = 2/3
  const TensorD ones(MatD::Ones(1, 3)), zeros(MatD::Zero(1, 3));
  // ε = 0: x̂ = (−1, 0, 1)/√(2/3) = (−√1.5, 0, √1.5)
  const double s15 = std::sqrt(1.5);
  CHECK(max_diff(aib::layernorm(x, ones, zeros, 0.0).value(), row({-s15, 0.0, s15})) < kHandTol);
  // default ε = 1e-5 inside the square root
  const double a = 1.0 / std::sqrt(2.0 / 3.0 + 1e-5);
  CHECK(max_diff(aib::layernorm(x, ones, zeros).value(), row({-a, 0.0, a})) < kHandTol);
  // y = γ ⊙ x̂ + β with γ = 2, β = 1
  const TensorD twos(MatD::Constant(1, 3, 2.0));
  CHECK(max_diff(aib::layernorm(x, twos, ones).value(), row({1 - 2 * a, 1.0, 1 + 2 * a})) <
        kHandTol);
  // One feature: x̂ = 0, so y = β whatever x is.
  CHECK(aib::layernorm(TensorD(row({5.0})), TensorD(row({3.0})), TensorD(row({-0.5}))).value() ==
        row({-0.5}));

  // RMSNorm of (2, −2, 2, −2): mean(x²) = 4, r = 2.
  const TensorD xr(row({2.0, -2.0, 2.0, -2.0}));
  const TensorD g(row({1.0, 2.0, 3.0, 4.0}));
  CHECK(max_diff(aib::rmsnorm(xr, g, 0.0).value(), row({1.0, -2.0, 3.0, -4.0})) < kHandTol);
  const double r = std::sqrt(4.0 + 1e-6);  // default ε = 1e-6
  CHECK(max_diff(aib::rmsnorm(xr, g).value(), row({2 / r, -4 / r, 6 / r, -8 / r})) < kHandTol);

  // Gradients with G = 1, γ = 1: ĝ is constant, so ∂L/∂x = (1/σ)(1 − 1 − x̂·mean(x̂)) = 0;
  // ∂L/∂γ = x̂ and ∂L/∂β = 1 (one row).
  const TensorD xp = TensorD::parameter(row({1.0, 2.0, 3.0}));
  const TensorD gp = TensorD::parameter(MatD::Ones(1, 3)),
                bp = TensorD::parameter(MatD::Zero(1, 3));
  aib::layernorm(xp, gp, bp, 0.0).backward(MatD::Ones(1, 3));
  CHECK(xp.grad().cwiseAbs().maxCoeff() < kHandTol);
  CHECK(max_diff(gp.grad(), row({-s15, 0.0, s15})) < kHandTol);
  CHECK(bp.grad() == MatD::Ones(1, 3));
  // RMSNorm, ε = 0, x = (2, −2, 2, −2), γ = 1, G = e₀: x̂ = (1, −1, 1, −1), mean(ĝ ⊙ x̂) = ¼,
  // ∂L/∂x = ½·(e₀ − ¼·x̂) = (3, 1, −1, 1)/8.
  const TensorD xq = TensorD::parameter(row({2.0, -2.0, 2.0, -2.0}));
  aib::rmsnorm(xq, TensorD(MatD::Ones(1, 4)), 0.0).backward(row({1.0, 0.0, 0.0, 0.0}));
  CHECK(max_diff(xq.grad(), row({3.0 / 8, 1.0 / 8, -1.0 / 8, 1.0 / 8})) < kHandTol);
}

// ---- Properties ---------------------------------------------------------------------------------

TEST_CASE("properties of the activations") {
  const TensorD x = input(6, 9, 20, 3.0);
  const TensorD neg(-x.value());
  // The odd part of relu, gelu, gelu_tanh and silu is x/2: f(x) − f(−x) = x
  // (Φ(x) + Φ(−x) = 1, tanh is odd, σ(x) + σ(−x) = 1).
  CHECK(max_diff(aib::relu(x).value() - aib::relu(neg).value(), x.value()) < 1e-14);
  CHECK(max_diff(aib::gelu(x).value() - aib::gelu(neg).value(), x.value()) < 1e-14);
  CHECK(max_diff(aib::gelu_tanh(x).value() - aib::gelu_tanh(neg).value(), x.value()) < 1e-14);
  CHECK(max_diff(aib::silu(x).value() - aib::silu(neg).value(), x.value()) < 1e-14);
  CHECK(max_diff(aib::sigmoid(x).value() + aib::sigmoid(neg).value(), MatD::Ones(6, 9)) < 1e-15);
  // The two GELU forms stay within 4.8e-4 of each other (largest gap near x = ±2.7).
  const MatD grid = MatD(Eigen::RowVectorXd::LinSpaced(601, -15.0, 15.0));  // (1, 601)
  const double gap =
      max_diff(aib::gelu(TensorD(grid)).value(), aib::gelu_tanh(TensorD(grid)).value());
  CHECK(gap < 4.8e-4);
  CHECK(gap > 4.0e-4);  // they are different functions

  // Softmax rows are distributions, unchanged by adding a constant to a row.
  const MatD p = aib::softmax(x).value();  // (6, 9)
  for (Index i = 0; i < p.rows(); ++i) CHECK(p.row(i).sum() == Approx(1.0).epsilon(1e-15));
  CHECK((p.array() > 0.0).all());
  CHECK(max_diff(aib::softmax(TensorD((x.value().array() + 100.0).matrix())).value(), p) < 1e-14);
  CHECK(max_diff(aib::log_softmax(x).value().array().exp().matrix(), p) < 1e-15);
  // Softmax gradients sum to 0 along each row (a row shift changes nothing).
  aib::Rng rng(21);
  const MatD G = rng.normal_mat(6, 9).cast<double>();  // (6, 9)
  const MatD dx = grad_of([](const TensorD& t) { return aib::softmax(t); }, x.value(), G);
  CHECK(dx.rowwise().sum().cwiseAbs().maxCoeff() < 1e-14);
  const MatD dl = grad_of([](const TensorD& t) { return aib::log_softmax(t); }, x.value(), G);
  CHECK(dl.rowwise().sum().cwiseAbs().maxCoeff() < 1e-13);

  // Stability: huge logits and saturated tails stay finite, values and gradients.
  TensorD big = TensorD::parameter(row({-1000.0, 0.0, 1000.0}));
  for (const TensorD& y : {aib::sigmoid(big), aib::gelu(big), aib::gelu_tanh(big), aib::silu(big),
                           aib::softmax(big), aib::log_softmax(big)}) {
    INFO(y.op());
    CHECK(y.value().allFinite());
    big.zero_grad();
    y.backward(row({1.0, 1.0, 1.0}));
    CHECK(big.grad().allFinite());
  }
  // e^−1000 underflows: the two small probabilities are 0 up to the smallest subnormals.
  const MatD pb = aib::softmax(big).value();
  CHECK(pb(0, 2) == 1.0);
  CHECK(pb(0, 0) < 1e-300);
  CHECK(pb(0, 1) < 1e-300);
  CHECK(aib::log_softmax(big).value() == row({-2000.0, -1000.0, 0.0}));
  CHECK(aib::gelu(big).value() == row({0.0, 0.0, 1000.0}));
}

TEST_CASE("properties of the norms") {
  const TensorD x = input(5, 7, 30, 4.0);
  const TensorD ones(MatD::Ones(1, 7)), zeros(MatD::Zero(1, 7));
  const MatD y = aib::layernorm(x, ones, zeros).value();  // (5, 7)
  for (Index i = 0; i < 5; ++i) {
    const double var = (x.value().row(i).array() - x.value().row(i).mean()).square().mean();
    CHECK(y.row(i).mean() == Approx(0.0).margin(1e-15));
    CHECK(y.row(i).squaredNorm() / 7 == Approx(var / (var + 1e-5)).epsilon(1e-13));  // ≈ 1
  }
  // Shifting a row changes nothing; scaling it changes only through ε.
  const MatD shifted = (x.value().array() + 50.0).matrix();
  CHECK(max_diff(aib::layernorm(TensorD(shifted), ones, zeros).value(), y) < 1e-12);
  CHECK(max_diff(aib::layernorm(TensorD(MatD(10.0 * x.value())), ones, zeros, 0.0).value(),
                 aib::layernorm(x, ones, zeros, 0.0).value()) < 1e-14);
  // The x-gradient of LayerNorm sums to 0 along each row (the shift invariance).
  aib::Rng rng(31);
  const MatD G = rng.normal_mat(5, 7).cast<double>();  // (5, 7)
  const TensorD gamma = input(1, 7, 32), beta = input(1, 7, 33);
  const MatD dx =
      grad_of([&](const TensorD& t) { return aib::layernorm(t, gamma, beta); }, x.value(), G);
  CHECK(dx.rowwise().sum().cwiseAbs().maxCoeff() < 1e-13);

  // RMSNorm rows have mean square ≈ 1, and scaling a row changes nothing (up to ε).
  const MatD r = aib::rmsnorm(x, ones).value();  // (5, 7)
  for (Index i = 0; i < 5; ++i) CHECK(r.row(i).squaredNorm() / 7 == Approx(1.0).epsilon(1e-6));
  CHECK(max_diff(aib::rmsnorm(TensorD(MatD(10.0 * x.value())), ones, 0.0).value(),
                 aib::rmsnorm(x, ones, 0.0).value()) < 1e-14);
  // On rows of mean 0, LayerNorm (γ = 1, β = 0) and RMSNorm coincide.
  MatD centred = x.value();  // (5, 7)
  centred.colwise() -= centred.rowwise().mean();
  CHECK(max_diff(aib::layernorm(TensorD(centred), ones, zeros, 1e-6).value(),
                 aib::rmsnorm(TensorD(centred), ones, 1e-6).value()) < 1e-14);
}

// ---- Gradient checks in double ------------------------------------------------------------------

TEST_CASE("gradient checks on every input (double, central differences)") {
  using V = std::vector<TensorD>;
  require_gradcheck([](const V& v) { return aib::sigmoid(v[0]); }, {input(3, 4, 1)}, 12);
  require_gradcheck([](const V& v) { return aib::relu(v[0]); }, {input(3, 4, 2)}, 12);
  require_gradcheck([](const V& v) { return aib::gelu(v[0]); }, {input(3, 4, 3)}, 12);
  require_gradcheck([](const V& v) { return aib::gelu_tanh(v[0]); }, {input(3, 4, 4)}, 12);
  require_gradcheck([](const V& v) { return aib::silu(v[0]); }, {input(3, 4, 5)}, 12);
  require_gradcheck([](const V& v) { return aib::softmax(v[0]); }, {input(3, 4, 6)}, 12);
  require_gradcheck([](const V& v) { return aib::log_softmax(v[0]); }, {input(3, 4, 7)}, 12);
  require_gradcheck([](const V& v) { return aib::layernorm(v[0], v[1], v[2]); },
                    {input(3, 5, 8), input(1, 5, 9), input(1, 5, 10)}, 25);
  require_gradcheck([](const V& v) { return aib::layernorm(v[0], v[1], v[2], 0.5); },
                    {input(3, 5, 8), input(1, 5, 9), input(1, 5, 10)}, 25);
  require_gradcheck([](const V& v) { return aib::rmsnorm(v[0], v[1]); },
                    {input(3, 5, 11), input(1, 5, 12)}, 20);
  require_gradcheck([](const V& v) { return aib::rmsnorm(v[0], v[1], 0.5); },
                    {input(3, 5, 11), input(1, 5, 12)}, 20);
  // Only the gain and bias learn (x is data): the x branch of the backward is skipped.
  require_gradcheck([](const V& v) { return aib::layernorm(v[0], v[1], v[2]); },
                    {input(3, 5, 8).detach(), input(1, 5, 9), input(1, 5, 10)}, 10);
  require_gradcheck([](const V& v) { return aib::rmsnorm(v[0], v[1]); },
                    {input(3, 5, 11).detach(), input(1, 5, 12)}, 5);
  // Only x learns.
  require_gradcheck([](const V& v) { return aib::layernorm(v[0], v[1], v[2]); },
                    {input(3, 5, 8), input(1, 5, 9).detach(), input(1, 5, 10).detach()}, 15);
  // Dropout: the same mask at every evaluation (the rng is replayed from one state).
  const aib::Rng start(13);
  require_gradcheck(
      [&](const V& v) {
        aib::Rng same = start;
        return aib::dropout(v[0], 0.3, same);
      },
      {input(3, 4, 14)}, 12);
  // On PyTorch's inputs too (row 3 reaches ±18: saturated tails, peaked softmax).
  require_gradcheck([](const V& v) { return aib::gelu(v[0]); },
                    {TensorD::parameter(fixture("gelu_x"))}, 24);
  require_gradcheck([](const V& v) { return aib::softmax(v[0]); },
                    {TensorD::parameter(fixture("softmax_x"))}, 24);
  // Composition, x used twice: both contributions must accumulate.
  require_gradcheck(
      [](const V& v) {
        return aib::add(aib::gelu(v[0]), aib::softmax(aib::layernorm(v[0], v[1], v[2])));
      },
      {input(4, 6, 15), input(1, 6, 16), input(1, 6, 17)}, 36);
}

TEST_CASE("gradients accumulate; NoGrad records nothing") {
  const TensorD x = input(2, 3, 40), g = input(1, 3, 41), b = input(1, 3, 42);
  aib::Rng rng(43);
  const MatD G = rng.normal_mat(2, 3).cast<double>();  // (2, 3)
  const TensorD y = aib::layernorm(x, g, b);
  y.backward(G);
  const MatD dx1 = x.grad(), dg1 = g.grad(), db1 = b.grad();
  y.backward(G);  // a second pass adds the same again
  CHECK(max_diff(x.grad(), 2 * dx1) < 1e-14);
  CHECK(max_diff(g.grad(), 2 * dg1) < 1e-14);
  CHECK(max_diff(b.grad(), 2 * db1) < 1e-14);
  {
    aib::NoGrad guard;
    CHECK_FALSE(aib::layernorm(x, g, b).requires_grad());
    CHECK_FALSE(aib::rmsnorm(x, g).requires_grad());
    CHECK_FALSE(aib::gelu(x).requires_grad());
    CHECK_FALSE(aib::softmax(x).requires_grad());
    CHECK_FALSE(aib::dropout(x, 0.5, rng).requires_grad());
  }
}

// ---- PyTorch ------------------------------------------------------------------------------------

TEST_CASE("activations match PyTorch 1.13: values and gradients, double and float") {
  check_against_torch("sigmoid", {"x"}, [](const auto& v) { return aib::sigmoid(v[0]); });
  check_against_torch("relu", {"x"}, [](const auto& v) { return aib::relu(v[0]); });
  check_against_torch("gelu", {"x"}, [](const auto& v) { return aib::gelu(v[0]); });
  check_against_torch("gelu_tanh", {"x"}, [](const auto& v) { return aib::gelu_tanh(v[0]); });
  check_against_torch("silu", {"x"}, [](const auto& v) { return aib::silu(v[0]); });
  check_against_torch("softmax", {"x"}, [](const auto& v) { return aib::softmax(v[0]); });
  check_against_torch("log_softmax", {"x"}, [](const auto& v) { return aib::log_softmax(v[0]); });
}

TEST_CASE("norms match PyTorch 1.13: values and gradients of x, gamma and beta") {
  check_against_torch("layernorm", {"x", "gamma", "beta"},
                      [](const auto& v) { return aib::layernorm(v[0], v[1], v[2]); });
  check_against_torch("rmsnorm", {"x", "gamma"},
                      [](const auto& v) { return aib::rmsnorm(v[0], v[1]); });
  check_against_torch("layernorm_eps", {"x", "gamma", "beta"}, [](const auto& v) {
    using S = typename std::decay_t<decltype(v[0])>::Scalar;
    return aib::layernorm(v[0], v[1], v[2], S(0.5));
  });
  check_against_torch("rmsnorm_eps", {"x", "gamma"}, [](const auto& v) {
    using S = typename std::decay_t<decltype(v[0])>::Scalar;
    return aib::rmsnorm(v[0], v[1], S(0.5));
  });
}

// ---- Dropout ------------------------------------------------------------------------------------

TEST_CASE("dropout: inverted scaling, reproducible masks, identity when off") {
  const aib::Tensor x(aib::Mat::Ones(200, 200));  // (200, 200)
  aib::Rng a(1), b(1), c(2);
  const aib::Mat y = aib::dropout(x, 0.25, a).value();  // (200, 200)
  // Kept entries are 1/(1 − p), so the mean stays 1 (std of the mean here ≈ 0.003).
  CHECK(((y.array() == 0.f) || (y.array() == 1.f / 0.75f)).all());
  CHECK(y.cast<double>().mean() == Approx(1.0).margin(0.02));
  CHECK((y.array() == 0.f).cast<double>().mean() == Approx(0.25).margin(0.01));
  // Same seed, same mask; another seed or the next call, another mask.
  CHECK(aib::dropout(x, 0.25, b).value() == y);
  CHECK(aib::dropout(x, 0.25, c).value() != y);
  CHECK(aib::dropout(x, 0.25, a).value() != y);
  // Identity: p = 0 or not training returns x itself and draws nothing from the rng.
  aib::Rng d(5), fresh(5);
  const aib::Tensor off = aib::dropout(x, 0.5, d, /*training=*/false);
  const aib::Tensor zero = aib::dropout(x, 0.0, d);
  CHECK(off.value() == x.value());
  CHECK(zero.value() == x.value());
  CHECK(off.node_ptr() == x.node_ptr());
  CHECK(d.next_u64() == fresh.next_u64());
  // The gradient is G ⊙ mask: with x = 1 the mask is y itself.
  const TensorD xd = TensorD::parameter(MatD::Ones(3, 4));
  aib::Rng e(7);
  const TensorD yd = aib::dropout(xd, 0.5, e);
  aib::Rng rg(8);
  const MatD G = rg.normal_mat(3, 4).cast<double>();  // (3, 4)
  yd.backward(G);
  CHECK(xd.grad() == MatD(G.cwiseProduct(yd.value())));
}

// ---- Errors -------------------------------------------------------------------------------------

TEST_CASE("errors name the function, the argument and the shapes") {
  const TensorD x(MatD::Zero(2, 4)), g3(MatD::Ones(1, 3)), g4(MatD::Ones(1, 4));
  CHECK_THROWS_WITH(aib::layernorm(x, g3, g4),
                    "layernorm: gamma has shape (1, 3), expected (1, 4) for x of shape (2, 4)");
  CHECK_THROWS_WITH(aib::layernorm(x, g4, g3),
                    "layernorm: beta has shape (1, 3), expected (1, 4) for x of shape (2, 4)");
  CHECK_THROWS_AS(aib::layernorm(x, TensorD(MatD::Ones(2, 4)), g4), aib::ShapeError);
  CHECK_THROWS_WITH(aib::rmsnorm(x, g3),
                    "rmsnorm: gamma has shape (1, 3), expected (1, 4) for x of shape (2, 4)");
  CHECK_THROWS_AS(aib::rmsnorm(x, g3), aib::ShapeError);
  const TensorD empty(MatD::Zero(2, 0)), g0(MatD::Zero(1, 0));
  CHECK_THROWS_WITH(aib::layernorm(empty, g0, g0),
                    "layernorm: x has shape (2, 0); expected at least 1 column");
  CHECK_THROWS_AS(aib::rmsnorm(empty, g0), aib::ShapeError);
  CHECK_THROWS_WITH(aib::layernorm(x, g4, g4, -1.0),
                    "layernorm: eps must be finite and >= 0, got -1");
  CHECK_THROWS_AS(aib::rmsnorm(x, g4, std::numeric_limits<double>::quiet_NaN()), aib::Error);
  CHECK_THROWS_WITH(aib::softmax(empty), Catch::Contains("softmax: x has shape (2, 0)"));
  CHECK_THROWS_AS(aib::log_softmax(empty), aib::ShapeError);

  aib::Rng rng(1);
  CHECK_THROWS_WITH(aib::dropout(x, 1.0, rng), "dropout: p must be in [0, 1), got 1");
  CHECK_THROWS_WITH(aib::dropout(x, -0.1, rng), "dropout: p must be in [0, 1), got -0.1");
  CHECK_THROWS_AS(aib::dropout(x, std::nan(""), rng), aib::Error);
  CHECK_THROWS_AS(aib::dropout(x, 1.0, rng, /*training=*/false), aib::Error);  // checked anyway
}
