// Tests for aib/autograd/losses.hpp: values by hand, PyTorch references
// (tools/reference/functions.py), gradient checks, and the KL reduction.
#include <cmath>

#include "catch.hpp"
#include "test_helpers.hpp"
#include "torch_ref.hpp"

#include "aib/autograd/gradcheck.hpp"
#include "aib/autograd/losses.hpp"

using aib::MatD;
using aib::TensorD;
using aib_test::max_diff;

namespace {
MatD expected(const std::string& name) { return aib_test::torch_ref("functions", name); }

void require_gradcheck(const std::function<TensorD(const std::vector<TensorD>&)>& f,
                       std::vector<TensorD> inputs) {
  const aib::GradcheckResult r = aib::gradcheck(f, std::move(inputs));
  INFO(r.failures);
  CHECK(r.checked > 0);
  CHECK(r.ok());
}
}  // namespace

TEST_CASE("cross-entropy by hand: uniform logits give log V, confident ones about 0") {
  const TensorD uniform(MatD::Zero(3, 5));
  CHECK(aib::cross_entropy(uniform, {0, 4, 2}).item() == Approx(std::log(5.0)));
  MatD sharp = MatD::Constant(2, 3, -1e4);
  sharp(0, 1) = 1e4;
  sharp(1, 2) = 1e4;
  const double l = aib::cross_entropy(TensorD(sharp), {1, 2}).item();
  CHECK(std::isfinite(l));
  CHECK(l == Approx(0.0).margin(1e-12));
}

TEST_CASE("losses match PyTorch, values and gradients") {
  for (const std::string name : {"cross_entropy", "cross_entropy_ignore"}) {
    INFO(name);
    const auto targets = aib_test::torch_ids("functions", name + "_targets");
    const TensorD x = TensorD::parameter(expected(name + "_in0"));
    const TensorD loss = aib::cross_entropy(x, targets);
    CHECK(loss.item() == Approx(expected(name + "_y")(0, 0)).epsilon(1e-12));
    loss.backward();
    CHECK(max_diff(x.grad(), expected(name + "_d_in0")) < 1e-12);
  }
  const TensorD a = TensorD::parameter(expected("mse_in0")), b = TensorD::parameter(expected("mse_in1"));
  const TensorD mse = aib::mse_loss(a, b);
  CHECK(mse.item() == Approx(expected("mse_y")(0, 0)).epsilon(1e-12));
  mse.backward();
  CHECK(max_diff(a.grad(), expected("mse_d_in0")) < 1e-12);
  CHECK(max_diff(b.grad(), expected("mse_d_in1")) < 1e-12);

  const TensorD x = TensorD::parameter(expected("bce_in0")), y = TensorD::parameter(expected("bce_in1"));
  const TensorD bce = aib::bce_with_logits(x, y);
  CHECK(bce.item() == Approx(expected("bce_y")(0, 0)).epsilon(1e-12));
  bce.backward();
  CHECK(max_diff(x.grad(), expected("bce_d_in0")) < 1e-12);
  CHECK(max_diff(y.grad(), expected("bce_d_in1")) < 1e-12);

  const TensorD mu = TensorD::parameter(expected("kl_in0")), lv = TensorD::parameter(expected("kl_in1"));
  const TensorD kl = aib::kl_standard_normal(mu, lv);
  CHECK(kl.item() == Approx(expected("kl_y")(0, 0)).epsilon(1e-12));
  kl.backward();
  CHECK(max_diff(mu.grad(), expected("kl_d_in0")) < 1e-12);
  CHECK(max_diff(lv.grad(), expected("kl_d_in1")) < 1e-12);
}

TEST_CASE("KL is summed over latent dimensions and averaged over the batch") {
  MatD mu(2, 3), lv = MatD::Zero(2, 3);
  mu << 1, 0, 0,  //
      0, 2, 0;
  // Per sample: ½Σμ² = 0.5 and 2.0; batch mean 1.25 (a mean over all 6 entries would give 0.4167).
  CHECK(aib::kl_standard_normal(TensorD(mu), TensorD(lv)).item() == Approx(1.25));
  CHECK(aib::kl_standard_normal(TensorD(MatD::Zero(2, 3)), TensorD(lv)).item() == 0.0);
}

TEST_CASE("gradient checks on every input") {
  aib::Rng rng(3);
  const auto p = [&](aib::Index r, aib::Index c) { return TensorD::parameter(rng.normal_mat(r, c).cast<double>()); };
  require_gradcheck([](auto& v) { return aib::cross_entropy(v[0], {1, 0, 3}); }, {p(3, 4)});
  require_gradcheck([](auto& v) { return aib::cross_entropy(v[0], {1, -100, 3}); }, {p(3, 4)});
  require_gradcheck([](auto& v) { return aib::mse_loss(v[0], v[1]); }, {p(3, 4), p(3, 4)});
  aib::MatD targets = rng.uniform_mat(3, 4).cast<double>();
  require_gradcheck([](auto& v) { return aib::bce_with_logits(v[0], v[1]); },
                    {p(3, 4), TensorD::parameter(targets)});
  require_gradcheck([](auto& v) { return aib::kl_standard_normal(v[0], v[1]); }, {p(3, 4), p(3, 4)});
}

TEST_CASE("bad targets and shapes are named") {
  const TensorD x(MatD::Zero(2, 3));
  CHECK_THROWS_WITH(aib::cross_entropy(x, {0}), "cross_entropy: logits have 2 rows but there are 1 targets");
  CHECK_THROWS_WITH(aib::cross_entropy(x, {0, 3}), "cross_entropy: target 3 of row 1 is outside [0, 3)");
  CHECK_THROWS_WITH(aib::cross_entropy(x, {-100, -100}), Catch::Contains("every one of the 2 targets"));
  CHECK_THROWS_AS(aib::mse_loss(x, TensorD(MatD::Zero(3, 2))), aib::ShapeError);
}
