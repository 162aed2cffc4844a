// Tests for aib/generative/flow.hpp (RealNVP): invertibility, the log-determinant against a
// numerical Jacobian, the density integrating to 1, gradients, PyTorch's values for the same
// weights (tools/reference/flow.py -> tests/fixtures/torch/flow/), training, divergence, bad input.
#include <cmath>
#include <string>
#include <vector>

#include <Eigen/LU>

#include "catch.hpp"
#include "test_helpers.hpp"
#include "torch_ref.hpp"

#include "aib/autograd/gradcheck.hpp"
#include "aib/generative/flow.hpp"
#include "aib/generative/toy2d.hpp"

using aib::Index;
using aib::MatD;
using aib_test::message_of;

namespace {

// A small flow (widths 1 -> 16 -> 16 -> 2 for D = 2) whose last layers are scaled up, so the
// log-scales are far from 0 and the map is far from the identity.
template <class S>
aib::RealNVPT<S> small_flow(Index dim, Index couplings, std::uint64_t seed, double boost = 3.0) {
  aib::Rng rng(seed);
  aib::RealNVPOptions opt;
  opt.dim = dim;
  opt.couplings = couplings;
  opt.hidden = {16, 16};
  aib::RealNVPT<S> flow(opt, rng);
  for (auto& c : flow.couplings) {
    c.net.layers.back().weight.value() *= static_cast<S>(boost);
    c.net.layers.back().bias.value() *= static_cast<S>(boost);
  }
  return flow;
}

template <class S>
aib::MatT<S> points(Index n, Index dim, std::uint64_t seed, double scale = 1.5) {
  aib::Rng rng(seed);
  return (rng.normal_mat(n, dim) * static_cast<float>(scale)).template cast<S>();  // (n, D)
}

double max_abs(const MatD& m) {
  return m.cwiseAbs().maxCoeff();
}

}  // namespace

TEST_CASE("flow: inverse(forward(x)) is x, and the two log-determinants cancel", "[flow]") {
  SECTION("double, D = 2 and D = 3") {
    for (Index dim : {2, 3}) {
      const auto flow = small_flow<double>(dim, 5, 11);
      const MatD x = points<double>(64, dim, 3);  // (64, D)
      const auto f = flow.forward(aib::TensorD(x));
      const auto b = flow.inverse(f.out);
      CHECK(max_abs(b.out.value() - x) <= 1e-12);
      CHECK(max_abs(f.log_det.value() + b.log_det.value()) <= 1e-12);
      CHECK(max_abs(f.log_det.value()) > 0.5);  // the map is not volume-preserving
      // the other way round: forward(inverse(z)) = z
      const auto c = flow.forward(flow.inverse(aib::TensorD(x)).out);
      CHECK(max_abs(c.out.value() - x) <= 1e-12);
    }
  }
  SECTION("float") {
    const auto flow = small_flow<float>(2, 8, 12);
    const aib::Mat x = points<float>(256, 2, 4);  // (256, 2)
    const auto f = flow.forward(aib::Tensor(x));
    const auto b = flow.inverse(f.out);
    CHECK((b.out.value() - x).cwiseAbs().maxCoeff() <= 1e-5f);
    CHECK((f.log_det.value() + b.log_det.value()).cwiseAbs().maxCoeff() <= 1e-5f);
  }
  SECTION("one coupling leaves its kept columns alone and bounds its log-scale") {
    const auto flow = small_flow<double>(3, 2, 13, 50.0);
    const MatD x = points<double>(32, 3, 5);  // (32, 3)
    const auto c0 = flow.couplings[0].forward(aib::TensorD(x));
    const auto c1 = flow.couplings[1].forward(aib::TensorD(x));
    CHECK(flow.couplings[0].keep == std::vector<Index>{0, 2});
    CHECK(flow.couplings[1].keep == std::vector<Index>{1});
    CHECK(max_abs(c0.out.value().col(0) - x.col(0)) == 0.0);
    CHECK(max_abs(c0.out.value().col(2) - x.col(2)) == 0.0);
    CHECK(max_abs(c1.out.value().col(1) - x.col(1)) == 0.0);
    // |s| <= bound = 1 for the one changed column; the boosted net saturates the tanh
    CHECK(c0.log_det.value().cwiseAbs().maxCoeff() <= 1.0);
    CHECK(c0.log_det.value().cwiseAbs().maxCoeff() > 0.99);
  }
}

TEST_CASE("flow: log|det J| equals the log-determinant of the numerical Jacobian", "[flow]") {
  for (Index dim : {2, 3}) {
    const auto flow = small_flow<double>(dim, 4, 21);
    const MatD x = points<double>(5, dim, 6);                            // (5, D)
    const MatD log_det = flow.forward(aib::TensorD(x)).log_det.value();  // (5, 1)
    aib::NoGrad no_graph;
    for (Index i = 0; i < x.rows(); ++i) {
      MatD J(dim, dim);  // ∂z/∂x at row i, by central differences
      const double h = 1e-6;
      for (Index j = 0; j < dim; ++j) {
        MatD up = x.row(i), down = x.row(i);  // (1, D)
        up(0, j) += h;
        down(0, j) -= h;
        const MatD dz = (flow.forward(aib::TensorD(up)).out.value() -
                         flow.forward(aib::TensorD(down)).out.value()) /
                        (2 * h);  // (1, D)
        J.col(j) = dz.row(0).transpose();
      }
      CHECK(std::abs(std::log(std::abs(J.determinant())) - log_det(i, 0)) <= 1e-6);
    }
  }
}

