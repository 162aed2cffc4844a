// Tests for aib/autograd/tensor.hpp, ops.hpp and gradcheck.hpp: the engine, hand-computable
// gradients, and a gradient check in double for every op on all of its inputs.
#include <cmath>
#include <limits>

#include "catch.hpp"
#include "test_helpers.hpp"

#include "aib/autograd/gradcheck.hpp"
#include "aib/autograd/ops.hpp"

using aib::MatD;
using aib::TensorD;

namespace {

TensorD param(aib::Index r, aib::Index c, std::uint64_t seed, double lo = -1, double hi = 1) {
  aib::Rng rng(seed);
  MatD m(r, c);
  for (aib::Index i = 0; i < m.size(); ++i) m.data()[i] = lo + (hi - lo) * rng.uniform_double();
  return TensorD::parameter(m);
}

void require_gradcheck(const std::function<TensorD(const std::vector<TensorD>&)>& f,
                       std::vector<TensorD> inputs, aib::GradcheckOptions opt = {}) {
  const aib::GradcheckResult r = aib::gradcheck(f, std::move(inputs), opt);
  INFO(r.failures);
  INFO("entries checked: " << r.checked << ", max abs error " << r.max_abs_error);
  CHECK(r.checked > 0);
  CHECK(r.ok());
}

}  // namespace

TEST_CASE("backward of a tiny expression, by hand") {
  // L = (a·b + a)² summed, a = 3, b = 4: L = 15² = 225, dL/da = 2·15·(b + 1) = 150, dL/db = 90.
  auto a = TensorD::parameter(MatD::Constant(1, 1, 3.0));
  auto b = TensorD::parameter(MatD::Constant(1, 1, 4.0));
  auto y = a * b + a;
  auto L = aib::sum(y * y);
  CHECK(L.item() == 225.0);
  L.backward();
  CHECK(a.grad()(0, 0) == 150.0);
  CHECK(b.grad()(0, 0) == 90.0);
  CHECK_FALSE(y.has_grad());  // only leaves keep gradients
  // A second backward adds the same contribution again.
  L.backward();
  CHECK(a.grad()(0, 0) == 300.0);
  a.zero_grad();
  CHECK(a.grad()(0, 0) == 0.0);
}

TEST_CASE("a value used twice gets both contributions; NoGrad records nothing") {
  auto x = TensorD::parameter(MatD::Constant(1, 1, 2.0));
  auto L = aib::sum(x * x * x);  // d(x³)/dx = 3x² = 12
  L.backward();
  CHECK(x.grad()(0, 0) == Approx(12.0));
  {
    aib::NoGrad guard;
    auto y = x * x;
    CHECK_FALSE(y.requires_grad());
    CHECK_THROWS_WITH(aib::sum(y).backward(), Catch::Contains("does not require grad"));
  }
  CHECK(aib::grad_enabled());
}

TEST_CASE("errors name the op and the shapes") {
  auto a = TensorD(MatD::Zero(2, 3)), b = TensorD(MatD::Zero(4, 3));
  CHECK_THROWS_WITH(aib::add(a, b), "add: shapes (2, 3) and (4, 3) do not broadcast (each "
                                    "dimension must match or be 1)");
  CHECK_THROWS_WITH(aib::matmul(a, b), Catch::Contains("matmul: cannot multiply a (2, 3) by b (4, 3)"));
  CHECK_THROWS_WITH(aib::slice_rows(a, 1, 5), Catch::Contains("rows [1, 6) are outside"));
  CHECK_THROWS_WITH(aib::gather_rows(a, {0, 2}), Catch::Contains("index 2 at position 1"));
  CHECK_THROWS_AS(aib::concat_cols<double>({a, b}), aib::ShapeError);
  CHECK_THROWS_WITH(a.backward(), Catch::Contains("needs a (1, 1) loss"));
  CHECK_THROWS_WITH(TensorD().value(), Catch::Contains("empty"));
}

TEST_CASE("broadcasting forward values") {
  MatD a(2, 2), row(1, 2), col(2, 1);
  a << 1, 2, 3, 4;
  row << 10, 20;
  col << 100, 200;
  const MatD s = (TensorD(a) + TensorD(row)).value();
  CHECK(s(1, 1) == 24);
  const MatD p = (TensorD(a) * TensorD(col)).value();
  CHECK(p(1, 0) == 600);
  CHECK((TensorD(col) - TensorD(row)).value()(1, 0) == 190);
}

