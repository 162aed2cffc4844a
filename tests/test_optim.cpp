// Tests for aib/autograd/optim.hpp: SGD, Adam, AdamW, clip_grad_norm and the learning-rate
// schedules, with 10-step trajectories from PyTorch (tools/reference/optim.py,
// tests/fixtures/torch/optim) compared step by step in double and in float.
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "catch.hpp"
#include "test_helpers.hpp"

#include "aib/autograd/ops.hpp"
#include "aib/autograd/optim.hpp"
#include "aib/core/io.hpp"

using aib::MatD;
using aib::TensorD;
using Catch::Matchers::Contains;

namespace {

MatD fixture(const std::string& name) {
  return aib::load_npy<double>(std::string(AIB_FIXTURES_DIR) + "/torch/optim/" + name + ".npy");
}

// ---- The reference problem (tools/reference/optim.py) -------------------------------------------
//   L(W, b) = ½ Σ (X·W + b − Y)² + ¼ Σ W⁴,  X (5, 3), Y (5, 4), W (3, 4), b (1, 4)
// `frozen` (2, 2) is in every optimizer's list but never in the loss: it must not move.

template <class S>
struct Problem {
  aib::TensorT<S> X, Y;          // (5, 3), (5, 4): constants
  aib::TensorT<S> W, b, frozen;  // (3, 4), (1, 4), (2, 2): parameters
  Problem()
      : X(fixture("X").cast<S>()),
        Y(fixture("Y").cast<S>()),
        W(aib::TensorT<S>::parameter(fixture("W0").cast<S>())),
        b(aib::TensorT<S>::parameter(fixture("b0").cast<S>())),
        frozen(aib::TensorT<S>::parameter(aib::MatT<S>::Ones(2, 2))) {}