TEST_CASE("flow: the 2-D density integrates to 1 over a grid", "[flow]") {
  const auto flow = small_flow<double>(2, 4, 31, 1.5);
  const double lo = -9, hi = 9;
  const Index n = 360;  // cells per side, 0.05 wide
  const double h = (hi - lo) / n;
  MatD grid(n * n, 2);  // (n², 2) cell centres
  for (Index a = 0; a < n; ++a)
    for (Index b = 0; b < n; ++b) grid.row(a * n + b) << lo + (a + 0.5) * h, lo + (b + 0.5) * h;
  const MatD lp = flow.log_prob(grid);  // (n², 1)
  const double mass = lp.array().exp().sum() * h * h;
  INFO("mass " << mass);
  CHECK(std::abs(mass - 1.0) <= 0.01);
  // and the density is not the base's: the flow has moved probability around
  const MatD base =
      (-0.5 * grid.rowwise().squaredNorm().array() - std::log(2 * 3.14159265358979323846)).matrix();
  CHECK((lp - base).cwiseAbs().maxCoeff() > 0.5);
}

TEST_CASE("flow: gradients of log p(x) match finite differences", "[flow]") {
  aib::Rng rng(41);
  aib::RealNVPOptions opt;
  opt.dim = 3;
  opt.couplings = 3;
  opt.hidden = {5};
  opt.activation = aib::Activation::tanh;  // smooth: no ReLU kink near a difference step
  opt.log_scale_bound = 2.0;
  const aib::RealNVPD flow(opt, rng);
  std::vector<aib::TensorD> inputs{aib::TensorD::parameter(points<double>(4, 3, 7))};
  for (const auto& p : flow.parameters()) inputs.push_back(p.tensor);
  const auto result = aib::gradcheck(
      [&flow](const std::vector<aib::TensorD>& in) { return flow.log_prob(in[0]); }, inputs);
  INFO(result.failures);
  CHECK(result.ok());
  CHECK(result.checked >= 100);
}

TEST_CASE("flow: one coupling, the flow and the NLL equal PyTorch's for the same weights",
          "[flow][torch]") {
  using aib_test::max_diff;
  using aib_test::torch_ref;
  aib::Rng rng(1);
  aib::RealNVPOptions opt;
  opt.couplings = 3;
  opt.hidden = {8, 8};
  const aib::RealNVPD flow(opt, rng);
  for (auto p : flow.parameters()) p.tensor.value() = torch_ref("flow", p.name);
  const aib::TensorD x = aib::TensorD::parameter(torch_ref("flow", "x"));  // (6, 2)

  const auto c0 = flow.couplings[0].forward(x);
  CHECK(max_diff(c0.out.value(), torch_ref("flow", "c0_y")) <= 1e-12);
  CHECK(max_diff(c0.log_det.value(), torch_ref("flow", "c0_logdet")) <= 1e-12);
  CHECK(torch_ref("flow", "c0_logdet").cwiseAbs().maxCoeff() > 0.1);  // the scales are not ~0

  const auto f = flow.forward(x);
  CHECK(max_diff(f.out.value(), torch_ref("flow", "z")) <= 1e-12);
  CHECK(max_diff(f.log_det.value(), torch_ref("flow", "logdet")) <= 1e-12);
  CHECK(max_diff(flow.log_prob(x).value(), torch_ref("flow", "log_prob")) <= 1e-12);

  const aib::TensorD nll = flow.nll(x);
  CHECK(max_diff(nll.value(), torch_ref("flow", "nll")) <= 1e-12);
  nll.backward();
  CHECK(max_diff(x.grad(), torch_ref("flow", "grad.x")) <= 1e-12);
  for (const auto& p : flow.parameters()) {
    INFO(p.name);
    CHECK(max_diff(p.tensor.grad(), torch_ref("flow", "grad." + p.name)) <= 1e-12);
  }
}

TEST_CASE("flow: parameters are named couplings.<k>.net.<i>.weight", "[flow]") {
  aib::Rng rng(2);
  const aib::RealNVP flow(aib::RealNVPOptions{}, rng);  // the 2-D recipe
  const auto params = flow.parameters();
  REQUIRE(params.size() == 8 * 6);
  CHECK(params[0].name == "couplings.0.net.0.weight");
  CHECK(params[0].tensor.rows() == 1);
  CHECK(params[0].tensor.cols() == 256);
  CHECK(params[5].name == "couplings.0.net.4.bias");
  CHECK(params[5].tensor.cols() == 2);
  CHECK(params.back().name == "couplings.7.net.4.bias");
  CHECK(aib::count_parameters(params) == 8 * (2 * 256 + 257 * 256 + 257 * 2));
}