TEST_CASE("gradient check: matmul and broadcasting arithmetic") {
  require_gradcheck([](auto& in) { return aib::matmul(in[0], in[1]); },
                    {param(3, 4, 1), param(4, 2, 2)});
  require_gradcheck([](auto& in) { return aib::affine(in[0], in[1], in[2]); },
                    {param(3, 4, 13), param(4, 2, 14), param(1, 2, 15)});
  {  // affine is matmul + bias, as one op
    const TensorD x = param(3, 4, 16), w = param(4, 2, 17), b = param(1, 2, 18);
    CHECK((aib::affine(x, w, b).value() - aib::add(aib::matmul(x, w), b).value()).cwiseAbs().maxCoeff() < 1e-15);
    CHECK_THROWS_WITH(aib::affine(x, w, param(2, 1, 19)), Catch::Contains("affine: bias is (2, 1), expected (1, 2)"));
  }
  for (const auto& [r, c] : std::vector<std::pair<int, int>>{{3, 4}, {1, 4}, {3, 1}, {1, 1}}) {
    INFO("second operand shape (" << r << ", " << c << ")");
    require_gradcheck([](auto& in) { return aib::add(in[0], in[1]); }, {param(3, 4, 3), param(r, c, 4)});
    require_gradcheck([](auto& in) { return aib::sub(in[1], in[0]); }, {param(3, 4, 5), param(r, c, 6)});
    require_gradcheck([](auto& in) { return aib::mul(in[0], in[1]); }, {param(3, 4, 7), param(r, c, 8)});
    require_gradcheck([](auto& in) { return aib::div(in[0], in[1]); },
                      {param(3, 4, 9), param(r, c, 10, 0.5, 2.0)});  // away from b = 0
  }
  require_gradcheck([](auto& in) { return 2.0 * in[0] - 1.5 + (-in[0]) / 4.0 + 3.0; }, {param(2, 3, 11)});
  require_gradcheck([](auto& in) { return 1.0 - in[0]; }, {param(2, 3, 12)});
}

TEST_CASE("gradient check: elementwise functions") {
  require_gradcheck([](auto& in) { return aib::exp(in[0]); }, {param(3, 3, 21)});
  require_gradcheck([](auto& in) { return aib::log(in[0]); }, {param(3, 3, 22, 0.5, 3.0)});
  require_gradcheck([](auto& in) { return aib::sqrt(in[0]); }, {param(3, 3, 23, 0.5, 3.0)});
  require_gradcheck([](auto& in) { return aib::pow(in[0], 3.0); }, {param(3, 3, 24)});
  require_gradcheck([](auto& in) { return aib::pow(in[0], -0.5); }, {param(3, 3, 25, 0.5, 2.0)});
  require_gradcheck([](auto& in) { return aib::tanh(in[0]); }, {param(3, 3, 26, -2, 2)});
}

TEST_CASE("gradient check: reductions") {
  require_gradcheck([](auto& in) { return aib::sum(in[0]); }, {param(3, 4, 31)});
  require_gradcheck([](auto& in) { return aib::mean(in[0]); }, {param(3, 4, 32)});
  require_gradcheck([](auto& in) { return aib::sum_rows(in[0]); }, {param(3, 4, 33)});
  require_gradcheck([](auto& in) { return aib::sum_cols(in[0]); }, {param(3, 4, 34)});
  require_gradcheck([](auto& in) { return aib::mean_rows(in[0]); }, {param(3, 4, 35)});
  require_gradcheck([](auto& in) { return aib::mean_cols(in[0]); }, {param(3, 4, 36)});
}

TEST_CASE("gradient check: shape ops, gather and masked_fill") {
  require_gradcheck([](auto& in) { return aib::transpose(in[0]); }, {param(3, 4, 41)});
  require_gradcheck([](auto& in) { return aib::slice_rows(in[0], 1, 2); }, {param(4, 3, 42)});
  require_gradcheck([](auto& in) { return aib::slice_cols(in[0], 0, 2); }, {param(3, 4, 43)});
  require_gradcheck([](auto& in) { return aib::concat_rows<double>({in[0], in[1], in[0]}); },
                    {param(2, 3, 44), param(1, 3, 45)});
  require_gradcheck([](auto& in) { return aib::concat_cols<double>({in[0], in[1]}); },
                    {param(2, 3, 46), param(2, 1, 47)});
  // Repeated ids: row 1 of the table is read twice and must receive both gradients.
  require_gradcheck([](auto& in) { return aib::gather_rows(in[0], {1, 0, 1, 3}); }, {param(4, 3, 48)});
  aib::MatT<bool> mask(2, 3);
  mask << true, false, false, false, true, false;
  require_gradcheck([mask](auto& in) { return aib::masked_fill(in[0], mask, -5.0); }, {param(2, 3, 49)});
  const MatD filled = aib::masked_fill(TensorD(MatD::Zero(2, 3)), mask, -5.0).value();
  CHECK(filled(0, 0) == -5.0);
  CHECK(filled(0, 1) == 0.0);
}

TEST_CASE("gradcheck itself catches a wrong backward and refuses to check nothing") {
  // An op whose backward is off by a factor of 2.
  const auto wrong = [](const std::vector<TensorD>& in) {
    const TensorD a = in[0];
    return aib::record("wrong_square", MatD(a.value().array().square().matrix()), {a},
                       [a](const MatD& g) { a.accumulate(g.cwiseProduct(a.value())); });
  };
  const aib::GradcheckResult bad = aib::gradcheck(wrong, {param(2, 2, 51)});
  CHECK(bad.checked == 4);
  CHECK_FALSE(bad.ok());
  const aib::GradcheckResult none = aib::gradcheck(
      [](auto& in) { return aib::exp(in[0]); }, {TensorD(MatD::Ones(2, 2))});  // no grad wanted
  CHECK(none.checked == 0);
  CHECK_FALSE(none.ok());
}