  aib::TensorT<S> loss(bool use_b = true) const {
    aib::TensorT<S> r = aib::matmul(X, W) - Y;  // (5, 4)
    if (use_b) r = r + b;                       // (5, 4) + (1, 4)
    return aib::sum(aib::pow(r, S(2))) * S(0.5) + aib::sum(aib::pow(W, S(4))) * S(0.25);
  }
  std::vector<aib::TensorT<S>> params() const { return {W, b, frozen}; }
};

inline constexpr int kSteps = 10;
inline constexpr double kClipMaxNorm = 4.0;
inline constexpr long kWarmup = 3, kTotal = 10;
inline constexpr double kLrMax = 0.1, kLrMin = 0.01;

// The table of CONFIGS in tools/reference/optim.py.
template <class S>
std::unique_ptr<aib::OptimizerT<S>> make_optimizer(const std::string& name,
                                                   std::vector<aib::TensorT<S>> p) {
  using std::make_unique;
  if (name == "sgd") return make_unique<aib::SGDT<S>>(p, 0.05);
  if (name == "sgd_momentum") return make_unique<aib::SGDT<S>>(p, 0.05, 0.9);
  if (name == "sgd_dampening") return make_unique<aib::SGDT<S>>(p, 0.05, 0.9, 0.5);
  if (name == "sgd_nesterov_wd") return make_unique<aib::SGDT<S>>(p, 0.05, 0.9, 0.0, 0.1, true);
  if (name == "sgd_clip") return make_unique<aib::SGDT<S>>(p, 0.05, 0.5);
  if (name == "adam") return make_unique<aib::AdamT<S>>(p, 0.05);
  if (name == "adam_wd") return make_unique<aib::AdamT<S>>(p, 0.05, 0.8, 0.99, 1e-6, 0.1);
  if (name == "adamw") return make_unique<aib::AdamWT<S>>(p, 0.05, 0.9, 0.999, 1e-8, 0.1);
  if (name == "adam_schedule") return make_unique<aib::AdamT<S>>(p, 0.0);
  if (name == "adam_partial") return make_unique<aib::AdamT<S>>(p, 0.05);
  FAIL("unknown configuration " << name);
  return nullptr;
}

const std::vector<std::string> kConfigs = {
    "sgd",  "sgd_momentum", "sgd_dampening", "sgd_nesterov_wd", "sgd_clip",
    "adam", "adam_wd",      "adamw",         "adam_schedule",   "adam_partial"};

// max |a − b| / max |b|
double rel_err(const MatD& a, const MatD& b) {
  REQUIRE(a.rows() == b.rows());
  REQUIRE(a.cols() == b.cols());
  return (a - b).cwiseAbs().maxCoeff() / b.cwiseAbs().maxCoeff();
}

struct Errors {
  double params = 0, loss = 0, norm = 0;  // the largest relative error over the 10 steps
};

// Runs one configuration for 10 steps in precision S, exactly as the Python script does, and
// returns the largest relative error against PyTorch's float64 trajectory.
template <class S>
Errors run_config(const std::string& name) {
  Problem<S> pr;
  std::unique_ptr<aib::OptimizerT<S>> opt = make_optimizer<S>(name, pr.params());
  const MatD W_ref = fixture(name + "_W"), b_ref = fixture(name + "_b");  // (10, 12), (10, 4)
  const MatD loss_ref = fixture(name + "_loss");                          // (1, 10)
  Errors e;
  for (int k = 0; k < kSteps; ++k) {
    opt->zero_grad();
    const bool use_b = !(name == "adam_partial" && (k == 1 || k == 4 || k == 7));
    const aib::TensorT<S> loss = pr.loss(use_b);
    loss.backward();
    e.loss = std::max(e.loss, std::abs(double(loss.item()) - loss_ref(0, k)) / loss_ref(0, k));
    if (name == "sgd_clip") {
      const double total = double(aib::clip_grad_norm(opt->parameters(), kClipMaxNorm));
      e.norm = std::max(e.norm, std::abs(total - fixture("sgd_clip_norm")(0, k)) /
                                    fixture("sgd_clip_norm")(0, k));
    }
    if (name == "adam_schedule")
      opt->set_lr(aib::linear_warmup_cosine(k, kWarmup, kTotal, kLrMax, kLrMin));
    opt->step();
    MatD params(1, 16);  // W flattened row-major, then b
    params << Eigen::Map<const aib::RowVecT<S>>(pr.W.value().data(), 12).template cast<double>(),
        pr.b.value().template cast<double>();
    MatD expected(1, 16);
    expected << W_ref.row(k), b_ref.row(k);
    e.params = std::max(e.params, rel_err(params, expected));
  }
  CHECK(pr.frozen.value() == aib::MatT<S>::Ones(2, 2));  // never had a gradient: never moved
  CHECK_FALSE(pr.frozen.has_grad());
  return e;
}

}  // namespace

TEST_CASE("Optimizers follow PyTorch's trajectories step by step, in double") {
  for (const std::string& name : kConfigs) {
    INFO("configuration " << name);
    const Errors e = run_config<double>(name);
    CHECK(e.loss < 1e-13);
    CHECK(e.params < 1e-13);
    CHECK(e.norm < 1e-13);
  }
}

TEST_CASE("Optimizers follow PyTorch's trajectories step by step, in float") {
  for (const std::string& name : kConfigs) {
    INFO("configuration " << name);
    const Errors e = run_config<float>(name);
    CHECK(e.loss < 2e-6);
    CHECK(e.params < 2e-6);
    CHECK(e.norm < 2e-6);
  }
}

TEST_CASE("The reference trajectories are not trivial") {
  // The losses fall, the clip acted on some steps and not others, and adam_partial's b really
  // took fewer Adam steps than W (its trajectory differs from plain Adam's).
  for (const std::string& name : kConfigs) {
    INFO("configuration " << name);
    const MatD loss = fixture(name + "_loss");
    CHECK(loss(0, kSteps - 1) < 0.75 * loss(0, 0));
  }
  const MatD norms = fixture("sgd_clip_norm");
  CHECK(norms.minCoeff() < kClipMaxNorm);
  CHECK(norms.maxCoeff() > kClipMaxNorm);
  CHECK(rel_err(fixture("adam_partial_b"), fixture("adam_b")) > 1e-3);
  CHECK(rel_err(fixture("adamw_W"), fixture("adam_W")) > 1e-4);
  CHECK(rel_err(fixture("adam_wd_W"), fixture("adam_W")) > 1e-4);
}