TEST_CASE("flow: training lowers the NLL; samples and log_prob agree", "[flow]") {
  aib::Rng rng(51);
  const aib::Mat data = aib::ring8(2000, rng, 0.1f);  // (2000, 2)
  aib::RealNVPOptions opt;
  opt.couplings = 4;
  opt.hidden = {24, 24};
  aib::RealNVP flow(opt, rng);
  const double before = flow.nll(aib::Tensor(data)).item();
  aib::FlowTrainOptions train;
  train.steps = 150;
  train.batch = 64;
  train.lr = 3e-3;
  const auto log = aib::train_flow(flow, data, rng, train);
  REQUIRE(log.losses.size() == 150);
  const double after = flow.nll(aib::Tensor(data)).item();
  CHECK(after < before - 0.3);
  // samples from the flow have, on average, the flow's own log-density near the data's NLL
  const aib::Mat s = flow.sample(2000, rng);  // (2000, 2)
  CHECK(s.allFinite());
  const double sample_nll = -flow.log_prob(s).mean();
  CHECK(std::abs(sample_nll - after) < 0.5);
}

TEST_CASE("flow: a diverging run stops with an error naming the step", "[flow]") {
  aib::Rng data_rng(61);
  const aib::Mat data = aib::ring8(500, data_rng);  // (500, 2)
  aib::RealNVPOptions opt;
  opt.couplings = 4;
  opt.hidden = {16, 16};
  aib::FlowTrainOptions train;
  train.steps = 200;
  train.batch = 32;
  train.lr = 1e6;  // far too large: the weights explode within a few steps
  const auto run = [&](Index steps) {
    aib::Rng rng(62);
    aib::RealNVP flow(opt, rng);
    aib::FlowTrainOptions t = train;
    t.steps = steps;
    aib::train_flow(flow, data, rng, t);
  };
  long step = 0;
  try {
    run(train.steps);
  } catch (const aib::DivergenceError& e) {
    const std::string msg = e.what();
    INFO(msg);
    CHECK(msg.rfind("train_flow: the loss is ", 0) == 0);
    const auto at = msg.find("at step ");
    REQUIRE(at != std::string::npos);
    step = std::stol(msg.substr(at + 8));
  }
  REQUIRE(step > 1);
  CHECK(message_of([&] { run(step - 1); }) == "(no error)");  // the named step is the first bad one
}

TEST_CASE("flow: bad input is an error naming the value", "[flow]") {
  aib::Rng rng(71);
  aib::RealNVPOptions opt;
  opt.hidden = {4};
  opt.couplings = 0;
  CHECK(message_of([&] { aib::RealNVP(opt, rng); }) == "RealNVP: couplings must be >= 1, got 0");
  opt.couplings = 2;
  opt.dim = 1;
  CHECK(message_of([&] { aib::RealNVP(opt, rng); }).find("dim must be >= 2") != std::string::npos);
  opt.dim = 2;
  opt.log_scale_bound = -1;
  CHECK(message_of([&] { aib::RealNVP(opt, rng); }) ==
        "RealNVP: log_scale_bound must be positive and finite, got -1");
  opt.log_scale_bound = 1;
  opt.hidden = {4, 0};
  CHECK(message_of([&] { aib::RealNVP(opt, rng); }) ==
        "RealNVP: hidden width 0 (position 1) must be >= 1");
  opt.hidden = {4};
  aib::RealNVP flow(opt, rng);
  CHECK(message_of([&] { flow.forward(aib::Tensor(aib::Mat::Zero(3, 3))); }) ==
        "RealNVP::forward: input has shape (3, 3), expected (B, 2)");
  CHECK(message_of([&] { flow.inverse(aib::Tensor(aib::Mat::Zero(3, 1))); }) ==
        "RealNVP::inverse: input has shape (3, 1), expected (B, 2)");
  CHECK(message_of([&] { flow.sample(0, rng); }) == "RealNVP::sample: n must be >= 1, got 0");
  CHECK(message_of([&] { aib::RealNVP().log_prob(aib::Mat::Zero(1, 2)); }).find("no couplings") !=
        std::string::npos);
  aib::Mat data = aib::Mat::Zero(10, 2);  // (10, 2)
  aib::FlowTrainOptions t;
  t.steps = 1;
  t.batch = 0;
  CHECK(message_of([&] { aib::train_flow(flow, data, rng, t); }) ==
        "train_flow: batch must be >= 1, got 0");
  t.batch = 4;
  CHECK(message_of([&] { aib::train_flow(flow, aib::Mat(aib::Mat::Zero(10, 3)), rng, t); }) ==
        "train_flow: data has shape (10, 3), expected (N, 2)");
  data(7, 1) = std::nanf("");
  CHECK(message_of([&] { aib::train_flow(flow, data, rng, t); }) ==
        "train_flow: data row 7 is not finite");
}