TEST_CASE("SGD: hand-computed steps, plain and with momentum") {
  // L = Σ R ⊙ p with R = [0.5, −1]: g = R at every step.
  const MatD R = (MatD(1, 2) << 0.5, -1.0).finished();
  const auto loss = [&](const TensorD& p) { return aib::sum(p * TensorD(R)); };

  TensorD p = TensorD::parameter((MatD(1, 2) << 1.0, 2.0).finished());
  aib::SGDT<double> sgd({p}, 0.1);
  loss(p).backward();
  sgd.step();
  CHECK(p.value()(0, 0) == Approx(0.95).epsilon(1e-15));  // p − lr·g
  CHECK(p.value()(0, 1) == Approx(2.1).epsilon(1e-15));

  // momentum 0.9: b₁ = g, p₁ = p₀ − lr·g; b₂ = 0.9·g + g = 1.9·g, p₂ = p₁ − lr·1.9·g
  TensorD q = TensorD::parameter((MatD(1, 2) << 1.0, 2.0).finished());
  aib::SGDT<double> mom({q}, 0.1, 0.9);
  for (int k = 0; k < 2; ++k) {
    mom.zero_grad();
    loss(q).backward();
    mom.step();
  }
  CHECK(q.value()(0, 0) == Approx(1.0 - 0.1 * 0.5 - 0.1 * 1.9 * 0.5).epsilon(1e-14));
  CHECK(q.value()(0, 1) == Approx(2.0 + 0.1 + 0.1 * 1.9).epsilon(1e-14));
  CHECK(mom.momentum_buffer(0)(0, 1) == Approx(-1.9).epsilon(1e-15));

  // Without zero_grad the gradients accumulate (2g), as in PyTorch.
  TensorD r = TensorD::parameter((MatD(1, 2) << 1.0, 2.0).finished());
  aib::SGDT<double> acc({r}, 0.1);
  loss(r).backward();
  loss(r).backward();
  acc.step();
  CHECK(r.value()(0, 0) == Approx(0.9).epsilon(1e-15));
}

TEST_CASE("Adam: the first step moves each entry by lr against the gradient's sign") {
  // t = 1: m̂ = g, v̂ = g², so Δ = −lr·g/(|g| + ε) ≈ −lr·sign(g) whatever |g|.
  TensorD p = TensorD::parameter((MatD(1, 3) << 1.0, 2.0, 3.0).finished());
  const MatD R = (MatD(1, 3) << 1e-3, -50.0, 2.0).finished();
  aib::AdamT<double> adam({p}, 0.01);
  aib::sum(p * TensorD(R)).backward();
  adam.step();
  for (int j = 0; j < 3; ++j) {
    const double g = R(0, j), expected = (j + 1.0) - 0.01 * g / (std::abs(g) + 1e-8);
    CHECK(p.value()(0, j) == Approx(expected).epsilon(1e-14));
  }
  CHECK(adam.step_count(0) == 1);
  CHECK(adam.exp_avg(0).isApprox(0.1 * R, 1e-13));                              // (1 − β1)·g
  CHECK(adam.exp_avg_sq(0).isApprox(0.001 * MatD(R.array().square()), 1e-13));  // (1 − β2)·g²
}

TEST_CASE("AdamW decays the weights directly; Adam's L2 goes through the moments") {
  // A zero gradient: AdamW shrinks p by (1 − lr·λ) and the Adam part moves nothing (m = 0);
  // Adam turns λ·p into the gradient, and its normalisation makes the step ≈ lr·sign(p).
  const MatD p0 = (MatD(1, 2) << 4.0, -0.5).finished();
  TensorD a = TensorD::parameter(p0), w = TensorD::parameter(p0);
  aib::AdamT<double> adam({a}, 0.1, 0.9, 0.999, 1e-8, 0.01);
  aib::AdamWT<double> adamw({w}, 0.1, 0.9, 0.999, 1e-8, 0.01);
  aib::sum(a * 0.0).backward();
  aib::sum(w * 0.0).backward();
  adam.step();
  adamw.step();
  CHECK(w.value().isApprox(p0 * (1.0 - 0.1 * 0.01), 1e-15));
  CHECK(a.value()(0, 0) == Approx(4.0 - 0.1).epsilon(1e-5));  // |g| ≫ ε: a step of lr
  CHECK(a.value()(0, 1) == Approx(-0.5 + 0.1).epsilon(1e-5));
}

TEST_CASE("Optimizers reach the minimum of a convex quadratic") {
  // L = ½‖p − c‖²: every optimizer must bring p to c.
  const MatD c = (MatD(2, 2) << 1.0, -2.0, 0.5, 3.0).finished();
  const auto train = [&](aib::OptimizerT<double>& opt, const TensorD& p, int steps) {
    for (int k = 0; k < steps; ++k) {
      opt.zero_grad();
      (aib::sum(aib::pow(p - TensorD(c), 2.0)) * 0.5).backward();
      opt.step();
    }
    return (p.value() - c).cwiseAbs().maxCoeff();
  };
  TensorD p1 = TensorD::parameter(MatD::Zero(2, 2)), p2 = TensorD::parameter(MatD::Zero(2, 2));
  TensorD p3 = TensorD::parameter(MatD::Zero(2, 2)), p4 = TensorD::parameter(MatD::Zero(2, 2));
  aib::SGDT<double> sgd({p1}, 0.3);
  aib::SGDT<double> nesterov({p2}, 0.1, 0.9, 0.0, 0.0, true);
  aib::AdamT<double> adam({p3}, 0.05);
  aib::AdamWT<double> adamw({p4}, 0.05, 0.9, 0.999, 1e-8, 0.0);
  CHECK(train(sgd, p1, 100) < 1e-10);
  CHECK(train(nesterov, p2, 300) < 1e-6);
  CHECK(train(adam, p3, 2000) < 1e-4);
  CHECK(train(adamw, p4, 2000) < 1e-4);
}

TEST_CASE("A parameter without a gradient is skipped; a zero gradient is not") {
  TensorD used = TensorD::parameter(MatD::Constant(1, 2, 1.0));
  TensorD zero = TensorD::parameter(MatD::Constant(1, 2, 1.0));
  TensorD none = TensorD::parameter(MatD::Constant(1, 2, 1.0));
  aib::AdamT<double> adam({used, zero, none}, 0.1, 0.9, 0.999, 1e-8, 0.5);
  (aib::sum(used * 3.0) + aib::sum(zero * 0.0)).backward();
  adam.step();
  CHECK(adam.step_count(0) == 1);
  CHECK(adam.step_count(1) == 1);  // zero gradient: a step (L2 still pulls p towards 0)
  CHECK(adam.step_count(2) == 0);  // no gradient: skipped
  CHECK(zero.value()(0, 0) < 1.0);
  CHECK(none.value() == MatD::Constant(1, 2, 1.0));
  CHECK(adam.exp_avg(2).size() == 0);

  adam.zero_grad();
  for (const TensorD& t : adam.parameters()) CHECK_FALSE(t.has_grad());
  const MatD before = used.value();
  adam.step();  // nothing has a gradient: nothing moves
  CHECK(used.value() == before);
  CHECK(adam.step_count(0) == 1);
}

TEST_CASE("Optimizers update the model through shared handles; set_lr and polymorphic use") {
  TensorD p = TensorD::parameter(MatD::Constant(2, 3, 1.0));
  std::vector<TensorD> list{p};
  std::unique_ptr<aib::OptimizerT<double>> opt = std::make_unique<aib::SGDT<double>>(list, 0.5);
  CHECK(opt->lr() == 0.5);
  CHECK(std::string(opt->name()) == "SGD");
  opt->set_lr(0.25);
  CHECK(opt->lr() == 0.25);
  aib::sum(p * 2.0).backward();
  opt->step();
  CHECK(p.value() == MatD::Constant(2, 3, 0.5));  // 1 − 0.25·2, seen through the model's handle
  opt->set_lr(0.0);
  opt->step();
  CHECK(p.value() == MatD::Constant(2, 3, 0.5));

  aib::Tensor f = aib::Tensor::parameter(aib::Mat::Ones(1, 1));
  aib::AdamW adamw({f});  // float alias, defaults lr 1e-3, λ 1e-2
  CHECK(adamw.lr() == 1e-3);
  CHECK(std::string(adamw.name()) == "AdamW");
}

TEST_CASE("Optimizer errors name the value") {
  TensorD p = TensorD::parameter(MatD::Ones(2, 2));
  using aib_test::message_of;
  CHECK_THAT(message_of([&] { aib::SGDT<double>({p}, -0.1); }), Contains("SGD: lr = -0.1"));
  CHECK_THAT(message_of([&] { aib::SGDT<double>({p}, std::nan("")); }), Contains("lr = nan"));
  CHECK_THAT(message_of([&] { aib::SGDT<double>({p}, 0.1, -0.5); }),
             Contains("SGD: momentum = -0.5"));
  CHECK_THAT(message_of([&] { aib::SGDT<double>({p}, 0.1, 0.9, 0.0, -1.0); }),
             Contains("weight_decay = -1"));
  CHECK_THAT(message_of([&] { aib::SGDT<double>({p}, 0.1, 0.0, 0.0, 0.0, true); }),
             Contains("Nesterov momentum needs momentum > 0 and dampening = 0"));
  CHECK_THAT(message_of([&] { aib::SGDT<double>({p}, 0.1, 0.9, 0.1, 0.0, true); }),
             Contains("dampening = 0.1"));
  CHECK_THAT(message_of([&] { aib::AdamT<double>({p}, 1e-3, 1.0); }),
             Contains("Adam: beta1 = 1; it must be in [0, 1)"));
  CHECK_THAT(message_of([&] { aib::AdamT<double>({p}, 1e-3, 0.9, -0.1); }),
             Contains("Adam: beta2 = -0.1"));
  CHECK_THAT(message_of([&] { aib::AdamWT<double>({p}, 1e-3, 0.9, 0.999, -1e-8); }),
             Contains("AdamW: eps = -1e-08"));
  CHECK_THAT(message_of([&] { aib::AdamT<double>(std::vector<TensorD>{}); }),
             Contains("Adam: the parameter list is empty"));
  CHECK_THAT(message_of([&] {
               aib::AdamT<double>({p, TensorD()});
             }),
             Contains("parameter 1 is an empty (default-constructed) tensor"));
  CHECK_THAT(message_of([&] {
               aib::AdamT<double>({p, p});
             }),
             Contains("parameter 1 is the same tensor as parameter 0"));
  CHECK_THAT(message_of([&] { aib::SGDT<double>({p * 2.0}, 0.1); }),
             Contains("parameter 0 is the output of op 'mul_scalar', not a leaf"));
  aib::SGDT<double> sgd({p}, 0.1);
  CHECK_THAT(message_of([&] { sgd.set_lr(-1.0); }), Contains("SGD: lr = -1"));
  CHECK(sgd.lr() == 0.1);  // unchanged by the failed call

  // A parameter whose value changed shape under the optimizer's state.
  aib::AdamT<double> adam({p});
  aib::sum(p).backward();
  adam.step();
  p.zero_grad();
  p.value() = MatD::Ones(3, 2);
  aib::sum(p).backward();
  CHECK_THROWS_AS(adam.step(), aib::ShapeError);
  CHECK_THAT(message_of([&] { adam.step(); }),
             Contains("Adam::step: parameter 0 has shape (3, 2) but its first moment has shape "
                      "(2, 2)"));
}

TEST_CASE("clip_grad_norm: global norm, scale only when above max_norm") {
  TensorD a = TensorD::parameter(MatD::Zero(1, 2)), b = TensorD::parameter(MatD::Zero(2, 1));
  TensorD c = TensorD::parameter(MatD::Zero(1, 1));  // no gradient: ignored
  const MatD ga = (MatD(1, 2) << 3.0, 0.0).finished(), gb = (MatD(2, 1) << 0.0, 4.0).finished();
  a.accumulate(ga);
  b.accumulate(gb);
  CHECK(aib::clip_grad_norm<double>({a, b, c}, 10.0) == Approx(5.0).epsilon(1e-15));
  CHECK(a.grad() == ga);  // below max_norm: untouched
  CHECK(aib::clip_grad_norm<double>({a, b, c}, 1.0) == Approx(5.0).epsilon(1e-15));
  const double scale = 1.0 / (5.0 + 1e-6);
  CHECK(a.grad()(0, 0) == Approx(3.0 * scale).epsilon(1e-15));
  CHECK(b.grad()(1, 0) == Approx(4.0 * scale).epsilon(1e-15));
  CHECK(std::sqrt(a.grad().squaredNorm() + b.grad().squaredNorm()) < 1.0);
  CHECK_FALSE(c.has_grad());
  CHECK(aib::clip_grad_norm<double>({c}, 1.0) == 0.0);

  using aib_test::message_of;
  CHECK_THAT(message_of([&] { aib::clip_grad_norm<double>({a}, 0.0); }),
             Contains("clip_grad_norm: max_norm = 0"));
  CHECK_THAT(message_of([&] { aib::clip_grad_norm<double>({}, 1.0); }),
             Contains("clip_grad_norm: the parameter list is empty"));
  a.accumulate(MatD::Constant(1, 2, std::numeric_limits<double>::infinity()));
  CHECK_THAT(message_of([&] { aib::clip_grad_norm<double>({a}, 1.0, true); }),
             Contains("the total gradient norm is inf"));
  CHECK(std::isinf(aib::clip_grad_norm<double>({a}, 1.0)));  // PyTorch's default: no error
}

TEST_CASE("linear_warmup_cosine: warm-up, cosine, floor; matches the reference schedule") {
  using aib::linear_warmup_cosine;
  CHECK(linear_warmup_cosine(0, 100, 1000, 3e-4) == 0.0);
  CHECK(linear_warmup_cosine(50, 100, 1000, 3e-4) == Approx(1.5e-4).epsilon(1e-15));
  CHECK(linear_warmup_cosine(100, 100, 1000, 3e-4, 3e-5) == Approx(3e-4).epsilon(1e-15));
  CHECK(linear_warmup_cosine(550, 100, 1000, 3e-4, 3e-5) == Approx(1.65e-4).epsilon(1e-14));
  CHECK(linear_warmup_cosine(1000, 100, 1000, 3e-4, 3e-5) == Approx(3e-5).epsilon(1e-14));
  CHECK(linear_warmup_cosine(5000, 100, 1000, 3e-4, 3e-5) == Approx(3e-5).epsilon(1e-14));
  double previous = 1.0;
  for (long s = 100; s <= 1000; ++s) {  // non-increasing after the warm-up
    const double lr = linear_warmup_cosine(s, 100, 1000, 3e-4);
    CHECK(lr <= previous);
    previous = lr;
  }
  CHECK(linear_warmup_cosine(0, 0, 10, 1.0) == 1.0);      // no warm-up: starts at lr_max
  CHECK(linear_warmup_cosine(4, 4, 4, 1.0, 0.5) == 1.0);  // no cosine part: lr_max onwards
  for (long s = 0; s <= 12; ++s)
    CHECK(linear_warmup_cosine(s, 0, 10, 2.0, 0.1) == aib::cosine_annealing(s, 10, 2.0, 0.1));

  const MatD lrs = fixture("adam_schedule_lr");  // (1, 10), from the Python definition
  for (int k = 0; k < kSteps; ++k)
    CHECK(std::abs(linear_warmup_cosine(k, kWarmup, kTotal, kLrMax, kLrMin) - lrs(0, k)) < 1e-16);

  using aib_test::message_of;
  CHECK_THAT(message_of([] { linear_warmup_cosine(-1, 10, 100, 1.0); }), Contains("step = -1"));
  CHECK_THAT(message_of([] { linear_warmup_cosine(0, 10, 5, 1.0); }),
             Contains("warmup_steps = 10, total_steps = 5"));
  CHECK_THAT(message_of([] { linear_warmup_cosine(0, 1, 5, 1.0, 2.0); }),
             Contains("lr_min = 2, lr_max = 1"));
  CHECK_THAT(message_of([] { aib::cosine_annealing(0, 0, 1.0); }), Contains("total_steps = 0"));
}
